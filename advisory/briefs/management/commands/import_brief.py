from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from advisory.accounts.models import User
from advisory.briefs.importers import DocumentError, read_document
from advisory.briefs.services import brief_create


class Command(BaseCommand):
    help = (
        "Import a .md, .txt or .docx file as a draft brief: the first heading (or first line) "
        "becomes the title, the rest the Markdown body. Prints the new brief's id and admin URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the .md, .txt or .docx file")
        parser.add_argument(
            "--author",
            metavar="USERNAME",
            help="an existing user, made the brief's author and recorded as having imported it",
        )

    def handle(self, *args: Any, path: Path, author: str | None, **options: Any) -> None:
        user = None
        if author is not None:
            user = User.objects.filter(username=author).first()
            if user is None:
                raise CommandError(f"no user with username {author!r}")
        try:
            document = read_document(path)
        except DocumentError as error:
            raise CommandError(str(error)) from error
        try:
            brief = brief_create(
                actor=user,
                title=document.title,
                body=document.body,
                authors=[user] if user is not None else [],
            )
        except ValidationError as error:
            raise CommandError(f"{path.name}: {_one_line(error)}") from error
        url = settings.SITE_URL + reverse("admin:briefs_brief_change", args=[brief.pk])
        self.stdout.write(f"Created draft brief {brief.pk}: {url}")


def _one_line(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)

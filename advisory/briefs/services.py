from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from advisory.accounts.models import AccessTier, User
from advisory.briefs.models import Brief, BriefAuthor, BriefKind, Series
from advisory.entities.models import Region
from advisory.lib.markdown import word_count
from advisory.lib.slugs import unique_slug
from advisory.workflow.services import audit_event_record

# The fields a writer edits directly; everything else is set by the workflow.
EDITABLE_FIELDS = (
    "title",
    "summary",
    "body",
    "kind",
    "access_tier",
    "series",
    "series_position",
)


def _set_relations(
    brief: Brief,
    *,
    regions: Iterable[Region] | None,
    tags: Sequence[str] | None,
    authors: Sequence[User] | None,
) -> None:
    if regions is not None:
        brief.regions.set(list(regions))
    if tags is not None:
        brief.tags.set([tag.strip() for tag in tags if tag.strip()], clear=True)
    if authors is not None:
        BriefAuthor.objects.filter(brief=brief).delete()
        BriefAuthor.objects.bulk_create(
            BriefAuthor(brief=brief, author=author, position=position)
            for position, author in enumerate(dict.fromkeys(authors))
        )


@transaction.atomic
def brief_create(
    *,
    actor: User | None,
    title: str,
    summary: str = "",
    body: str = "",
    kind: str = BriefKind.ANALYSIS,
    access_tier: int = AccessTier.STANDARD,
    series: Series | None = None,
    series_position: int | None = None,
    regions: Iterable[Region] = (),
    tags: Sequence[str] = (),
    authors: Sequence[User] | None = None,
) -> Brief:
    """Create a draft brief. Its slug comes from the title and never follows later title edits."""
    title = " ".join(title.split())
    brief = Brief(
        title=title,
        slug=unique_slug(Brief, title, fallback="brief"),
        summary=summary.strip(),
        body=body,
        kind=kind,
        access_tier=access_tier,
        series=series,
        series_position=series_position,
        word_count=word_count(body),
        created_by=actor,
        last_edited_by=actor,
    )
    brief.full_clean()
    brief.save()
    if authors is None:
        authors = [actor] if actor is not None else []
    _set_relations(brief, regions=regions, tags=tags, authors=authors)
    audit_event_record(actor=actor, verb="brief.created", target=brief)
    return brief


@transaction.atomic
def brief_update(
    *,
    actor: User,
    brief: Brief,
    regions: Iterable[Region] | None = None,
    tags: Sequence[str] | None = None,
    authors: Sequence[User] | None = None,
    **fields: Any,
) -> Brief:
    """Change a brief's editable fields and relations; the slug stays as it was."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(brief, name, value)
    brief.title = " ".join(brief.title.split())
    brief.summary = brief.summary.strip()
    brief.word_count = word_count(brief.body)
    brief.last_edited_by = actor
    brief.full_clean()
    brief.save()
    _set_relations(brief, regions=regions, tags=tags, authors=authors)
    audit_event_record(
        actor=actor, verb="brief.edited", target=brief, data={"fields": sorted(fields)}
    )
    return brief

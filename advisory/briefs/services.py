import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from advisory.accounts.models import AccessTier, User
from advisory.briefs.models import (
    Brief,
    BriefAuthor,
    BriefKind,
    BriefStatus,
    KeyJudgment,
    Mention,
    MentionOrigin,
    Series,
    Source,
)
from advisory.entities.models import Entity, Region
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


@dataclass(frozen=True)
class SourceSpec:
    title: str
    publisher: str = ""
    url: str = ""
    published_on: datetime.date | None = None
    note: str = ""


@transaction.atomic
def brief_parts_replace(
    *,
    actor: User | None,
    brief: Brief,
    key_judgments: Sequence[str],
    sources: Sequence[SourceSpec],
    mentions: Sequence[tuple[Entity, str]],
    mention_origin: str = MentionOrigin.CONFIRMED,
) -> None:
    """Replace a brief's key judgments, sources and entity links in one go (imports, demo)."""
    KeyJudgment.objects.filter(brief=brief).delete()
    Source.objects.filter(brief=brief).delete()
    Mention.objects.filter(brief=brief).delete()
    KeyJudgment.objects.bulk_create(
        KeyJudgment(brief=brief, statement=statement.strip(), position=position)
        for position, statement in enumerate(key_judgments)
    )
    Source.objects.bulk_create(
        Source(
            brief=brief,
            title=spec.title,
            publisher=spec.publisher,
            url=spec.url,
            published_on=spec.published_on,
            note=spec.note,
            position=position,
        )
        for position, spec in enumerate(sources)
    )
    Mention.objects.bulk_create(
        Mention(brief=brief, entity=entity, role=role, origin=mention_origin)
        for entity, role in dict(mentions).items()
    )
    audit_event_record(
        actor=actor,
        verb="brief.parts_replaced",
        target=brief,
        data={
            "key_judgments": len(key_judgments),
            "sources": len(sources),
            "mentions": len(mentions),
        },
    )


@transaction.atomic
def brief_back_catalogue_status_set(
    *,
    actor: User | None,
    brief: Brief,
    status: str,
    published_at: datetime.datetime | None = None,
) -> Brief:
    """Give a brief loaded from a back catalogue (or the demo) the status it already had.

    This is not the editorial workflow: it records that the brief arrived with that status,
    so that its review history is understood to lie outside Advisory.
    """
    brief.status = BriefStatus(status)
    brief.published_at = published_at
    brief.content_updated_at = None
    brief.full_clean()
    brief.save(update_fields=["status", "published_at", "content_updated_at", "modified_at"])
    audit_event_record(
        actor=actor,
        verb="brief.back_catalogue_status_set",
        target=brief,
        reason="Loaded from a back catalogue with its status.",
        data={"status": brief.status, "published_at": published_at},
    )
    return brief

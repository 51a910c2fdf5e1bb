import datetime
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from advisory.accounts.models import AccessTier, User
from advisory.briefs.models import (
    Brief,
    BriefAuthor,
    BriefKind,
    BriefRevision,
    BriefStatus,
    KeyJudgment,
    Mention,
    MentionOrigin,
    MentionRejection,
    MentionRole,
    Series,
    Source,
)
from advisory.briefs.publication import publication_remove, publication_write
from advisory.briefs.selectors import (
    BRIEF_LINKED_FIELDS,
    brief_links_found,
    brief_snapshot,
    preview_token_hash,
    snapshot_hash,
)
from advisory.entities.models import Entity, Region
from advisory.lib.markdown import word_count
from advisory.lib.slugs import unique_slug
from advisory.workflow.models import PreviewLink
from advisory.workflow.services import audit_event_record


class EditConflict(ValidationError):
    """Someone else saved the brief after the editor opened it: the edit would overwrite it."""

    def __init__(self, stored: Brief) -> None:
        who = stored.last_edited_by.byline if stored.last_edited_by else "someone"
        when = timezone.localtime(stored.modified_at).strftime("%H:%M")
        super().__init__(
            f"{who} saved this brief at {when} while you were editing it, so your changes were "
            "not saved. They are still in the form below: compare them with the new version, "
            "then save again."
        )
        self.stored = stored


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
    record_revision: bool = True,
) -> Brief:
    """Create a draft brief. Its slug comes from the title and never follows later title edits.

    Its first revision is recorded unless the caller adds parts first (record_revision=False)
    and records the revision itself.
    """
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
    if record_revision:
        brief_revision_record(actor=actor, brief=brief)
    return brief


@transaction.atomic
def brief_update(
    *,
    actor: User,
    brief: Brief,
    regions: Iterable[Region] | None = None,
    tags: Sequence[str] | None = None,
    authors: Sequence[User] | None = None,
    record_revision: bool = True,
    expected_version: int | None = None,
    **fields: Any,
) -> Brief:
    """Change a brief's editable fields and relations; the slug stays as it was.

    Clients keep reading the live revision until the change is approved and published.
    With `expected_version` (the version the editor started from), an edit made on an older
    version is refused rather than overwriting someone else's save.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    stored = Brief.objects.select_for_update().get(pk=brief.pk)
    if expected_version is not None and stored.version != expected_version:
        raise EditConflict(stored)
    # Edit the stored row, not the caller's copy: that copy may predate a workflow step, and
    # saving it whole would undo the step (status, live revision, approval).
    for name, value in fields.items():
        setattr(stored, name, value)
    stored.title = " ".join(stored.title.split())
    stored.summary = stored.summary.strip()
    stored.word_count = word_count(stored.body)
    stored.last_edited_by = actor
    stored.full_clean()
    stored.save(update_fields=[*EDITABLE_FIELDS, "word_count", "last_edited_by", "modified_at"])
    _set_relations(stored, regions=regions, tags=tags, authors=authors)
    audit_event_record(
        actor=actor, verb="brief.edited", target=stored, data={"fields": sorted(fields)}
    )
    if record_revision:
        brief_revision_record(actor=actor, brief=stored)
    brief.refresh_from_db()
    return brief


@transaction.atomic
def brief_revision_record(*, actor: User | None, brief: Brief) -> BriefRevision:
    """Keep the brief's content as saved, as a new immutable revision.

    Every save makes one. Approval is tied to content: when an approved or scheduled brief's
    content hash no longer matches the approved one, the brief goes back into review; a save
    that changes nothing leaves the approval alone.
    """
    brief = Brief.objects.select_for_update().get(pk=brief.pk)
    snapshot = brief_snapshot(brief)
    latest = brief.revisions.order_by("-number").values_list("number", flat=True).first()
    revision = BriefRevision.objects.create(
        brief=brief,
        number=(latest or 0) + 1,
        snapshot=snapshot,
        content_hash=snapshot_hash(snapshot),
        created_by=actor,
    )
    # A brief's version is the number of its latest revision: each save moves it on.
    brief.version = revision.number
    brief.save(update_fields=["version"])
    approved_states = (BriefStatus.APPROVED, BriefStatus.SCHEDULED)
    if brief.status in approved_states and revision.content_hash != brief.approved_hash:
        previous = brief.status
        brief.status = BriefStatus.IN_REVIEW
        brief.approved_hash = ""
        brief.approved_by = None
        # Back in the queue: it waits from now, not from its first submission.
        brief.submitted_at = timezone.now()
        brief.save(
            update_fields=["status", "approved_hash", "approved_by", "submitted_at", "modified_at"]
        )
        audit_event_record(
            actor=actor,
            verb="brief.approval_reset",
            target=brief,
            reason="The content changed after approval: it must be approved again.",
            data={"from": previous, "revision": revision.number},
        )
    return revision


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
def brief_mentions_suggest(
    *, actor: User | None, brief: Brief, text_changed: bool = True
) -> list[Mention]:
    """Link, as suggestions, the entities the linker finds in the brief's saved text.

    Only links the linker is sure of (not the names it merely offers), never an entity the
    brief already links or the writer rejected for it. An entity named in the title is a
    subject of the brief. Returns the suggestions added.

    A save that changed none of the text leaves an approved or scheduled brief's links alone:
    new links would change its content and send it back to review for nothing written.
    """
    if not text_changed and brief.status in (BriefStatus.APPROVED, BriefStatus.SCHEDULED):
        return []
    found = brief_links_found(title=brief.title, summary=brief.summary, body=brief.body)
    taken = set(Mention.objects.filter(brief=brief).values_list("entity_id", flat=True))
    taken |= set(MentionRejection.objects.filter(brief=brief).values_list("entity_id", flat=True))
    roles: dict[int, str] = {}
    for item in found.linked:
        if item.entity_id in taken:
            continue
        in_title = item.segment == BRIEF_LINKED_FIELDS.index("title")
        if in_title or item.entity_id not in roles:
            roles[item.entity_id] = MentionRole.SUBJECT if in_title else MentionRole.MENTIONED
    existing = set(Entity.objects.filter(pk__in=roles).values_list("pk", flat=True))
    added = Mention.objects.bulk_create(
        Mention(brief=brief, entity_id=entity_id, role=role, origin=MentionOrigin.SUGGESTED)
        for entity_id, role in roles.items()
        if entity_id in existing
    )
    if added:
        audit_event_record(
            actor=actor,
            verb="brief.mentions_suggested",
            target=brief,
            data={"entities": [mention.entity_id for mention in added]},
        )
    return added


@transaction.atomic
def mention_confirm(*, actor: User, brief: Brief, entity: Entity) -> Mention:
    """The writer confirms the brief names the entity: a suggestion becomes a confirmed link,
    an offered name a new one, and any earlier rejection of it is withdrawn."""
    mention, created = Mention.objects.get_or_create(
        brief=brief, entity=entity, defaults={"origin": MentionOrigin.CONFIRMED}
    )
    if not created and mention.origin != MentionOrigin.CONFIRMED:
        mention.origin = MentionOrigin.CONFIRMED
        mention.save(update_fields=["origin"])
    MentionRejection.objects.filter(brief=brief, entity=entity).delete()
    audit_event_record(
        actor=actor,
        verb="mention.confirmed",
        target=brief,
        data={"entity": entity.pk, "name": entity.name, "new_link": created},
    )
    return mention


@transaction.atomic
def mention_reject(*, actor: User, brief: Brief, entity: Entity) -> MentionRejection:
    """The writer says the brief does not name the entity: its link goes, and the linker will
    not suggest it for this brief again."""
    removed, _ = Mention.objects.filter(brief=brief, entity=entity).delete()
    rejection, _ = MentionRejection.objects.get_or_create(
        brief=brief, entity=entity, defaults={"created_by": actor}
    )
    audit_event_record(
        actor=actor,
        verb="mention.rejected",
        target=brief,
        data={"entity": entity.pk, "name": entity.name, "link_removed": bool(removed)},
    )
    return rejection


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
    its latest revision already reviewed and, if published, live, so that its review history
    is understood to lie outside Advisory.
    """
    status = BriefStatus(status)
    latest = brief.revisions.order_by("-number").first()
    if latest is None:
        raise ValidationError("Record the brief's revision before giving it a status.")
    brief.status = status
    brief.published_at = published_at
    brief.content_updated_at = None
    reviewed = status in (BriefStatus.APPROVED, BriefStatus.SCHEDULED, BriefStatus.PUBLISHED)
    brief.approved_hash = latest.content_hash if reviewed else ""
    brief.live_revision = latest if status == BriefStatus.PUBLISHED else None
    if status == BriefStatus.IN_REVIEW:
        brief.submitted_at = timezone.now()
    brief.full_clean()
    brief.save(
        update_fields=[
            "status",
            "published_at",
            "content_updated_at",
            "approved_hash",
            "live_revision",
            "submitted_at",
            "modified_at",
        ]
    )
    if status == BriefStatus.PUBLISHED:
        publication_write(brief=brief, revision=latest, now=published_at or timezone.now())
    else:
        publication_remove(brief=brief)
    audit_event_record(
        actor=actor,
        verb="brief.back_catalogue_status_set",
        target=brief,
        reason="Loaded from a back catalogue with its status.",
        data={"status": brief.status, "published_at": published_at, "revision": latest.number},
    )
    return brief


PREVIEW_LINK_MAX_DAYS = 30


@transaction.atomic
def preview_link_create(
    *, actor: User, brief: Brief, label: str, valid_for: datetime.timedelta
) -> tuple[PreviewLink, str]:
    """A read-only link to the brief for someone outside the desk.

    Returns the link and its token; only the token's hash is stored, so the URL can be shown
    once and never again.
    """
    if (
        not datetime.timedelta(minutes=5)
        <= valid_for
        <= datetime.timedelta(days=PREVIEW_LINK_MAX_DAYS)
    ):
        raise ValidationError(
            f"A preview link lasts between 5 minutes and {PREVIEW_LINK_MAX_DAYS} days."
        )
    token = secrets.token_urlsafe(32)
    link = PreviewLink.objects.create(
        brief=brief,
        token_hash=preview_token_hash(token),
        label=label.strip()[:200],
        created_by=actor,
        expires_at=timezone.now() + valid_for,
    )
    audit_event_record(
        actor=actor,
        verb="preview_link.created",
        target=brief,
        data={"link": link.pk, "label": link.label, "expires_at": link.expires_at},
    )
    return link, token


@transaction.atomic
def preview_link_revoke(*, actor: User, link: PreviewLink) -> PreviewLink:
    link = PreviewLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.revoked_by = actor
        link.save(update_fields=["revoked_at", "revoked_by"])
        audit_event_record(
            actor=actor, verb="preview_link.revoked", target=link.brief, data={"link": link.pk}
        )
    return link


def preview_link_used(*, link: PreviewLink) -> None:
    """Note when a link was last opened (no audit event: reading changes nothing)."""
    PreviewLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())

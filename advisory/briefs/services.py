import datetime
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from advisory.accounts.models import AccessTier, User
from advisory.accounts.selectors import user_role
from advisory.briefs.models import (
    Brief,
    BriefAuthor,
    BriefKind,
    BriefRevision,
    BriefStatus,
    JudgmentResolution,
    KeyJudgment,
    Mention,
    MentionOrigin,
    MentionRejection,
    MentionRole,
    Outcome,
    Scenario,
    Series,
    Source,
)
from advisory.briefs.publication import publication_remove, publication_write
from advisory.briefs.readings import snapshot_judgments
from advisory.briefs.scales import Confidence, active_scale
from advisory.briefs.selectors import (
    BRIEF_LINKED_FIELDS,
    ProposedJudgment,
    brief_links_found,
    brief_snapshot,
    judgment_change_problems,
    live_snapshot,
    preview_token_hash,
    snapshot_hash,
)
from advisory.entities.models import Entity, Region
from advisory.lib.markdown import word_count
from advisory.lib.slugs import unique_slug
from advisory.workflow.models import PreviewLink
from advisory.workflow.services import EDITOR_ROLES, audit_event_record


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


# A brief still in the writer's hands. Integrations (the API) change only these: anything
# further along goes through review in the admin.
DRAFT_STATUSES = frozenset({BriefStatus.DRAFT, BriefStatus.CHANGES_REQUESTED})


class NotADraft(ValidationError):
    """The brief has moved on from draft: it may no longer be changed from outside the admin."""

    def __init__(self, brief: Brief) -> None:
        super().__init__(
            f"The brief is {BriefStatus(brief.status).label.lower()}: only a draft, or one whose "
            "changes were requested, can be changed through the API."
        )
        self.brief = brief


def _draft_locked(brief: Brief) -> Brief:
    stored = Brief.objects.select_for_update().get(pk=brief.pk)
    if stored.status not in DRAFT_STATUSES:
        raise NotADraft(stored)
    return stored


@transaction.atomic
def brief_draft_update(
    *,
    actor: User,
    brief: Brief,
    expected_version: int,
    regions: Iterable[Region] | None = None,
    tags: Sequence[str] | None = None,
    **fields: Any,
) -> Brief:
    """Change a draft from an integration: only while it is a draft, and only from the version
    the caller read (an edit made on an older one is refused, as in the admin)."""
    stored = _draft_locked(brief)
    return brief_update(
        actor=actor,
        brief=stored,
        expected_version=expected_version,
        regions=regions,
        tags=tags,
        **fields,
    )


def _entities_settled(brief: Brief) -> set[int]:
    """The entities a suggestion must leave alone: linked to the brief, or rejected for it."""
    linked = set(Mention.objects.filter(brief=brief).values_list("entity_id", flat=True))
    return linked | set(
        MentionRejection.objects.filter(brief=brief).values_list("entity_id", flat=True)
    )


@transaction.atomic
def brief_mentions_propose(
    *, actor: User, brief: Brief, links: Sequence[tuple[Entity, str]]
) -> list[Mention]:
    """Propose entity links for a draft from an integration, as suggestions the writer confirms
    or rejects.

    An entity the brief already links keeps its link as it is (a confirmed link is never
    turned back into a suggestion), and one the writer rejected for this brief stays out. New
    links make a revision, as any change of content does. Returns the links added.
    """
    stored = _draft_locked(brief)
    linked = _entities_settled(stored)
    added = Mention.objects.bulk_create(
        Mention(brief=stored, entity=entity, role=role, origin=MentionOrigin.SUGGESTED)
        for entity, role in dict(links).items()
        if entity.pk not in linked
    )
    if added:
        audit_event_record(
            actor=actor,
            verb="brief.mentions_suggested",
            target=stored,
            data={"entities": [mention.entity_id for mention in added]},
        )
        brief_revision_record(actor=actor, brief=stored)
    return added


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
    # The Admiralty grade; both empty for a source imported ungraded.
    reliability: str = ""
    credibility: int | None = None


@dataclass(frozen=True)
class JudgmentSpec:
    """A key judgment, rated on the desk's scale; `sources` are places in the brief's list of
    sources (0 for the first)."""

    statement: str
    likelihood: str
    confidence: str
    assumptions: str = ""
    sources: tuple[int, ...] = ()


@dataclass(frozen=True)
class ScenarioSpec:
    title: str
    likelihood: str
    review_on: datetime.date
    description: str = ""
    drivers: str = ""
    indicators: str = ""


def _on_desk_scale(likelihood: str, *, what: str) -> str:
    """The desk's scale code, once the term is known to be one of its terms."""
    scale = active_scale()
    if scale.term(likelihood) is None:
        raise ValidationError(
            f"“{likelihood}” is not a term of the {scale.name}: choose {what}'s likelihood "
            f"from {', '.join(term.label for term in scale.terms)}."
        )
    return scale.code


def _judgment(brief: Brief, spec: "JudgmentSpec | str", position: int) -> KeyJudgment:
    if isinstance(spec, str):
        # A statement imported without a rating stays unrated until the writer rates it.
        return KeyJudgment(brief=brief, statement=spec.strip(), position=position)
    if spec.confidence not in Confidence.values:
        raise ValidationError(f"“{spec.confidence}” is not a confidence level.")
    return KeyJudgment(
        brief=brief,
        statement=spec.statement.strip(),
        scale=_on_desk_scale(spec.likelihood, what="a judgment"),
        likelihood=spec.likelihood,
        confidence=spec.confidence,
        assumptions=spec.assumptions.strip(),
        position=position,
    )


@transaction.atomic
def brief_parts_replace(
    *,
    actor: User | None,
    brief: Brief,
    key_judgments: Sequence[JudgmentSpec | str],
    sources: Sequence[SourceSpec],
    mentions: Sequence[tuple[Entity, str]],
    mention_origin: str = MentionOrigin.CONFIRMED,
    scenarios: Sequence[ScenarioSpec] = (),
) -> None:
    """Replace a brief's key judgments, sources, scenarios and entity links in one go
    (imports, demo). A judgment given as a plain statement is kept unrated."""
    KeyJudgment.objects.filter(brief=brief).delete()
    Source.objects.filter(brief=brief).delete()
    Mention.objects.filter(brief=brief).delete()
    Scenario.objects.filter(brief=brief).delete()
    saved_sources = Source.objects.bulk_create(
        Source(
            brief=brief,
            title=spec.title,
            publisher=spec.publisher,
            url=spec.url,
            published_on=spec.published_on,
            note=spec.note,
            reliability=spec.reliability,
            credibility=spec.credibility,
            position=position,
        )
        for position, spec in enumerate(sources)
    )
    judgments = KeyJudgment.objects.bulk_create(
        _judgment(brief, spec, position) for position, spec in enumerate(key_judgments)
    )
    for judgment, spec in zip(judgments, key_judgments, strict=True):
        if isinstance(spec, JudgmentSpec) and spec.sources:
            try:
                judgment.sources.set([saved_sources[place] for place in spec.sources])
            except IndexError:
                raise ValidationError(
                    f"A judgment cites source {max(spec.sources) + 1}, but the brief has "
                    f"{len(saved_sources)}."
                ) from None
    Scenario.objects.bulk_create(
        Scenario(
            brief=brief,
            title=spec.title.strip(),
            description=spec.description.strip(),
            drivers=spec.drivers.strip(),
            scale=_on_desk_scale(spec.likelihood, what="a scenario"),
            likelihood=spec.likelihood,
            indicators=spec.indicators.strip(),
            review_on=spec.review_on,
            position=position,
        )
        for position, spec in enumerate(scenarios)
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
            "scenarios": len(scenarios),
            "mentions": len(mentions),
        },
    )


class JudgmentChangeUnexplained(ValidationError):
    """A published judgment's likelihood or confidence would change without a reason."""


@transaction.atomic
def key_judgment_revise(
    *,
    actor: User,
    judgment: KeyJudgment,
    likelihood: str,
    confidence: str,
    change_reason: str = "",
    statement: str | None = None,
) -> KeyJudgment:
    """Re-rate a key judgment (and reword it), recording the brief's new revision.

    When clients read the judgment rated otherwise, the writer must say what changed and why:
    without a reason the change is refused and nothing is saved.
    """
    brief = Brief.objects.select_for_update().get(pk=judgment.brief_id)
    judgment = KeyJudgment.objects.select_for_update().get(pk=judgment.pk)
    if confidence not in Confidence.values:
        raise ValidationError(f"“{confidence}” is not a confidence level.")
    scale = _on_desk_scale(likelihood, what="a judgment")
    problems = judgment_change_problems(
        live=live_snapshot(brief),
        proposed=[ProposedJudgment(judgment.pk, scale, likelihood, confidence, change_reason)],
    )
    if problems:
        raise JudgmentChangeUnexplained(problems[judgment.pk])
    before = {"likelihood": judgment.likelihood, "confidence": judgment.confidence}
    judgment.scale, judgment.likelihood, judgment.confidence = scale, likelihood, confidence
    judgment.change_reason = change_reason.strip()
    if statement is not None:
        judgment.statement = statement.strip()
    judgment.full_clean(exclude=["brief"])
    judgment.save()
    brief.last_edited_by = actor
    brief.save(update_fields=["last_edited_by", "modified_at"])
    audit_event_record(
        actor=actor,
        verb="brief.judgment_revised",
        target=brief,
        reason=judgment.change_reason,
        data={
            "judgment": judgment.pk,
            "from": before,
            "to": {"likelihood": likelihood, "confidence": confidence},
        },
    )
    brief_revision_record(actor=actor, brief=brief)
    judgment.refresh_from_db()
    return judgment


class ResolutionRefused(ValidationError):
    """The judgment cannot be resolved; the message says why."""


@transaction.atomic
def judgment_resolve(
    *, actor: User, judgment: KeyJudgment, outcome: str, note: str = ""
) -> JudgmentResolution:
    """Record what came of a published judgment: the desk's track record.

    Only editors resolve, only judgments clients read rated in a live brief, and the record
    keeps the judgment as clients read it then. Resolving it again corrects the outcome.
    """
    if user_role(actor) not in EDITOR_ROLES:
        raise ResolutionRefused("Only editors resolve judgments.")
    if outcome not in Outcome.values:
        raise ResolutionRefused(f"“{outcome}” is not an outcome: choose one from the list.")
    brief = Brief.objects.select_for_update().get(pk=judgment.brief_id)
    live, live_revision_id = live_snapshot(brief), brief.live_revision_id
    if live is None or live_revision_id is None or brief.retracted_at is not None:
        raise ResolutionRefused("Only judgments of a live brief are resolved.")
    published = next(
        (item for item in snapshot_judgments(live) if item.get("id") == judgment.pk), None
    )
    if published is None or not published.get("likelihood"):
        raise ResolutionRefused(
            "Clients do not read this judgment with a likelihood: publish it rated first."
        )
    existing = JudgmentResolution.objects.select_for_update().filter(judgment=judgment).first()
    resolution = existing or JudgmentResolution(judgment=judgment, brief=brief)
    previous = existing.outcome if existing is not None else None
    resolution.revision_id = live_revision_id
    resolution.statement = published.get("statement") or ""
    resolution.scale = published.get("scale") or ""
    resolution.likelihood = published["likelihood"]
    resolution.confidence = published.get("confidence") or ""
    resolution.outcome = outcome
    resolution.note = note.strip()
    resolution.resolved_by = actor
    resolution.resolved_at = timezone.now()
    resolution.full_clean(exclude=["judgment", "brief", "revision", "resolved_by"])
    resolution.save()
    audit_event_record(
        actor=actor,
        verb="brief.judgment_resolved",
        target=brief,
        reason=resolution.note,
        data={
            "judgment": judgment.pk,
            "likelihood": resolution.likelihood,
            "outcome": outcome,
            "previous_outcome": previous,
        },
    )
    return resolution


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
    taken = _entities_settled(brief)
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
    updated_at: datetime.datetime | None = None,
) -> Brief:
    """Give a brief loaded from a back catalogue (or the demo) the status it already had.

    This is not the editorial workflow: it records that the brief arrived with that status,
    its latest revision already reviewed and, if published, live, so that its review history
    is understood to lie outside Advisory. `updated_at` is when a published brief's latest
    version went live, if after its first publication.
    """
    status = BriefStatus(status)
    latest = brief.revisions.order_by("-number").first()
    if latest is None:
        raise ValidationError("Record the brief's revision before giving it a status.")
    brief.status = status
    brief.published_at = published_at
    brief.content_updated_at = updated_at if status == BriefStatus.PUBLISHED else None
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
        publication_write(
            brief=brief, revision=latest, now=updated_at or published_at or timezone.now()
        )
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

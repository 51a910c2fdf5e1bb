"""Reading briefs: what the admin lists and filters, and what a reader of a brief is shown."""

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from advisory.accounts.models import AccessTier, User
from advisory.briefs.calibration import Calibration, ResolvedForecast, calibration
from advisory.briefs.estimative import Flag, estimative_flags
from advisory.briefs.models import (
    Brief,
    BriefAuthor,
    BriefKind,
    BriefRevision,
    CorrectionNote,
    JudgmentChange,
    JudgmentResolution,
    KeyJudgment,
    Mention,
    MentionOrigin,
    MentionRejection,
    MentionRole,
)
from advisory.briefs.readings import (
    JudgmentReading,
    RecordedChange,
    ScenarioReading,
    SourceCitation,
    TradecraftParts,
    confidence_label,
    likelihood_of,
    snapshot_judgments,
    snapshot_readings,
    with_history,
)
from advisory.briefs.scales import LikelihoodScale, active_scale
from advisory.entities.linking import Analysis, new_names
from advisory.entities.models import Entity, EntityKind, Region
from advisory.entities.selectors import gazetteer_current
from advisory.lib.diff import FieldChange, snapshot_diff
from advisory.lib.markdown import reading_minutes, render_markdown, word_count
from advisory.workflow.models import AuditEvent, PreviewLink


@dataclass(frozen=True)
class BylineAuthor:
    name: str
    bio: str


@dataclass(frozen=True)
class EntityLink:
    name: str
    kind: str
    is_subject: bool


@dataclass(frozen=True)
class SeriesPlace:
    title: str
    position: int
    previous: str | None
    next: str | None


@dataclass(frozen=True)
class BriefReading(TradecraftParts):
    """Everything `briefs/_brief_body.html` shows, resolved up front so rendering runs no query."""

    title: str
    slug: str
    summary: str
    kind: str
    authors: tuple[BylineAuthor, ...]
    regions: tuple[str, ...]
    tags: tuple[str, ...]
    word_count: int
    reading_minutes: int
    body_html: SafeString
    key_judgments: tuple[JudgmentReading, ...]
    sources: tuple[SourceCitation, ...]
    published_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    entities: tuple[EntityLink, ...] = ()
    scenarios: tuple[ScenarioReading, ...] = ()
    series: SeriesPlace | None = None
    corrections: tuple[CorrectionNote, ...] = ()
    retraction_notice: str = ""

    @property
    def authors_with_bio(self) -> tuple[BylineAuthor, ...]:
        return tuple(author for author in self.authors if author.bio)


def brief_snapshot(brief: Brief) -> dict[str, Any]:
    """The brief's content as a revision keeps it: text, classification and every part."""
    return {
        "title": brief.title,
        "summary": brief.summary,
        "body": brief.body,
        "kind": BriefKind(brief.kind).label,
        "access_tier": AccessTier(brief.access_tier).label,
        "series": brief.series.title if brief.series else None,
        "series_position": brief.series_position,
        "regions": sorted(brief.regions.values_list("name", flat=True)),
        "tags": sorted(brief.tags.values_list("name", flat=True)),
        "authors": [b.author.byline for b in brief.bylines.select_related("author")],
        "key_judgments": [
            {
                "id": judgment.pk,
                "statement": judgment.statement,
                "scale": judgment.scale,
                "likelihood": judgment.likelihood,
                "confidence": judgment.confidence,
                "assumptions": judgment.assumptions,
                "sources": sorted(source.pk for source in judgment.sources.all()),
                "change_reason": judgment.change_reason,
            }
            for judgment in brief.key_judgments.prefetch_related("sources")
        ],
        "sources": [
            {
                "id": source.pk,
                "title": source.title,
                "publisher": source.publisher,
                "url": source.url,
                "published_on": source.published_on.isoformat() if source.published_on else None,
                "note": source.note,
                "reliability": source.reliability,
                "credibility": source.credibility,
            }
            for source in brief.sources.all()
        ],
        "scenarios": [
            {
                "id": scenario.pk,
                "title": scenario.title,
                "description": scenario.description,
                "drivers": scenario.drivers,
                "scale": scenario.scale,
                "likelihood": scenario.likelihood,
                "indicators": scenario.indicators,
                "review_on": scenario.review_on.isoformat(),
            }
            for scenario in brief.scenarios.all()
        ],
        "mentions": [
            {
                "entity_id": mention.entity_id,
                "entity": mention.entity.name,
                "role": mention.role,
                "origin": mention.origin,
            }
            for mention in brief.mentions.select_related("entity").order_by("entity__name")
        ],
    }


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    """What approval is tied to: the content, not whether a link was suggested or confirmed."""
    content = {
        **snapshot,
        "mentions": [
            {key: value for key, value in mention.items() if key != "origin"}
            for mention in snapshot["mentions"]
        ],
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def briefs_with_bylines(queryset: QuerySet[Brief]) -> QuerySet[Brief]:
    """The briefs with their authors loaded in one extra query, whatever their number."""
    return queryset.prefetch_related(
        Prefetch("bylines", queryset=BriefAuthor.objects.select_related("author"))
    )


def brief_authors_listed() -> QuerySet[User]:
    """Staff users who author at least one brief, for filtering the desk's lists."""
    return (
        User.objects.filter(is_staff=True, pk__in=BriefAuthor.objects.values("author_id"))
        .order_by("display_name", "username")
        .only("pk", "username", "display_name", "first_name", "last_name")
    )


def brief_regions_listed() -> QuerySet[Region]:
    """Regions and countries used by briefs, and the regions that hold such countries."""
    used = Brief.regions.through.objects.values("region_id")
    return Region.objects.filter(Q(pk__in=used) | Q(countries__pk__in=used)).distinct()


def briefs_in_region(queryset: QuerySet[Brief], region_id: str) -> QuerySet[Brief]:
    """Briefs about the region itself or one of its countries."""
    links = Brief.regions.through.objects.filter(
        Q(region_id=region_id) | Q(region__parent_id=region_id)
    )
    return queryset.filter(pk__in=links.values("brief_id"))


def brief_tags_listed() -> QuerySet[Tag]:
    """Tags used by at least one brief."""
    return (
        Tag.objects.filter(
            taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(Brief)
        )
        .distinct()
        .order_by("name")
    )


def brief_audit_events(brief: Brief, *, limit: int = 10) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(Brief), target_id=str(brief.pk)
        ).select_related("actor")[:limit]
    )


def entity_mentions(entity: Entity, *, limit: int = 50) -> tuple[list[Mention], int]:
    """The entity's most recent mentions with their briefs, and how many there are in all."""
    mentions = Mention.objects.filter(entity=entity)
    recent = mentions.select_related("brief").order_by("-brief__modified_at")[:limit]
    return list(recent), mentions.count()


def brief_reading(brief: Brief) -> BriefReading:
    """A saved brief as a reader sees it."""
    return brief_reading_draft(
        brief=brief, title=brief.title, summary=brief.summary, body=brief.body, kind=brief.kind
    )


def brief_reading_draft(
    *,
    brief: Brief | None,
    title: str,
    summary: str,
    body: str,
    kind: str,
    author: User | None = None,
) -> BriefReading:
    """Text being edited, shown with the saved brief's byline, regions, judgments and sources.

    A brief not saved yet is bylined to `author`, as creating it will do.
    """
    words = word_count(body)
    # render_markdown's output is sanitised against an allow-list: safe on any page as it is.
    body_html = mark_safe(render_markdown(body))
    if brief is None or brief.pk is None:
        return BriefReading(
            title=title,
            slug="",
            summary=summary,
            kind=BriefKind(kind).label,
            authors=(BylineAuthor(author.byline, author.bio),) if author is not None else (),
            regions=(),
            tags=(),
            word_count=words,
            reading_minutes=reading_minutes(words),
            body_html=body_html,
            key_judgments=(),
            sources=(),
            published_at=None,
            updated_at=None,
        )
    bylines = BriefAuthor.objects.filter(brief=brief).select_related("author")
    judgments, sources, scenarios = snapshot_readings(brief_snapshot(brief))
    return BriefReading(
        title=title,
        slug=brief.slug,
        summary=summary,
        kind=BriefKind(kind).label,
        authors=tuple(BylineAuthor(b.author.byline, b.author.bio) for b in bylines),
        regions=tuple(brief.regions.values_list("name", flat=True)),
        tags=tuple(brief.tags.order_by("name").values_list("name", flat=True)),
        word_count=words,
        reading_minutes=reading_minutes(words),
        body_html=body_html,
        key_judgments=brief_judgments_with_history(brief, judgments),
        sources=sources,
        scenarios=scenarios,
        published_at=brief.published_at,
        updated_at=brief.content_updated_at,
        entities=tuple(
            EntityLink(m.entity.name, m.entity.get_kind_display(), m.role == MentionRole.SUBJECT)
            for m in brief.mentions.select_related("entity").order_by("-role", "entity__name")
        ),
        series=_series_place(brief),
        corrections=tuple(brief.corrections.all()),
        retraction_notice=brief.retraction_notice,
    )


def recorded_changes(brief_ids: list[int]) -> list[RecordedChange]:
    """The published changes of the judgments of these briefs, in one query."""
    return [
        RecordedChange(**row)
        for row in JudgmentChange.objects.filter(brief_id__in=brief_ids).values(
            "judgment_pk",
            "published_at",
            "scale",
            "likelihood",
            "confidence",
            "previous_scale",
            "previous_likelihood",
            "previous_confidence",
            "reason",
        )
    ]


def brief_judgments_with_history(
    brief: Brief, judgments: tuple[JudgmentReading, ...]
) -> tuple[JudgmentReading, ...]:
    return with_history(judgments, recorded_changes([brief.pk]))


def _series_place(brief: Brief) -> SeriesPlace | None:
    if brief.series is None or brief.series_position is None:
        return None
    neighbours = dict(
        Brief.objects.filter(
            series=brief.series,
            series_position__in=[brief.series_position - 1, brief.series_position + 1],
        ).values_list("series_position", "title")
    )
    return SeriesPlace(
        title=brief.series.title,
        position=brief.series_position,
        previous=neighbours.get(brief.series_position - 1),
        next=neighbours.get(brief.series_position + 1),
    )


def brief_changes_since(brief: Brief, version: int) -> list[FieldChange]:
    """What was saved to the brief after `version` (a revision number), field by field."""
    revisions = dict(
        BriefRevision.objects.filter(brief=brief, number__in=[version, brief.version]).values_list(
            "number", "snapshot"
        )
    )
    if version not in revisions or brief.version not in revisions:
        return []
    return snapshot_diff(revisions[version], revisions[brief.version])


def preview_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def preview_link_resolve(token: str) -> PreviewLink | None:
    """The link a token opens, if it is neither expired nor revoked."""
    return (
        PreviewLink.objects.filter(
            token_hash=preview_token_hash(token),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("brief")
        .first()
    )


def preview_links_of(brief: Brief) -> list[PreviewLink]:
    return list(brief.preview_links.select_related("created_by", "revoked_by"))


# --- Analytic tradecraft ------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedJudgment:
    """A judgment as it is about to be saved: what the change rule compares with clients'."""

    pk: int | None
    scale: str
    likelihood: str
    confidence: str
    change_reason: str


def _rating_words(scale: str, likelihood: str, confidence: str) -> str:
    parts = [str(likelihood_of(scale, likelihood) or "no likelihood")]
    parts.append(confidence_label(confidence).lower() or "no confidence level")
    return ", ".join(parts)


def judgment_change_problems(
    *, live: Mapping[str, Any] | None, proposed: Iterable[ProposedJudgment]
) -> dict[int, str]:
    """Judgments whose likelihood or confidence would change from what clients read without a
    reason, keyed by judgment id, each with what to tell the writer.

    A reason must say what changed this time: the one published with the judgment's previous
    change does not count again. Judgments clients read unrated, or not at all, need none.
    """
    if live is None:
        return {}
    published = {item["id"]: item for item in snapshot_judgments(live) if item.get("id")}
    problems: dict[int, str] = {}
    for judgment in proposed:
        before = published.get(judgment.pk) if judgment.pk is not None else None
        if judgment.pk is None or before is None:
            continue
        was = (
            before.get("scale") or "",
            before.get("likelihood") or "",
            before.get("confidence") or "",
        )
        now = (judgment.scale, judgment.likelihood, judgment.confidence)
        if not (was[1] or was[2]) or was == now:
            continue
        reason = judgment.change_reason.strip()
        if not reason:
            problems[judgment.pk] = (
                f"Clients read this judgment as “{_rating_words(*was)}”: say what changed and "
                f"why before it becomes “{_rating_words(*now)}”."
            )
        elif reason == (before.get("change_reason") or "").strip():
            problems[judgment.pk] = (
                "That reason was published with this judgment's last change: say what "
                "changed this time, and why."
            )
    return problems


def snapshot_proposed_judgments(snapshot: Mapping[str, Any]) -> list[ProposedJudgment]:
    return [
        ProposedJudgment(
            pk=item.get("id"),
            scale=item.get("scale") or "",
            likelihood=item.get("likelihood") or "",
            confidence=item.get("confidence") or "",
            change_reason=item.get("change_reason") or "",
        )
        for item in snapshot_judgments(snapshot)
    ]


def live_snapshot(brief: Brief) -> dict[str, Any] | None:
    """The snapshot of the revision clients read, if the brief is live."""
    if brief.live_revision_id is None:
        return None
    snapshot: dict[str, Any] = (
        BriefRevision.objects.filter(pk=brief.live_revision_id)
        .values_list("snapshot", flat=True)
        .get()
    )
    return snapshot


def snapshot_estimative_flags(snapshot: Mapping[str, Any], scale: LikelihoodScale) -> list[Flag]:
    """The language check over a revision's body and key judgments."""
    flags = estimative_flags(snapshot.get("body") or "", scale=scale, field="body")
    for number, item in enumerate(snapshot_judgments(snapshot), start=1):
        flags += estimative_flags(
            item.get("statement") or "", scale=scale, field=f"key judgment {number}"
        )
    return flags


@dataclass(frozen=True)
class EstimativeReview:
    """The language check of the revision an editor would approve, and the parts written
    before the scale and grading existed that nobody has rated or graded since (by number)."""

    revision: int | None
    flags: list[Flag]
    unrated_judgments: tuple[int, ...] = ()
    ungraded_sources: tuple[int, ...] = ()


def brief_estimative_review(brief: Brief) -> EstimativeReview:
    latest = brief.revisions.order_by("-number").only("number", "snapshot").first()
    if latest is None:
        return EstimativeReview(revision=None, flags=[])
    judgments, sources, _ = snapshot_readings(latest.snapshot)
    return EstimativeReview(
        revision=latest.number,
        flags=snapshot_estimative_flags(latest.snapshot, active_scale()),
        unrated_judgments=tuple(
            number
            for number, judgment in enumerate(judgments, start=1)
            if judgment.likelihood is None
        ),
        ungraded_sources=tuple(source.number for source in sources if source.grade is None),
    )


def judgments_open(*, limit: int = 50) -> list[KeyJudgment]:
    """Rated judgments of live briefs with no outcome yet, oldest publication first."""
    return list(
        KeyJudgment.objects.filter(
            brief__publication__isnull=False,
            brief__publication__retracted_at__isnull=True,
            resolution__isnull=True,
        )
        .exclude(likelihood="")
        .select_related("brief")
        .order_by("brief__published_at", "brief_id", "position", "pk")[:limit]
    )


def resolutions_listed(*, limit: int = 50) -> list[JudgmentResolution]:
    return list(JudgmentResolution.objects.select_related("brief", "resolved_by")[:limit])


def desk_calibration() -> Calibration:
    """The desk's calibration table and Brier score over every resolved judgment."""
    return calibration(
        ResolvedForecast(scale, likelihood, outcome)
        for scale, likelihood, outcome in JudgmentResolution.objects.values_list(
            "scale", "likelihood", "outcome"
        )
    )


# --- Entity links found in a brief's text ----------------------------------------------------

# The fields the linker reads, in this order (a match's segment number indexes it).
BRIEF_LINKED_FIELDS = ("title", "summary", "body")
_CONTEXT = 40


def brief_links_found(*, title: str, summary: str, body: str) -> Analysis:
    """What the entity linker finds in a brief's text, read as one document."""
    return gazetteer_current().link([title, summary, body])


@dataclass(frozen=True)
class LinkSpan:
    """Where in the brief a name stands, with a little of the text around it."""

    field: str
    start: int
    end: int
    surface: str
    before: str
    after: str
    linked: bool


@dataclass(frozen=True)
class LinkRow:
    """One entity the text names, and where the brief stands with it."""

    SUGGESTED = "suggested"  # linked as a suggestion, waiting for the writer
    TO_SUGGEST = "to_suggest"  # found in text not yet saved: saving will suggest it
    OFFERED = "offered"  # a short or ambiguous name: the writer decides
    CONFIRMED = "confirmed"

    entity_id: int
    name: str
    kind: str
    status: str
    confidence: float
    reason: str
    spans: tuple[LinkSpan, ...]

    @property
    def decidable(self) -> bool:
        return self.status != self.CONFIRMED


@dataclass(frozen=True)
class NewNameRow:
    name: str
    kind: str
    kind_label: str
    count: int
    span: LinkSpan


@dataclass(frozen=True)
class BriefLinks:
    rows: list[LinkRow]
    new_names: list[NewNameRow]
    rejected: list[str]  # names of entities the text names that the writer rejected

    @property
    def decidable(self) -> list[LinkRow]:
        return [row for row in self.rows if row.decidable]


def _span(texts: tuple[str, ...], segment: int, start: int, end: int, linked: bool) -> LinkSpan:
    text = texts[segment]
    return LinkSpan(
        field=BRIEF_LINKED_FIELDS[segment],
        start=start,
        end=end,
        surface=text[start:end],
        before=text[max(0, start - _CONTEXT) : start].replace("\n", " "),
        after=text[end : end + _CONTEXT].replace("\n", " "),
        linked=linked,
    )


_STATUS_ORDER = (LinkRow.SUGGESTED, LinkRow.TO_SUGGEST, LinkRow.OFFERED, LinkRow.CONFIRMED)


def brief_links(*, brief: Brief | None, title: str, summary: str, body: str) -> BriefLinks:
    """The entities the text names, each with its spans and its standing in the brief (linked,
    suggested, offered), the names rejected for it, and capitalised names no record matches.

    Three queries whatever the text: the gazetteer's version, the brief's links, its rejections.
    """
    texts = (title, summary, body)
    gazetteer = gazetteer_current()
    analysis = gazetteer.link(list(texts))
    origins: dict[int, str] = {}
    rejected: set[int] = set()
    if brief is not None and brief.pk is not None:
        origins = dict(Mention.objects.filter(brief=brief).values_list("entity_id", "origin"))
        rejected = set(
            MentionRejection.objects.filter(brief=brief).values_list("entity_id", flat=True)
        )
    grouped: dict[int, list[tuple[float, str, LinkSpan]]] = {}
    for item in analysis.found:
        span = _span(texts, item.segment, item.start, item.end, item.linked)
        grouped.setdefault(item.entity_id, []).append((item.confidence, item.reason, span))
    rows: list[LinkRow] = []
    rejected_names: list[str] = []
    for entity_id, spans in grouped.items():
        info = gazetteer.entities[entity_id]
        if entity_id in rejected:
            rejected_names.append(info.name)
            continue
        best = max(spans, key=lambda found: found[0])
        linked = any(span.linked for _, _, span in spans)
        if entity_id in origins:
            status = (
                LinkRow.CONFIRMED
                if origins[entity_id] == MentionOrigin.CONFIRMED
                else LinkRow.SUGGESTED
            )
        else:
            status = LinkRow.TO_SUGGEST if linked else LinkRow.OFFERED
        rows.append(
            LinkRow(
                entity_id=entity_id,
                name=info.name,
                kind=EntityKind(info.kind).label,
                status=status,
                confidence=best[0],
                reason=best[1],
                spans=tuple(span for _, _, span in spans),
            )
        )
    rows.sort(key=lambda row: _STATUS_ORDER.index(row.status))
    return BriefLinks(
        rows=rows,
        new_names=[
            NewNameRow(
                name=name.name,
                kind=name.kind,
                kind_label=EntityKind(name.kind).label,
                count=name.count,
                span=_span(texts, name.segment, name.start, name.end, False),
            )
            for name in new_names(analysis, texts)
        ],
        rejected=sorted(rejected_names),
    )

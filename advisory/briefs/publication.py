"""Keeping `Publication`, the clients' copy of each live brief, in step with the workflow.

Called only from inside the workflow's publish, retract and archive services, in their
transaction, under their row lock: a brief and what clients read of it never disagree.
"""

import datetime
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Value
from django.http import HttpRequest, HttpResponse

from advisory.briefs.models import (
    Brief,
    BriefAuthor,
    BriefRevision,
    JudgmentChange,
    Mention,
    Publication,
    PublicationEntity,
    PublicationRegion,
    PublicationSearch,
    PublicationTag,
)
from advisory.briefs.readings import snapshot_judgments
from advisory.lib.markdown import render_markdown
from advisory.ops.queueing import task_enqueue_on_commit

SEARCH_CONFIG = "english"
_VERSION_KEY = "briefs:publications-version"


def publications_version() -> str:
    """A token that changes whenever any publication is written, retracted or removed.

    Caches of what depends on more than one publication (listings, search results) put it in
    their keys, so they never serve a page from before a change. A token lost from the cache
    is simply replaced: that only starts every such cache afresh.

    Read once per request (`publications_version_per_request`): a page asks for it up to five
    times, and a page made from data read after the first asking is no older than it.
    """
    return publications_version_with(None)[0]


def publications_version_with(key: str | None) -> tuple[str, Any]:
    """The publications' version and what the cache holds under `key` (None if nothing), in
    one round trip to the cache: a kept page needs both before anything else."""
    memo = _request_memo.get()
    if memo is not None and memo.version is not None:
        return memo.version, (None if key is None else cache.get(key))
    if key is None:
        version, kept = cache.get(_VERSION_KEY), None
    else:
        found = cache.get_many([_VERSION_KEY, key])
        version, kept = found.get(_VERSION_KEY), found.get(key)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(_VERSION_KEY, version, timeout=None):
            version = cache.get(_VERSION_KEY) or version
    if memo is not None:
        memo.version = version
    return version, kept


@dataclass
class _VersionMemo:
    version: str | None = None


# The version as this request read it, or last renewed it; unset outside a request, so a worker
# or a command always reads the cache.
_request_memo: ContextVar[_VersionMemo | None] = ContextVar("publications_version", default=None)


def publications_version_per_request(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Each request reads the publications' version once (see `publications_version`)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        token = _request_memo.set(_VersionMemo())
        try:
            return get_response(request)
        finally:
            _request_memo.reset(token)

    return middleware


def _publications_changed() -> None:
    """A new token now, so nothing cached before the change is read again; and another once
    the change commits, since a page rendered meanwhile read the data from before it. A request
    making the change reads the new token from then on."""

    def renew() -> None:
        version = uuid.uuid4().hex
        cache.set(_VERSION_KEY, version, timeout=None)
        memo = _request_memo.get()
        if memo is not None:
            memo.version = version

    renew()
    transaction.on_commit(renew)


def publication_write(
    *, brief: Brief, revision: BriefRevision, now: datetime.datetime
) -> Publication:
    """Copy the revision going live into the brief's publication, with its classification.

    The revision is the brief's latest (publishing checks that it is the approved one), so the
    brief's own regions, tags and entity links are the revision's.
    """
    snapshot = revision.snapshot
    previous: dict[str, Any] | None = (
        Publication.objects.filter(brief=brief).values_list("revision__snapshot", flat=True).first()
    )
    first = previous is None
    bylines = BriefAuthor.objects.filter(brief=brief).select_related("author")
    regions = list(brief.regions.all())
    tags = list(brief.tags.all())
    publication, _ = Publication.objects.update_or_create(
        brief=brief,
        defaults={
            "revision": revision,
            "slug": brief.slug,
            "title": snapshot["title"],
            "summary": snapshot["summary"],
            "body_html": render_markdown(snapshot["body"]),
            "kind": brief.kind,
            "access_tier": brief.access_tier,
            "authors": [{"name": b.author.byline, "bio": b.author.bio} for b in bylines],
            "word_count": brief.word_count,
            "series": brief.series,
            "series_position": brief.series_position,
            "published_at": brief.published_at or now,
            "updated_at": None if first else now,
            "visible_at": now,
            "retracted_at": None,
            "retraction_notice": "",
            "region_keys": {str(region.pk): True for region in regions},
            "tag_keys": {str(tag.pk): True for tag in tags},
        },
    )
    PublicationRegion.objects.filter(publication=publication).delete()
    PublicationRegion.objects.bulk_create(
        PublicationRegion(publication=publication, region=region) for region in regions
    )
    PublicationTag.objects.filter(publication=publication).delete()
    PublicationTag.objects.bulk_create(
        PublicationTag(publication=publication, tag=tag) for tag in tags
    )
    PublicationEntity.objects.filter(publication=publication).delete()
    PublicationEntity.objects.bulk_create(
        PublicationEntity(publication=publication, entity_id=m.entity_id, role=m.role)
        for m in Mention.objects.filter(brief=brief)
    )
    _search_vector_set(publication, body=snapshot["body"])
    _judgment_changes_record(brief=brief, revision=revision, previous=previous, now=now)
    _publications_changed()
    _reading_memo_build_on_commit(publication)
    return publication


def _reading_memo_build_on_commit(publication: Publication) -> None:
    """Have the reading clients are shown made once the publication commits, so that its first
    reader is not the one to make it (the page would make it if this never ran)."""
    # The portal's task reads publications through this module: import it when it is used.
    from advisory.portal.tasks import build_reading_memo

    task_enqueue_on_commit(build_reading_memo, publication.pk)


def _rating(item: dict[str, Any] | None) -> tuple[str, str, str]:
    if item is None:
        return "", "", ""
    return item.get("scale") or "", item.get("likelihood") or "", item.get("confidence") or ""


def _judgment_changes_record(
    *,
    brief: Brief,
    revision: BriefRevision,
    previous: dict[str, Any] | None,
    now: datetime.datetime,
) -> None:
    """Add to each judgment's history the rating clients now read, where it is new or differs
    from the version they read before, with the writer's reason for a change."""
    before = {item["id"]: item for item in snapshot_judgments(previous or {}) if item.get("id")}
    changes = []
    for item in snapshot_judgments(revision.snapshot):
        pk = item.get("id")
        rating, earlier = _rating(item), _rating(before.get(pk))
        if not pk or rating == earlier or not any(rating):
            continue
        changes.append(
            JudgmentChange(
                brief=brief,
                revision=revision,
                judgment_pk=pk,
                statement=item.get("statement") or "",
                scale=rating[0],
                likelihood=rating[1],
                confidence=rating[2],
                previous_scale=earlier[0],
                previous_likelihood=earlier[1],
                previous_confidence=earlier[2],
                # A first rating has nothing to explain; a change carries the writer's reason.
                reason=(item.get("change_reason") or "").strip() if any(earlier) else "",
                published_at=now,
            )
        )
    JudgmentChange.objects.bulk_create(changes, ignore_conflicts=True)


def publication_retract(*, brief: Brief, notice: str, now: datetime.datetime) -> None:
    """Clients keep the record (title, summary, dates) but read the notice instead of the body."""
    publication = Publication.objects.filter(brief=brief).first()
    if publication is None:
        return
    publication.body_html = ""
    publication.retraction_notice = notice
    publication.retracted_at = now
    publication.save(update_fields=["body_html", "retraction_notice", "retracted_at"])
    _search_vector_set(publication, body="")
    _publications_changed()


def publication_remove(*, brief: Brief) -> None:
    """An archived brief leaves the portal; the brief and its revisions stay with the desk."""
    Publication.objects.filter(brief=brief).delete()
    _publications_changed()


def _search_vector_set(publication: Publication, *, body: str) -> None:
    if connection.vendor != "postgresql":
        return
    vector = (
        SearchVector(Value(publication.title), weight="A", config=SEARCH_CONFIG)
        + SearchVector(Value(publication.summary), weight="B", config=SEARCH_CONFIG)
        + SearchVector(Value(body), weight="C", config=SEARCH_CONFIG)
    )
    # One statement, written or replaced: INSERT … ON CONFLICT DO UPDATE.
    PublicationSearch.objects.bulk_create(
        [PublicationSearch(publication=publication, search_vector=vector)],
        update_conflicts=True,
        unique_fields=["publication"],
        update_fields=["search_vector"],
    )

"""A brief's reading is kept in its memo (`briefs.ReadingMemo`) under a fingerprint of what it
shows, which the database computes with every page read: every change to what the page shows
appears at once, whichever write made it, and an unchanged brief is read from the memo.

Each page here is read by a reader of their own, so no page kept for a reader
(`portal.views.kept_page`) stands between the test and the memo.
"""

import datetime
import itertools
import re
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from advisory.accounts.models import AccessTier, Role
from advisory.briefs.models import (
    Brief,
    CorrectionNote,
    JudgmentChange,
    MentionRole,
    Publication,
    ReadingMemo,
    Series,
)
from advisory.briefs.services import brief_update
from advisory.entities.models import Entity, Region
from advisory.portal import selectors
from advisory.workflow import services as workflow
from tests.factories import EntityFactory, client_reader, published_brief, staff_user
from tests.test_tradecraft_pages import REASON
from tests.test_tradecraft_pages import live as live  # the fixture, for the history test
from tests.test_tradecraft_review import Desk

# Not marked for PostgreSQL alone: the memo runs on SQLite too (the demo).
pytestmark = [pytest.mark.django_db]

_readers = itertools.count()


def _page(brief: Brief) -> str:
    client = Client()
    client.force_login(client_reader(username=f"memo-reader-{next(_readers)}"))
    response = client.get(reverse("portal:brief-detail", args=[brief.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _covered_brief(**fields: object) -> tuple[Brief, Entity, Region]:
    entity = EntityFactory(name="Kataib Hezbollah", slug="kataib-hezbollah")
    region = Region.objects.create(name="Levant", slug="levant", kind="region")
    brief = published_brief(
        title="Covered",
        regions=[region],
        tags=["oil-exports"],
        subjects=[entity],
        access_tier=AccessTier.PUBLIC,
        **fields,
    )
    return brief, entity, region


@pytest.mark.parametrize("kind", ["entity", "topic", "region"])
def test_renaming_what_a_brief_covers_shows_at_once(kind: str) -> None:
    brief, entity, region = _covered_brief()
    before = _page(brief)
    assert ReadingMemo.objects.filter(publication_id=brief.pk).exists()
    renamed: Entity | Tag | Region = {
        "entity": entity,
        "topic": Tag.objects.get(slug="oil-exports"),
        "region": region,
    }[kind]
    assert renamed.name in before
    renamed.name = "Renamed Thing"
    renamed.slug = "renamed-thing"
    renamed.save()
    old_name = {"entity": "Kataib Hezbollah", "topic": "oil-exports", "region": "Levant"}[kind]
    after = _page(brief)
    # In the reading (the actors, the kicker, the topics) and in the follow panel alike.
    assert old_name not in after
    reading, panel = after.split('class="follow-panel"')
    assert "Renamed Thing" in reading and "Renamed Thing" in panel
    assert "/renamed-thing/" in reading and "/renamed-thing/" in panel


def test_an_entity_made_a_subject_or_of_another_kind_shows_at_once() -> None:
    brief, entity, _ = _covered_brief()
    assert "<strong>Kataib Hezbollah</strong>" in _page(brief)
    Publication.entities.through.objects.filter(publication_id=brief.pk).update(
        role=MentionRole.MENTIONED
    )
    Entity.objects.filter(pk=entity.pk).update(kind="person")
    after = _page(brief)
    assert "<strong>Kataib Hezbollah</strong>" not in after
    assert "Person</span>" in after


def test_the_series_title_and_its_neighbours_show_at_once() -> None:
    editor = staff_user(Role.EDITOR, username="editor")
    series = Series.objects.create(title="Militia Watch", slug="militia-watch")
    first = published_brief(title="Part one", series=series, series_position=1)
    assert "Militia Watch" in _page(first)
    series.title = "Militia Watch, revised"
    series.save()
    assert "Militia Watch, revised" in _page(first)

    second = published_brief(title="Part two", series=series, series_position=2)
    link = f'<a href="{reverse("portal:brief-detail", args=[second.slug])}" rel="next">'
    assert link in _page(first)
    workflow.brief_retract(actor=editor, brief=second, notice="Withdrawn: wrong sourcing.")
    assert "Part two" not in _page(first)


def test_a_neighbour_published_for_later_shows_when_its_time_comes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    series = Series.objects.create(title="Militia Watch", slug="militia-watch")
    first = published_brief(title="Part one", series=series, series_position=1)
    second = published_brief(title="Part two", series=series, series_position=2)
    later = timezone.now() + datetime.timedelta(hours=1)
    Publication.objects.filter(pk=second.pk).update(published_at=later, visible_at=later)
    assert "Part two" not in _page(first)
    # Nothing is written: only the time passes.
    monkeypatch.setattr(timezone, "now", lambda: later + datetime.timedelta(seconds=1))
    assert "Part two" in _page(first)


def test_a_correction_shows_at_once_when_published_and_when_its_note_is_edited() -> None:
    writer = staff_user(Role.WRITER, username="writer")
    editor = staff_user(Role.EDITOR, username="editor")
    brief = published_brief(title="Corrected brief", body="First text.")
    assert "First text." in _page(brief)
    brief_update(actor=writer, brief=brief, body="Second text.")
    workflow.brief_submit(actor=writer, brief=brief)
    workflow.brief_approve(actor=editor, brief=brief)
    workflow.brief_publish(actor=editor, brief=brief, correction_note="We misdated the attack.")
    page = _page(brief)
    assert "Second text." in page and "We misdated the attack." in page
    CorrectionNote.objects.filter(brief=brief).update(note="We misdated the attack by a day.")
    assert "We misdated the attack by a day." in _page(brief)


def test_a_judgments_history_shows_at_once(live: Desk) -> None:
    assert REASON in _page(live.brief)
    JudgmentChange.objects.filter(brief=live.brief, reason=REASON).update(
        reason="The port reopened on Tuesday."
    )
    page = _page(live.brief)
    assert "The port reopened on Tuesday." in page and REASON not in page


def _first_visit_queries(brief: Brief) -> int:
    client = Client()
    client.force_login(client_reader(username=f"memo-reader-{next(_readers)}"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("portal:brief-detail", args=[brief.slug])).status_code == 200
    return len(queries)


def test_publishing_builds_the_memo(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[list[object]]],
) -> None:
    desk = Desk()
    with django_capture_on_commit_callbacks(execute=True):
        desk.publish()
    memo = ReadingMemo.objects.get(publication_id=desk.brief.pk)
    assert "Talks stall before spring." in memo.html
    page = _page(desk.brief)
    assert "Talks stall before spring." in page
    assert ReadingMemo.objects.get(publication_id=desk.brief.pk).fingerprint == memo.fingerprint


def test_a_first_visit_reads_the_memo(
    django_assert_num_queries: Callable[..., AbstractContextManager[object]],
) -> None:
    brief, entity, _ = _covered_brief()
    published_brief(title="A relative", mentioned=[entity], access_tier=AccessTier.PUBLIC)
    assert selectors.reading_memo_build(brief.pk)
    client = Client()
    client.force_login(client_reader(username="first-visitor"))
    # The user with the entitlement and what the reader follows (the session is in the
    # cache); the publication with its memo and the fingerprint; the related briefs. Made
    # from scratch the page took ten on 6 December, and takes nine when the memo is missing
    # or stale: the five of the build and one to keep the memo.
    with django_assert_num_queries(3):
        page = client.get(reverse("portal:brief-detail", args=[brief.slug]))
    assert page.status_code == 200
    assert "Kataib Hezbollah" in page.content.decode()
    assert "A relative" in page.content.decode()
    ReadingMemo.objects.filter(publication_id=brief.pk).delete()
    assert _first_visit_queries(brief) == 3 + 6


def test_a_stale_memo_is_rebuilt_and_kept() -> None:
    brief, _, _ = _covered_brief()
    page = _page(brief)
    memo = ReadingMemo.objects.get(publication_id=brief.pk)
    ReadingMemo.objects.filter(pk=memo.pk).update(
        fingerprint="0" * 32, html="<p>Stale reading.</p>", covered=[]
    )
    again = _page(brief)
    assert "Stale reading." not in again and "Kataib Hezbollah" in again
    rebuilt = ReadingMemo.objects.get(pk=memo.pk)
    assert rebuilt.fingerprint == memo.fingerprint and rebuilt.html == memo.html
    assert memo.html in page and memo.html in again


def test_the_related_ranking_is_reused_for_its_time_then_ranked_again() -> None:
    shared = EntityFactory(name="Shared Actor")
    brief = published_brief(title="Main", subjects=[shared])
    published_brief(title="Earlier relative", mentioned=[shared])
    assert "Earlier relative" in _page(brief)
    published_brief(title="Later relative", mentioned=[shared])
    fresh = _first_visit_queries(brief)
    assert "Later relative" not in _page(brief)

    ranked_long_ago = timezone.now() - datetime.timedelta(
        seconds=selectors.RELATED_RANKING_SECONDS + 1
    )
    ReadingMemo.objects.filter(publication_id=brief.pk).update(related_ranked_at=ranked_long_ago)
    # The ranking and the memo's new ranking, written alone.
    assert _first_visit_queries(brief) == fresh + 2
    assert "Later relative" in _page(brief)
    assert ReadingMemo.objects.get(publication_id=brief.pk).related_ranked_at > ranked_long_ago


def test_publishing_a_brief_ranks_again_the_memos_of_the_briefs_sharing_with_it(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[list[object]]],
) -> None:
    shared, topic = EntityFactory(name="Shared Actor"), "grain-corridor"
    by_entity = published_brief(title="Main", subjects=[shared])
    by_topic = published_brief(title="On topic", tags=[topic])
    elsewhere = published_brief(title="Elsewhere", subjects=[EntityFactory()])
    for brief in (by_entity, by_topic, elsewhere):
        assert "Later relative" not in _page(brief)
    untouched = ReadingMemo.objects.get(publication_id=elsewhere.pk).related_ranked_at
    with django_capture_on_commit_callbacks(execute=True):
        later = published_brief(title="Later relative", mentioned=[shared], tags=[topic])
    memos = ReadingMemo.objects.in_bulk([by_entity.pk, by_topic.pk, elsewhere.pk])
    assert memos[by_entity.pk].related_ids == [later.pk]
    assert memos[by_topic.pk].related_ids == [later.pk]
    assert memos[elsewhere.pk].related_ranked_at == untouched
    # Shown by the next first visit, which ranks nothing itself.
    assert "Later relative" in _page(by_entity) and "Later relative" in _page(by_topic)
    assert "Later relative" not in _page(elsewhere)


def test_a_memo_is_never_shown_to_whom_may_not_read_the_brief_nor_once_it_is_retracted() -> None:
    editor = staff_user(Role.EDITOR, username="editor")
    brief = published_brief(title="Premium", body="A secret paragraph.", access_tier=2)
    ReadingMemo.objects.all().delete()
    assert selectors.reading_memo_build(brief.pk)
    assert "A secret paragraph." not in _page(brief)
    visitor = Client().get(reverse("portal:brief-detail", args=[brief.slug]))
    assert "A secret paragraph." not in visitor.content.decode()
    workflow.brief_retract(actor=editor, brief=brief, notice="Withdrawn.")
    client = Client()
    client.force_login(editor)
    page = client.get(reverse("portal:brief-detail", args=[brief.slug])).content.decode()
    assert "A secret paragraph." not in page and "Withdrawn." in page
    assert not selectors.reading_memo_build(brief.pk)


def test_every_table_the_reading_is_built_from_is_in_the_fingerprint() -> None:
    """What `_reading_built` reads and `_reading_fingerprint` digests, held to the same tables:
    a new input to the reading must be digested too, or a change to it would not show."""
    series = Series.objects.create(title="Militia Watch", slug="militia-watch")
    published_brief(title="Part one", series=series, series_position=1)
    brief, _, _ = _covered_brief(series=series, series_position=2)
    CorrectionNote.objects.create(brief=brief, note="A note.")
    publication = Publication.objects.select_related("series").get(pk=brief.pk)
    with CaptureQueriesContext(connection) as queries:
        selectors._reading_built(publication)
    read = {
        table
        for query in queries.captured_queries
        for table in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', query["sql"])
    }
    digested = set(
        re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', selectors._reading_fingerprint_sql("postgresql"))
    )
    # The revision's snapshot is read through the publication's own revision column; the
    # brief is joined only to order its own judgment changes and corrections by it.
    assert read - digested == {"briefs_briefrevision", "briefs_brief"}
    tables = {"entities_entity", "taggit_tag", "entities_region", "briefs_judgmentchange"}
    assert tables | {"briefs_correctionnote"} <= read
    # The series' title comes with the publication's row, read with it.
    assert "briefs_series" in digested


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_memo_is_written_without_waiting_for_the_disk_and_nothing_else_is() -> None:
    brief, _, _ = _covered_brief()
    assert selectors.reading_memo_build(brief.pk)
    assert ReadingMemo.objects.filter(publication_id=brief.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_brief_archived_while_its_memo_is_built_is_shown_and_no_memo_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    brief, _, _ = _covered_brief()
    ReadingMemo.objects.filter(publication_id=brief.pk).delete()
    build = selectors._reading_built

    def archived_meanwhile(publication: Publication) -> object:
        built = build(publication)
        Publication.objects.filter(pk=publication.pk).delete()
        return built

    monkeypatch.setattr(selectors, "_reading_built", archived_meanwhile)
    assert selectors.reading_memo_build(brief.pk)
    assert not ReadingMemo.objects.exists()

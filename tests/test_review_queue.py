"""The review queue in the admin: who reviews what, how long briefs wait, what is overdue, and
claiming a review, through real requests."""

import datetime
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from advisory.accounts.models import Role, User
from advisory.briefs.models import Brief
from advisory.briefs.services import brief_create
from advisory.workflow import services as workflow
from advisory.workflow.admin_views import waiting_label
from tests.factories import UserFactory, client_reader, staff_user

pytestmark = pytest.mark.django_db

QUEUE = reverse("review-queue")
NOW = timezone.now().replace(second=0, microsecond=0)


@contextmanager
def clock(moment: datetime.datetime) -> Iterator[None]:
    """Services and views read the time through django.utils.timezone.now: set it."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class Desk:
    """A writer and two editors; briefs go into review at chosen times before NOW."""

    def __init__(self) -> None:
        self.writer = staff_user(role=Role.WRITER, username="writer", display_name="Wendy Writer")
        self.editor = staff_user(role=Role.EDITOR, username="editor", display_name="Eda Editor")
        self.editor2 = staff_user(role=Role.EDITOR, username="editor2", display_name="Ed Two")

    def in_review(
        self, title: str, *, waited: datetime.timedelta, authors: list[User] | None = None
    ) -> Brief:
        brief = brief_create(actor=self.writer, title=title, body="Text.", authors=authors)
        with clock(NOW - waited):
            workflow.brief_submit(actor=self.writer, brief=brief)
        brief.refresh_from_db()
        return brief

    def claim(self, editor: User, brief: Brief, due_at: datetime.datetime | None = None) -> None:
        # Claimed while the due time was still ahead: an overdue review is one claimed earlier.
        claimed_at = NOW if due_at is None else min(NOW, due_at - datetime.timedelta(hours=1))
        with clock(claimed_at):
            workflow.brief_review_claim(
                actor=editor,
                brief=brief,
                due_at=due_at,
                seen_reviewer_id=brief.reviewer_id,
            )


@pytest.fixture
def desk() -> Desk:
    return Desk()


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def titles(response: HttpResponse) -> list[str]:
    return [row.brief.title for row in response.context["rows"]]


def claim(client: Client, data: dict[str, Any]) -> list[str]:
    """Post a claim and follow back to the queue: the messages it shows."""
    response = client.post(QUEUE, data, follow=True)
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_waiting_time_reads_as_hours_and_minutes() -> None:
    assert waiting_label(datetime.timedelta(seconds=20)) == "under 1 min"
    assert waiting_label(datetime.timedelta(minutes=7)) == "7 min"
    assert waiting_label(datetime.timedelta(hours=3, minutes=20, seconds=59)) == "3 h 20 min"
    assert waiting_label(datetime.timedelta(hours=2)) == "2 h"
    assert waiting_label(datetime.timedelta(days=2, hours=4, minutes=5)) == "2 d 4 h"
    assert waiting_label(datetime.timedelta(days=3, minutes=5)) == "3 d"
    assert waiting_label(datetime.timedelta(seconds=-5)) == "under 1 min"


def test_the_queue_puts_overdue_first_by_due_time_then_the_longest_waiting(desk: Desk) -> None:
    oldest = desk.in_review("Oldest unclaimed", waited=datetime.timedelta(hours=5))
    recent = desk.in_review("Recent, due tomorrow", waited=datetime.timedelta(hours=3, minutes=20))
    overdue = desk.in_review("Overdue by half an hour", waited=datetime.timedelta(hours=1))
    most_overdue = desk.in_review("Overdue by two hours", waited=datetime.timedelta(minutes=90))
    desk.in_review("Draft again", waited=datetime.timedelta(hours=9))
    workflow.brief_request_changes(
        actor=desk.editor, brief=Brief.objects.get(title="Draft again"), reason="Sources?"
    )
    desk.claim(desk.editor, recent, due_at=NOW + datetime.timedelta(days=1))
    desk.claim(desk.editor2, overdue, due_at=NOW - datetime.timedelta(minutes=30))
    desk.claim(desk.editor, most_overdue, due_at=NOW - datetime.timedelta(hours=2))

    with clock(NOW):
        response = logged_in(desk.editor).get(QUEUE)

    assert response.status_code == 200
    assert titles(response) == [most_overdue.title, overdue.title, oldest.title, recent.title]
    html = response.content.decode()
    assert "3 h 20 min" in html  # how long "recent" has waited
    assert "Overdue by 2 h" in html and "Overdue by 30 min" in html
    assert "2 reviews overdue." in html
    assert "unclaimed" in html and "Ed Two" in html and ">you<" in html
    assert "Wendy Writer" in html  # the authors
    assert f'href="{reverse("admin:briefs_brief_change", args=[oldest.pk])}"' in html
    assert f"Due ({timezone.get_current_timezone_name()}, optional)" in html


def test_each_editor_sees_what_awaits_them_and_what_nobody_has_claimed(desk: Desk) -> None:
    mine = desk.in_review("Mine", waited=datetime.timedelta(hours=2))
    theirs = desk.in_review("Theirs", waited=datetime.timedelta(hours=3))
    unclaimed = desk.in_review("Nobody's", waited=datetime.timedelta(hours=1))
    desk.claim(desk.editor, mine)
    desk.claim(desk.editor2, theirs)
    client = logged_in(desk.editor)

    assert titles(client.get(QUEUE, {"show": "mine"})) == [mine.title]
    assert titles(client.get(QUEUE, {"show": "unclaimed"})) == [unclaimed.title]
    everything = client.get(QUEUE)
    assert titles(everything) == [theirs.title, mine.title, unclaimed.title]
    html = everything.content.decode()
    assert "Awaiting me (1)" in html and "Unclaimed (1)" in html
    assert 'aria-current="page">All in review (3)' in html
    assert titles(logged_in(desk.editor2).get(QUEUE, {"show": "mine"})) == [theirs.title]

    bad = client.get(QUEUE, {"show": "everything"})
    assert bad.status_code == 400
    assert "The review queue has no section “everything”." in bad.content.decode()


def test_an_editor_claims_a_review_with_a_due_time_in_the_servers_time_zone(
    desk: Desk, settings: SettingsWrapper
) -> None:
    settings.TIME_ZONE = "Europe/Paris"
    brief = desk.in_review("Basra", waited=datetime.timedelta(hours=1))
    client = logged_in(desk.editor)
    assert "Due (Europe/Paris, optional)" in client.get(QUEUE).content.decode()

    data = {"brief": brief.pk, "claimed_by": "", "due_at": "2031-05-01T09:30", "show": "mine"}
    response = client.post(QUEUE, data)

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?show=mine"
    brief.refresh_from_db()
    assert brief.reviewer == desk.editor
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert brief.review_due_at == datetime.datetime(2031, 5, 1, 9, 30, tzinfo=paris)
    back = client.get(response["Location"])
    assert [str(message) for message in back.context["messages"]] == [
        "You are reviewing “Basra”, due 1 May 2031 09:30 (Europe/Paris)."
    ]
    page = back.content.decode()
    assert 'value="2031-05-01T09:30"' in page and "Update due time" in page


def test_a_writer_cannot_claim_and_is_told_why(desk: Desk) -> None:
    brief = desk.in_review("Basra", waited=datetime.timedelta(hours=1))

    messages = claim(logged_in(desk.writer), {"brief": brief.pk, "claimed_by": ""})

    assert messages == ["Only editors review briefs."]
    brief.refresh_from_db()
    assert brief.reviewer is None


def test_a_claim_made_meanwhile_is_not_silently_taken_over(desk: Desk) -> None:
    brief = desk.in_review("Basra", waited=datetime.timedelta(hours=1))
    desk.claim(desk.editor, brief)
    client = logged_in(desk.editor2)

    # The page editor2 loaded showed the brief unclaimed.
    assert claim(client, {"brief": brief.pk, "claimed_by": ""}) == [
        "Eda Editor claimed the review of “Basra” in the meantime: claim it again to take it over."
    ]
    brief.refresh_from_db()
    assert brief.reviewer == desk.editor

    taken = claim(client, {"brief": brief.pk, "claimed_by": str(desk.editor.pk)})
    assert taken == ["You took over the review of “Basra” from Eda Editor."]
    brief.refresh_from_db()
    assert brief.reviewer == desk.editor2


def test_bad_claims_are_messages_and_change_nothing(desk: Desk) -> None:
    brief = desk.in_review("Basra", waited=datetime.timedelta(hours=1))
    draft = brief_create(actor=desk.writer, title="Still a draft")
    client = logged_in(desk.editor)
    past = timezone.localtime(NOW - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    cases = {
        "The due time has already passed: choose a later one.": {"brief": brief.pk, "due_at": past},
        "Give a valid due time.": {"brief": brief.pk, "due_at": "tomorrow"},
        "That brief no longer exists.": {"brief": 999_999},
        "Only a brief in review can be claimed.": {"brief": draft.pk},
    }
    for message, data in cases.items():
        assert claim(client, data) == [message]
    brief.refresh_from_db()
    assert brief.reviewer is None


def test_the_queue_runs_the_same_queries_for_3_or_30_briefs(
    desk: Desk, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    co_author = staff_user(role=Role.WRITER, username="coauthor")

    def make(count: int, start: int) -> None:
        for number in range(start, start + count):
            brief = desk.in_review(
                f"Brief {number}",
                waited=datetime.timedelta(minutes=number),
                authors=[desk.writer, co_author],
            )
            reviewer = (desk.editor, desk.editor2, None)[number % 3]
            if reviewer is not None:
                desk.claim(reviewer, brief, due_at=NOW + datetime.timedelta(hours=number - 10))

    client = logged_in(desk.editor)
    make(3, 0)
    client.get(QUEUE)  # warms caches that last the process, such as content types
    with CaptureQueriesContext(connection) as three:
        assert len(titles(client.get(QUEUE))) == 3
    make(27, 3)
    with django_assert_max_num_queries(len(three)) as thirty:
        response = client.get(QUEUE)
    assert len(titles(response)) == 30
    assert len(thirty) == len(three)


def test_readers_and_staff_without_brief_rights_are_refused(desk: Desk) -> None:
    brief = desk.in_review("Basra", waited=datetime.timedelta(hours=1))
    reader = logged_in(client_reader())
    for response in (reader.get(QUEUE), reader.post(QUEUE, {"brief": brief.pk})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    bare = logged_in(UserFactory(username="bare", is_staff=True))
    assert bare.get(QUEUE).status_code == 403
    assert bare.post(QUEUE, {"brief": brief.pk}).status_code == 403
    brief.refresh_from_db()
    assert brief.reviewer is None


def test_staff_find_the_queue_in_the_user_links(desk: Desk) -> None:
    html = logged_in(desk.writer).get(reverse("admin:index")).content.decode()
    assert f'<a href="{QUEUE}">Review queue</a>' in html

"""A brief's revisions, their field-aware comparison and its full history in the admin,
through real requests."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advisory.accounts.models import Role, User
from advisory.briefs.models import Brief, MentionRole
from advisory.briefs.services import (
    SourceSpec,
    brief_create,
    brief_parts_replace,
    brief_revision_record,
    brief_update,
)
from advisory.entities.models import Entity
from advisory.workflow import services as workflow
from advisory.workflow.admin_views import event_words
from advisory.workflow.models import AuditEvent
from advisory.workflow.services import audit_event_record
from tests.factories import (
    EntityFactory,
    UserFactory,
    client_reader,
    staff_user,
)

pytestmark = pytest.mark.django_db

REUTERS = SourceSpec(title="Port traffic report", publisher="Reuters")
UN = SourceSpec(title="Humanitarian update", publisher="OCHA", url="https://example.org/ocha")


def revisions_url(brief: Brief) -> str:
    return reverse("brief-revisions", args=[brief.pk])


def compare_url(brief: Brief) -> str:
    return reverse("brief-revisions-compare", args=[brief.pk])


def history_url(brief: Brief) -> str:
    return reverse("brief-workflow-history", args=[brief.pk])


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


class Desk:
    """A brief saved four times, then approved and published by an editor.

    1. created with a body and the tag "iraq";
    2. two entity links (a subject and a mention) and one source added;
    3. one word of the body changed and the tag "ports" added;
    4. the mention removed and a second source added.
    """

    def __init__(self) -> None:
        self.writer = staff_user(role=Role.WRITER, username="writer", display_name="Wendy Writer")
        self.editor = staff_user(role=Role.EDITOR, username="editor", display_name="Eda Editor")
        self.militia: Entity = EntityFactory(name="Kataib Hezbollah")
        self.governor: Entity = EntityFactory(name="Asaad al-Eidani")
        self.brief = brief_create(
            actor=self.writer,
            title="Basra ports",
            body="The army advanced on the port.\n\nTrade slowed.",
            tags=["iraq"],
        )
        self.parts(sources=[REUTERS], mentions=[self.militia, self.governor])
        brief_update(
            actor=self.writer,
            brief=self.brief,
            body="The militia advanced on the port.\n\nTrade slowed.",
            tags=["iraq", "ports"],
        )
        self.parts(sources=[REUTERS, UN], mentions=[self.militia])

    def parts(self, *, sources: list[SourceSpec], mentions: list[Entity]) -> None:
        roles = [MentionRole.SUBJECT, MentionRole.MENTIONED]
        brief_parts_replace(
            actor=self.writer,
            brief=self.brief,
            key_judgments=[],
            sources=sources,
            mentions=list(zip(mentions, roles, strict=False)),
        )
        brief_revision_record(actor=self.writer, brief=self.brief)

    def publish(self) -> None:
        workflow.brief_submit(actor=self.writer, brief=self.brief)
        workflow.brief_approve(actor=self.editor, brief=self.brief, override_reason="")
        workflow.brief_publish(actor=self.editor, brief=self.brief)
        self.brief.refresh_from_db()


@pytest.fixture
def desk() -> Desk:
    return Desk()


def test_the_revisions_list_summarises_each_revision_and_marks_live_and_approved(
    desk: Desk,
) -> None:
    desk.publish()
    brief_update(actor=desk.writer, brief=desk.brief, title="Basra ports, revised")

    response = logged_in(desk.editor).get(revisions_url(desk.brief))

    assert response.status_code == 200
    rows = {row.revision.number: row for row in response.context["rows"]}
    assert [row.revision.number for row in response.context["rows"]] == [5, 4, 3, 2, 1]
    assert {number: row.summary for number, row in rows.items()} == {
        5: "title changed",
        4: "1 mention and 1 source changed",
        3: "body and 1 tag changed",
        2: "2 mentions and 1 source changed",
        1: "first revision",
    }
    # Clients keep reading revision 4, the one approved, until the edit is approved in turn.
    assert [n for n, row in rows.items() if row.live] == [4]
    assert [n for n, row in rows.items() if row.approved] == [4]
    html = response.content.decode()
    assert "Body and 1 tag changed" in html and "Wendy Writer" in html
    assert f"{compare_url(desk.brief)}?from=2&amp;to=3" in html
    assert '<label for="compare-from">From revision</label>' in html
    assert '<option value="4" selected>' in html  # from: the one before the newest


def test_an_approved_revision_is_marked_until_it_is_published(desk: Desk) -> None:
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    workflow.brief_approve(actor=desk.editor, brief=desk.brief)

    rows = logged_in(desk.editor).get(revisions_url(desk.brief)).context["rows"]

    assert [(row.revision.number, row.live, row.approved) for row in rows][:2] == [
        (4, False, True),
        (3, False, False),
    ]


def test_compare_shows_each_field_in_its_own_way(desk: Desk) -> None:
    response = logged_in(desk.editor).get(compare_url(desk.brief), {"from": 2, "to": 4})

    assert response.status_code == 200
    html = response.content.decode()
    changes = {change.field: change for change in response.context["changes"]}
    assert set(changes) == {"body", "tags", "mentions", "sources"}
    assert "The <del>army</del><ins>militia</ins> advanced on the port." in html
    assert changes["tags"].added == ("ports",)
    assert changes["mentions"].removed == ("Asaad al-Eidani (mentioned)",)
    assert changes["sources"].added == ("Humanitarian update — OCHA <https://example.org/ocha>",)
    assert '<ul class="added" aria-labelledby="change-tags-added"><li>ports</li></ul>' in html
    assert "<li>Asaad al-Eidani (mentioned)</li>" in html
    assert "<li>Humanitarian update — OCHA &lt;https://example.org/ocha&gt;</li>" in html
    assert "From revision 2, saved" in html and "to revision 4, saved" in html

    same = logged_in(desk.editor).get(compare_url(desk.brief), {"from": 3, "to": 3})
    assert "The two revisions have the same content." in same.content.decode()


def test_compare_escapes_what_a_revision_holds(desk: Desk) -> None:
    brief_update(
        actor=desk.writer,
        brief=desk.brief,
        body="The militia <script>alert('x')</script> advanced on the port.\n\nTrade slowed.",
    )

    response = logged_in(desk.editor).get(compare_url(desk.brief), {"from": 4, "to": 5})

    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<ins> &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</ins>" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"to": "2"}, "Choose the revision to compare from: the “from” parameter is missing."),
        (
            {"from": "1", "to": ""},
            "Choose the revision to compare to: the “to” parameter is missing.",
        ),
        ({"from": "one", "to": "2"}, "“one” is not a revision number (parameter “from”)."),
        ({"from": "1", "to": "-2"}, "“-2” is not a revision number (parameter “to”)."),
        ({"from": "1", "to": "99"}, "“Basra ports” has no revision 99 (parameter “to”)."),
        ({"from": "0", "to": "2"}, "“Basra ports” has no revision 0 (parameter “from”)."),
        (
            {"from": "1", "to": "99999999999999999999"},
            "“Basra ports” has no revision 99999999999999999999 (parameter “to”).",
        ),
    ],
)
def test_bad_revision_numbers_are_a_clear_400(
    desk: Desk, query: dict[str, str], message: str
) -> None:
    response = logged_in(desk.editor).get(compare_url(desk.brief), query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert revisions_url(desk.brief) in response.content.decode()


def test_a_revision_of_another_brief_is_no_revision_of_this_one(desk: Desk) -> None:
    other = brief_create(actor=desk.writer, title="Other")
    for _ in range(5):
        brief_update(actor=desk.writer, brief=other, body=f"{other.body} more")

    response = logged_in(desk.editor).get(compare_url(desk.brief), {"from": "1", "to": "6"})

    assert response.status_code == 400
    assert "“Basra ports” has no revision 6" in response.content.decode()


def test_the_history_lists_every_event_in_words_with_reasons_and_revisions(desk: Desk) -> None:
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    due = datetime.datetime(2031, 5, 1, 9, 30, tzinfo=datetime.UTC)
    workflow.brief_review_claim(actor=desk.editor, brief=desk.brief, due_at=due)
    workflow.brief_request_changes(
        actor=desk.editor, brief=desk.brief, reason="Cite the port authority."
    )

    response = logged_in(desk.writer).get(history_url(desk.brief))

    assert response.status_code == 200
    words = [row.words for row in response.context["rows"]]
    assert words[:5] == [
        "Requested changes",
        "Claimed the review (due 1 May 2031 09:30)",
        "Submitted for review",
        "Replaced key judgments, sources, scenarios and entity links",
        "Edited (body)",
    ]
    assert words[-1] == "Created the brief"
    html = response.content.decode()
    assert "Cite the port authority." in html and "Eda Editor" in html
    submitted = response.context["rows"][2]
    assert submitted.revision == 4
    assert f"{compare_url(desk.brief)}?from=3&amp;to=4" in html


def test_event_details_that_cannot_be_read_are_left_out() -> None:
    odd = AuditEvent(
        verb="brief.comment_added",
        data={"due_at": "2031-13-45T10:00:00Z", "publish_at": "2031-05-01T09:30", "fields": "x"},
    )
    assert event_words(odd) == "Comment added"
    assert event_words(AuditEvent(verb="brief.publish", data=["not", "a", "dict"])) == "Published"


def test_the_history_is_paginated_newest_first(desk: Desk) -> None:
    for number in range(60):
        audit_event_record(
            actor=desk.writer, verb="brief.edited", target=desk.brief, reason=f"Pass {number}"
        )
    client = logged_in(desk.editor)

    first = client.get(history_url(desk.brief))
    second = client.get(history_url(desk.brief), {"page": 2})

    assert len(first.context["rows"]) == 50
    assert first.context["rows"][0].event.reason == "Pass 59"
    html = first.content.decode()
    assert "Page 1 of 2" in html and '<a href="?page=2" rel="next">Older</a>' in html
    recorded = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Brief), target_id=str(desk.brief.pk)
    ).count()
    assert len(first.context["rows"]) + len(second.context["rows"]) == recorded > 60
    assert second.context["rows"][-1].words == "Created the brief"


def test_the_pages_run_the_same_queries_for_few_or_many_revisions_and_events(
    desk: Desk, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    client = logged_in(desk.editor)
    urls = [revisions_url(desk.brief), history_url(desk.brief)]
    for url in urls:
        client.get(url)  # warms caches that last the process, such as content types
    counted: dict[str, int] = {}
    for url in urls:
        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        counted[url] = len(few)
    for number in range(30):
        brief_update(actor=desk.writer, brief=desk.brief, body=f"Body, pass {number}.")
    for url in urls:
        with django_assert_max_num_queries(counted[url]):
            assert client.get(url).status_code == 200


def test_the_change_page_links_to_revisions_and_history(desk: Desk) -> None:
    html = (
        logged_in(desk.writer)
        .get(reverse("admin:briefs_brief_change", args=[desk.brief.pk]))
        .content.decode()
    )

    assert f'<a href="{revisions_url(desk.brief)}">Revisions</a>' in html
    assert f'<a href="{history_url(desk.brief)}">Workflow history</a>' in html


def test_readers_are_refused_everywhere_and_staff_need_brief_rights(desk: Desk) -> None:
    urls = [
        revisions_url(desk.brief),
        f"{compare_url(desk.brief)}?from=1&to=2",
        history_url(desk.brief),
    ]
    reader = logged_in(client_reader())
    for url in urls:
        response = reader.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login"))

    bare = logged_in(UserFactory(username="bare", is_staff=True))
    for url in urls:
        assert bare.get(url).status_code == 403, url

    missing = reverse("brief-revisions", args=[desk.brief.pk + 1000])
    assert logged_in(desk.writer).get(missing).status_code == 404

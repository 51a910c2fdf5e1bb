"""The review discussion: threads, replies, resolution, paragraph anchors and @mentions, from
the services and from the brief's change page."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from advisory.accounts.models import Role, User
from advisory.accounts.services import membership_assign
from advisory.briefs.models import Brief
from advisory.briefs.services import brief_create
from advisory.workflow.models import AuditEvent, Comment
from advisory.workflow.selectors import (
    brief_comment_threads,
    brief_paragraphs,
    paragraph_opening,
    users_mentioned,
)
from advisory.workflow.services import (
    CommentRefused,
    comment_add,
    comment_reopen,
    comment_resolve,
)
from tests.factories import OrganisationFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db

BODY = (
    "## Basra on edge\n\n"
    "Protesters gathered outside the governorate building on Tuesday evening, demanding power.\n"
    "\n"
    "- Oil exports continued through the southern terminals.\n"
    "- Security forces were reinforced.\n"
    "\n  \n"
    "> The governor promised generators within the week.\n"
)


def client_reader(username: str = "reader") -> User:
    user = UserFactory(username=username)
    membership_assign(
        actor=None, user=user, organisation=OrganisationFactory(), role=Role.CLIENT_READER
    )
    return user


class Review:
    """A brief under discussion between its writer and an editor."""

    def __init__(self) -> None:
        self.writer = staff_user(role=Role.WRITER, username="writer")
        self.editor = staff_user(role=Role.EDITOR, username="editor")
        self.brief = brief_create(actor=self.writer, title="Basra protests", body=BODY)


@pytest.fixture
def review() -> Review:
    return Review()


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_paragraphs_are_the_blocks_between_blank_lines_known_by_their_first_words() -> None:
    paragraphs = brief_paragraphs(BODY.replace("\n", "\r\n"))
    assert [(p.anchor, p.opening) for p in paragraphs] == [
        ("p1", "Basra on edge"),
        ("p2", "Protesters gathered outside the governorate building on Tuesday…"),
        ("p3", "Oil exports continued through the southern terminals. Security…"),
        ("p4", "The governor promised generators within the week."),
    ]
    assert paragraph_opening("1. One two", words=1) == "One…"
    assert brief_paragraphs("") == []


def test_replies_nest_under_their_thread_in_reading_order(review: Review) -> None:
    first = comment_add(actor=review.editor, brief=review.brief, body="Source for the crowd?")
    reply = comment_add(actor=review.writer, brief=review.brief, body="Reuters.", parent=first)
    second = comment_add(actor=review.editor, brief=review.brief, body="Title is long.")
    deeper = comment_add(actor=review.editor, brief=review.brief, body="Link?", parent=reply)
    later = comment_add(actor=review.writer, brief=review.brief, body="Also AP.", parent=first)

    threads = brief_comment_threads(review.brief)

    assert [thread.root for thread in threads] == [first, second]
    assert [(e.comment, e.depth, e.in_reply_to) for e in threads[0].entries] == [
        (first, 0, ""),
        (reply, 1, review.editor.byline),
        (deeper, 2, review.writer.byline),
        (later, 1, review.editor.byline),
    ]
    assert [e.comment for e in threads[1].entries] == [second]
    event = AuditEvent.objects.filter(verb="comment.added").latest("id")
    assert (event.actor, event.target_id) == (review.writer, str(later.pk))
    assert event.data["parent"] == first.pk


def test_a_reply_must_be_on_the_same_brief(review: Review) -> None:
    other = brief_create(actor=review.writer, title="Mosul", body="Text.")
    elsewhere = comment_add(actor=review.editor, brief=other, body="On Mosul.")
    with pytest.raises(CommentRefused, match="another brief"):
        comment_add(actor=review.writer, brief=review.brief, body="Reply.", parent=elsewhere)
    assert Comment.objects.filter(brief=review.brief).count() == 0


def test_only_the_desk_comments(review: Review) -> None:
    with pytest.raises(CommentRefused, match="Only the desk"):
        comment_add(actor=client_reader(), brief=review.brief, body="Nice piece.")
    with pytest.raises(CommentRefused, match="Write the comment"):
        comment_add(actor=review.editor, brief=review.brief, body="   ")
    assert not Comment.objects.exists()


def test_resolving_any_comment_resolves_the_thread_and_it_can_be_reopened(review: Review) -> None:
    root = comment_add(actor=review.editor, brief=review.brief, body="Check the figure.")
    reply = comment_add(actor=review.writer, brief=review.brief, body="Done.", parent=root)
    deeper = comment_add(actor=review.editor, brief=review.brief, body="Thanks.", parent=reply)

    comment_resolve(actor=review.writer, comment=deeper)

    root.refresh_from_db()
    reply.refresh_from_db()
    assert root.resolved_by == review.writer
    assert root.resolved_at is not None
    assert reply.resolved_at is None
    assert brief_comment_threads(review.brief)[0].is_resolved
    with pytest.raises(CommentRefused, match="already resolved"):
        comment_resolve(actor=review.editor, comment=root)
    with pytest.raises(CommentRefused, match="reopen it to reply"):
        comment_add(actor=review.editor, brief=review.brief, body="One more.", parent=reply)

    comment_reopen(actor=review.editor, comment=reply)

    root.refresh_from_db()
    assert (root.resolved_at, root.resolved_by) == (None, None)
    with pytest.raises(CommentRefused, match="open already"):
        comment_reopen(actor=review.editor, comment=root)
    events = AuditEvent.objects.filter(verb__in=["comment.resolved", "comment.reopened"])
    assert [(e.verb, e.actor, e.target_id) for e in events.order_by("id")] == [
        ("comment.resolved", review.writer, str(root.pk)),
        ("comment.reopened", review.editor, str(root.pk)),
    ]
    with pytest.raises(CommentRefused, match="Only the desk"):
        comment_resolve(actor=client_reader(), comment=root)


def test_open_threads_come_before_resolved_ones(review: Review) -> None:
    old = comment_add(actor=review.editor, brief=review.brief, body="Old point.")
    new = comment_add(actor=review.editor, brief=review.brief, body="New point.")
    comment_resolve(actor=review.editor, comment=old)
    assert [thread.root for thread in brief_comment_threads(review.brief)] == [new, old]


def test_a_thread_anchors_to_a_paragraph_and_keeps_its_opening(review: Review) -> None:
    comment = comment_add(actor=review.editor, brief=review.brief, body="Which day?", anchor="p2")
    assert comment.anchor == "p2"
    assert comment.anchor_text == (
        "Protesters gathered outside the governorate building on Tuesday…"
    )
    with pytest.raises(CommentRefused, match="no paragraph p9"):
        comment_add(actor=review.editor, brief=review.brief, body="?", anchor="p9")
    with pytest.raises(CommentRefused, match="no paragraph p0"):
        comment_add(actor=review.editor, brief=review.brief, body="?", anchor="p0")
    with pytest.raises(CommentRefused, match="A reply is about its thread"):
        comment_add(
            actor=review.writer, brief=review.brief, body="Monday.", parent=comment, anchor="p1"
        )
    thread = brief_comment_threads(review.brief)[0]
    assert thread.anchor_number == "2"


def test_mentions_name_desk_members_only(review: Review) -> None:
    admin = staff_user(role=Role.DESK_ADMIN, username="chief.ed")
    client_reader("reader")
    staff_user(role=Role.EDITOR, username="gone", is_active=False)
    body = (
        "@EDITOR can you check? cc @chief.ed. Not @reader, @gone or @nobody; "
        "mail ops@editor.example if stuck."
    )

    comment = comment_add(actor=review.writer, brief=review.brief, body=body)

    assert set(comment.mentioned.all()) == {review.editor, admin}
    event = AuditEvent.objects.get(verb="comment.added")
    assert sorted(event.data["mentioned"]) == sorted([review.editor.pk, admin.pk])
    assert users_mentioned("no one here") == []
    assert users_mentioned("email@editor only") == []


# The change page


def _post(user: User, name: str, *args: int, **data: str) -> list[str]:
    """Post one of the panel's forms as the user; the messages shown back on the change page."""
    response = _as(user).post(reverse(f"brief_comments:{name}", args=args), data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/briefs/brief/{args[0]}/change/#comments")
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_comment_reply_resolve_and_reopen_from_the_change_page(review: Review) -> None:
    brief = review.brief
    editor, writer = review.editor, review.writer
    change = reverse("admin:briefs_brief_change", args=[brief.pk])

    page = _as(writer).get(change).content.decode()
    assert "No comments yet." in page
    assert '<option value="p2">Paragraph 2: Protesters gathered outside' in page

    assert _post(editor, "add", brief.pk, body="Which <day>?", anchor="p2") == ["Comment posted."]
    root = Comment.objects.get()
    assert (root.author, root.anchor) == (review.editor, "p2")
    assert _post(writer, "add", brief.pk, body="Tuesday.", parent=str(root.pk)) == ["Reply posted."]
    assert Comment.objects.get(parent=root).author == review.writer

    page = _as(writer).get(change).content.decode()
    assert "Comments: 1 open of 1" in page
    assert "On paragraph 2: “Protesters gathered outside the governorate" in page
    assert "Which &lt;day&gt;?" in page
    assert f'id="comment-{root.pk}"' in page
    assert "Resolve thread" in page

    assert _post(writer, "resolve", brief.pk, root.pk) == ["Thread resolved."]
    assert _post(editor, "resolve", brief.pk, root.pk) == ["This thread is already resolved."]
    page = _as(writer).get(change).content.decode()
    assert f"<strong>Resolved</strong> by {escape(review.writer.byline)}" in page
    assert "Reopen thread" in page
    assert "Post reply" not in page

    assert _post(editor, "reopen", brief.pk, root.pk) == ["Thread reopened."]
    root.refresh_from_db()
    assert root.resolved_at is None


def test_refusals_from_the_change_page_come_back_as_messages(review: Review) -> None:
    brief = review.brief
    other = brief_create(actor=review.writer, title="Elsewhere", body="Text.")
    foreign = comment_add(actor=review.editor, brief=other, body="On the other brief.")
    editor = review.editor

    assert _post(editor, "add", brief.pk, body="  ") == ["Write the comment first."]
    assert _post(editor, "add", brief.pk, body="x", anchor="p99") == [
        "The brief has no paragraph p99: choose one from the list."
    ]
    assert _post(editor, "add", brief.pk, body="x", parent=str(foreign.pk)) == [
        "That comment is on another brief: reply on its own page."
    ]
    assert _post(editor, "add", brief.pk, body="x", parent="999999") == [
        "The comment you replied to no longer exists."
    ]
    assert not Comment.objects.filter(brief=brief).exists()
    client = _as(editor)
    response = client.post(reverse("brief_comments:resolve", args=[brief.pk, foreign.pk]))
    assert response.status_code == 404
    assert client.get(reverse("brief_comments:add", args=[brief.pk])).status_code == 405


def test_a_client_reader_and_a_staff_user_without_a_desk_role_are_refused(review: Review) -> None:
    url = reverse("brief_comments:add", args=[review.brief.pk])
    response = _as(client_reader()).post(url, {"body": "Let me in."})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    roleless = UserFactory(username="contractor", is_staff=True)
    assert _as(roleless).post(url, {"body": "Hello."}).status_code == 403

    comment = comment_add(actor=review.editor, brief=review.brief, body="Mine.")
    resolve = reverse("brief_comments:resolve", args=[review.brief.pk, comment.pk])
    assert _as(roleless).post(resolve).status_code == 403
    assert not Comment.objects.exclude(pk=comment.pk).exists()
    comment.refresh_from_db()
    assert comment.resolved_at is None


def _comments(brief: Brief, count: int, review: Review) -> None:
    root = None
    for number in range(count):
        # Every third comment opens a thread; the others reply in the one before.
        parent = None if number % 3 == 0 else root
        comment = comment_add(
            actor=review.editor if number % 2 else review.writer,
            brief=brief,
            body=f"Point {number} @editor",
            parent=parent,
            anchor="p1" if parent is None else "",
        )
        root = comment if parent is None else root
    if root is not None:
        comment_resolve(actor=review.editor, comment=root)


def test_the_threads_take_a_fixed_number_of_queries(review: Review) -> None:
    few = review.brief
    many = brief_create(actor=review.writer, title="Busy review", body=BODY)
    _comments(few, 3, review)
    _comments(many, 30, review)

    counts = []
    for brief in (few, many):
        with CaptureQueriesContext(connection) as queries:
            threads = brief_comment_threads(brief)
            for thread in threads:
                for entry in thread.entries:
                    assert entry.comment.author.byline
                    assert thread.root.resolved_by is None or thread.root.resolved_by.byline
        counts.append(len(queries))
    assert counts == [1, 1]

    client = _as(review.writer)
    pages = []
    for brief in (few, many):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("admin:briefs_brief_change", args=[brief.pk]))
        assert response.status_code == 200
        pages.append(len(queries))
    assert pages[0] == pages[1]

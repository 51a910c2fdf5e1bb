"""The editorial workflow: every role against every transition, four-eyes, approval tied to
content, live versus draft, and scheduled publishing that publishes each brief once."""

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from advisory.accounts.models import AccessTier, Role, User
from advisory.briefs.models import Brief, BriefStatus, CorrectionNote
from advisory.briefs.services import brief_create, brief_update
from advisory.workflow import services as workflow
from advisory.workflow.models import AuditEvent
from advisory.workflow.services import TransitionRefused
from tests.factories import UserFactory, client_reader, staff_user

pytestmark = pytest.mark.django_db

S = BriefStatus
ROLES = ["writer", "editor", "desk_admin", "client_reader", "nobody"]
FUTURE = timezone.now() + datetime.timedelta(days=1)

# Written out by hand, independently of workflow/transitions.py, which it checks.
ALLOWED = {
    "submit": {"writer", "editor", "desk_admin"},
    "request_changes": {"editor", "desk_admin"},
    "approve": {"editor", "desk_admin"},
    "schedule": {"editor", "desk_admin"},
    "unschedule": {"editor", "desk_admin"},
    "publish": {"editor", "desk_admin"},
    "withdraw": {"writer", "editor", "desk_admin"},
    "reopen": {"writer", "editor", "desk_admin"},
    "retract": {"editor", "desk_admin"},
    "archive": {"editor", "desk_admin"},
}


def actor_for(role: str) -> User:
    if role == "client_reader":
        return client_reader(username=f"reader-{role}")
    if role == "nobody":
        return UserFactory()
    return staff_user(role=role)


class Desk:
    """A brief written by one writer, and two editors to move it along."""

    def __init__(self) -> None:
        self.writer = staff_user(role=Role.WRITER, username="writer")
        self.editor = staff_user(role=Role.EDITOR, username="editor")
        self.editor2 = staff_user(role=Role.EDITOR, username="editor2")
        self.brief = brief_create(actor=self.writer, title="Basra", body="First text.")

    def to(self, status: str) -> Brief:
        steps: dict[str, list[Callable[[], Any]]] = {
            S.DRAFT: [],
            S.IN_REVIEW: [self.submit],
            S.CHANGES_REQUESTED: [self.submit, self.request_changes],
            S.APPROVED: [self.submit, self.approve],
            S.SCHEDULED: [self.submit, self.approve, self.schedule],
            S.PUBLISHED: [self.submit, self.approve, self.publish],
            S.WITHDRAWN: [self.withdraw],
            S.RETRACTED: [self.submit, self.approve, self.publish, self.retract],
        }
        for step in steps[status]:
            step()
        self.brief.refresh_from_db()
        assert self.brief.status == status
        return self.brief

    def submit(self) -> None:
        workflow.brief_submit(actor=self.writer, brief=self.brief)

    def request_changes(self) -> None:
        workflow.brief_request_changes(actor=self.editor, brief=self.brief, reason="Sources?")

    def approve(self) -> None:
        workflow.brief_approve(actor=self.editor, brief=self.brief)

    def schedule(self) -> None:
        workflow.brief_schedule(actor=self.editor, brief=self.brief, publish_at=FUTURE)

    def publish(self) -> None:
        workflow.brief_publish(actor=self.editor, brief=self.brief)

    def withdraw(self) -> None:
        workflow.brief_withdraw(actor=self.writer, brief=self.brief)

    def retract(self) -> None:
        workflow.brief_retract(actor=self.editor, brief=self.brief, notice="Wrong.")


# From a status each action accepts, with what the action needs.
CASES: dict[str, tuple[str, Callable[[User, Brief], Any]]] = {
    "submit": (S.DRAFT, lambda a, b: workflow.brief_submit(actor=a, brief=b)),
    "request_changes": (
        S.IN_REVIEW,
        lambda a, b: workflow.brief_request_changes(actor=a, brief=b, reason="More"),
    ),
    "approve": (S.IN_REVIEW, lambda a, b: workflow.brief_approve(actor=a, brief=b)),
    "schedule": (
        S.APPROVED,
        lambda a, b: workflow.brief_schedule(actor=a, brief=b, publish_at=FUTURE),
    ),
    "unschedule": (S.SCHEDULED, lambda a, b: workflow.brief_unschedule(actor=a, brief=b)),
    "publish": (S.APPROVED, lambda a, b: workflow.brief_publish(actor=a, brief=b)),
    "withdraw": (S.DRAFT, lambda a, b: workflow.brief_withdraw(actor=a, brief=b)),
    "reopen": (S.WITHDRAWN, lambda a, b: workflow.brief_reopen(actor=a, brief=b)),
    "retract": (S.PUBLISHED, lambda a, b: workflow.brief_retract(actor=a, brief=b, notice="x")),
    "archive": (S.PUBLISHED, lambda a, b: workflow.brief_archive(actor=a, brief=b)),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(CASES))
def test_every_role_against_every_transition(action: str, role: str) -> None:
    desk = Desk()
    source, run = CASES[action]
    brief = desk.to(source)
    actor = actor_for(role)
    events_before = AuditEvent.objects.count()

    if role in ALLOWED[action]:
        run(actor, brief)
        brief.refresh_from_db()
        assert brief.status != source
        event = AuditEvent.objects.latest("id")
        assert (event.verb, event.actor) == (f"brief.{action}", actor)
    else:
        with pytest.raises(TransitionRefused, match="not open to your role"):
            run(actor, brief)
        brief.refresh_from_db()
        assert brief.status == source
        assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("action", sorted(CASES))
def test_every_transition_is_refused_from_a_status_it_does_not_start_from(action: str) -> None:
    desk = Desk()
    _, run = CASES[action]
    wrong = S.DRAFT if action in {"archive", "reopen", "retract", "unschedule"} else S.RETRACTED
    brief = desk.to(wrong)
    with pytest.raises(TransitionRefused, match="not possible for a brief that is"):
        run(staff_user(role=Role.DESK_ADMIN, username="boss"), brief)
    brief.refresh_from_db()
    assert brief.status == wrong


def test_nobody_approves_what_they_wrote_or_last_edited() -> None:
    desk = Desk()
    author_editor = staff_user(role=Role.EDITOR, username="author-editor")
    own = brief_create(actor=author_editor, title="Written by an editor", body="Text.")
    workflow.brief_submit(actor=author_editor, brief=own)
    with pytest.raises(TransitionRefused, match="another editor must approve"):
        workflow.brief_approve(actor=author_editor, brief=own)

    desk.to(S.IN_REVIEW)
    brief_update(actor=desk.editor, brief=desk.brief, body="Edited by the editor.")
    with pytest.raises(TransitionRefused, match="another editor must approve"):
        workflow.brief_approve(actor=desk.editor, brief=desk.brief)
    with pytest.raises(TransitionRefused, match="desk admin"):
        workflow.brief_approve(actor=desk.editor, brief=desk.brief, override_reason="urgent")

    workflow.brief_approve(actor=desk.editor2, brief=desk.brief)
    desk.brief.refresh_from_db()
    assert (desk.brief.status, desk.brief.approved_by) == (S.APPROVED, desk.editor2)


def test_a_desk_admin_overrides_four_eyes_only_with_a_written_reason() -> None:
    desk = Desk()
    admin = staff_user(role=Role.DESK_ADMIN, username="boss")
    desk.to(S.IN_REVIEW)
    brief_update(actor=admin, brief=desk.brief, body="The admin fixed a typo.")
    with pytest.raises(TransitionRefused, match="another editor must approve"):
        workflow.brief_approve(actor=admin, brief=desk.brief, override_reason="   ")

    workflow.brief_approve(actor=admin, brief=desk.brief, override_reason="Flash, no editor on")

    event = AuditEvent.objects.get(verb="brief.approve")
    assert event.reason == "Flash, no editor on"
    assert event.data["four_eyes_override"] is True


def test_approval_is_tied_to_content_not_to_saves() -> None:
    desk = Desk()
    desk.to(S.APPROVED)
    brief_update(actor=desk.writer, brief=desk.brief)  # saved, nothing changed
    desk.brief.refresh_from_db()
    assert desk.brief.status == S.APPROVED

    brief_update(actor=desk.writer, brief=desk.brief, body="A changed sentence.")
    desk.brief.refresh_from_db()
    assert desk.brief.status == S.IN_REVIEW
    assert desk.brief.approved_hash == ""
    assert AuditEvent.objects.filter(verb="brief.approval_reset").count() == 1
    assert desk.brief.revisions.count() == 3


def test_a_tag_change_after_approval_needs_approval_again() -> None:
    desk = Desk()
    desk.to(S.SCHEDULED)
    brief_update(actor=desk.writer, brief=desk.brief, tags=["energy"])
    desk.brief.refresh_from_db()
    assert desk.brief.status == S.IN_REVIEW


def test_clients_keep_the_live_version_until_the_update_is_published() -> None:
    desk = Desk()
    brief = desk.to(S.PUBLISHED)
    live = brief.live_revision
    assert live is not None
    assert live.snapshot["body"] == "First text."
    first_published = brief.published_at

    brief_update(actor=desk.writer, brief=brief, body="Second text.", tags=["update"])
    brief.refresh_from_db()
    assert brief.live_revision == live
    assert brief.status == S.PUBLISHED

    workflow.brief_submit(actor=desk.writer, brief=brief)
    workflow.brief_approve(actor=desk.editor, brief=brief)
    brief.refresh_from_db()
    assert brief.live_revision == live

    workflow.brief_publish(actor=desk.editor, brief=brief)
    brief.refresh_from_db()
    assert brief.live_revision is not None
    assert brief.live_revision.snapshot["body"] == "Second text."
    assert brief.live_revision.snapshot["tags"] == ["update"]
    assert brief.published_at == first_published
    assert brief.content_updated_at is not None


def test_a_correction_is_published_with_its_note() -> None:
    desk = Desk()
    brief = desk.to(S.PUBLISHED)
    brief_update(actor=desk.writer, brief=brief, body="Corrected figure: 5,000.")
    workflow.brief_submit(actor=desk.writer, brief=brief)
    workflow.brief_approve(actor=desk.editor, brief=brief)
    workflow.brief_publish(actor=desk.editor, brief=brief, correction_note="We gave 50,000.")
    assert CorrectionNote.objects.get(brief=brief).note == "We gave 50,000."
    assert AuditEvent.objects.latest("id").data["publication"] == "correction"


def test_an_unchanged_live_brief_cannot_be_resubmitted() -> None:
    desk = Desk()
    brief = desk.to(S.PUBLISHED)
    with pytest.raises(TransitionRefused, match="Nothing has changed"):
        workflow.brief_submit(actor=desk.writer, brief=brief)


def test_retraction_keeps_the_record_with_its_notice() -> None:
    desk = Desk()
    brief = desk.to(S.PUBLISHED)
    with pytest.raises(TransitionRefused, match="retraction notice"):
        workflow.brief_retract(actor=desk.editor, brief=brief, notice=" ")
    workflow.brief_retract(actor=desk.editor, brief=brief, notice="Retracted: sourcing failed.")
    brief.refresh_from_db()
    assert (brief.status, brief.retraction_notice) == (S.RETRACTED, "Retracted: sourcing failed.")
    assert brief.live_revision is not None


def test_a_live_brief_is_retracted_not_withdrawn() -> None:
    desk = Desk()
    brief = desk.to(S.PUBLISHED)
    brief_update(actor=desk.writer, brief=brief, body="Update.")
    workflow.brief_submit(actor=desk.writer, brief=brief)
    with pytest.raises(TransitionRefused, match="This brief is live"):
        workflow.brief_withdraw(actor=desk.writer, brief=brief)


def test_schedule_needs_a_future_time() -> None:
    desk = Desk()
    desk.to(S.APPROVED)
    past = timezone.now() - datetime.timedelta(minutes=1)
    with pytest.raises(TransitionRefused, match="future"):
        workflow.brief_schedule(actor=desk.editor, brief=desk.brief, publish_at=past)
    desk.brief.refresh_from_db()
    assert desk.brief.status == S.APPROVED


def test_an_editor_claims_a_review_with_a_due_time() -> None:
    desk = Desk()
    desk.to(S.IN_REVIEW)
    due = timezone.now() + datetime.timedelta(hours=4)
    with pytest.raises(TransitionRefused, match="Only editors"):
        workflow.brief_review_claim(actor=desk.writer, brief=desk.brief)
    workflow.brief_review_claim(actor=desk.editor, brief=desk.brief, due_at=due)
    desk.brief.refresh_from_db()
    assert (desk.brief.reviewer, desk.brief.review_due_at) == (desk.editor, due)
    assert AuditEvent.objects.filter(verb="brief.review_claimed", actor=desk.editor).exists()


def test_due_briefs_publish_once_and_changed_ones_go_back_to_review() -> None:
    desk = Desk()
    brief = desk.to(S.SCHEDULED)
    changed = brief_create(actor=desk.writer, title="Changed after approval", body="v1")
    workflow.brief_submit(actor=desk.writer, brief=changed)
    workflow.brief_approve(actor=desk.editor, brief=changed)
    workflow.brief_schedule(actor=desk.editor, brief=changed, publish_at=FUTURE)
    # Simulate an edit that slipped past the save-time check (e.g. a direct data fix).
    Brief.objects.filter(pk=changed.pk).update(approved_hash="0" * 64)

    assert workflow.briefs_publish_due() == []
    later = FUTURE + datetime.timedelta(minutes=1)
    assert workflow.briefs_publish_due(now=later) == [brief.pk]
    assert workflow.briefs_publish_due(now=later) == []
    brief.refresh_from_db()
    changed.refresh_from_db()
    assert brief.status == S.PUBLISHED
    assert brief.published_at is not None
    assert changed.status == S.IN_REVIEW
    assert AuditEvent.objects.filter(verb="brief.publish_due", actor=None).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_publish_each_brief_exactly_once() -> None:
    desk = Desk()
    ids = []
    for number in range(12):
        brief = brief_create(actor=desk.writer, title=f"Due {number}", body=f"Text {number}")
        workflow.brief_submit(actor=desk.writer, brief=brief)
        workflow.brief_approve(actor=desk.editor, brief=brief)
        workflow.brief_schedule(actor=desk.editor, brief=brief, publish_at=FUTURE)
        ids.append(brief.pk)
    later = FUTURE + datetime.timedelta(minutes=1)
    results: list[list[int]] = []
    start = threading.Barrier(3)

    def run() -> None:
        start.wait()
        try:
            results.append(workflow.briefs_publish_due(now=later))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    published = [pk for result in results for pk in result]
    assert sorted(published) == sorted(ids)
    assert AuditEvent.objects.filter(verb="brief.publish_due").count() == len(ids)


def test_an_edit_from_a_stale_copy_never_undoes_a_workflow_step() -> None:
    desk = Desk()
    stale = Brief.objects.get(pk=desk.brief.pk)  # loaded while still a draft
    desk.to(S.PUBLISHED)
    brief_update(actor=desk.writer, brief=stale, body="An edit after publication.")
    desk.brief.refresh_from_db()
    assert desk.brief.status == S.PUBLISHED
    assert desk.brief.live_revision is not None
    assert desk.brief.live_revision.snapshot["body"] == "First text."
    assert desk.brief.body == "An edit after publication."


def test_the_public_page_shows_the_live_version_until_an_update_is_published(
    client: Client,
) -> None:
    desk = Desk()
    brief_update(actor=desk.writer, brief=desk.brief, access_tier=AccessTier.PUBLIC)
    desk.to(S.PUBLISHED)
    brief_update(actor=desk.writer, brief=desk.brief, title="A new title, not yet approved")
    page = client.get("/").content.decode()
    assert "Basra" in page
    assert "not yet approved" not in page

    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    assert "Basra" in client.get("/").content.decode(), "still live while the update is reviewed"
    workflow.brief_approve(actor=desk.editor, brief=desk.brief)
    workflow.brief_publish(actor=desk.editor, brief=desk.brief)
    assert "A new title, not yet approved" in client.get("/").content.decode()

    workflow.brief_retract(actor=desk.editor, brief=desk.brief, notice="Withdrawn from sale.")
    assert "A new title" not in client.get("/").content.decode()


def test_a_claim_made_meanwhile_is_not_taken_over_silently() -> None:
    desk = Desk()
    desk.to(S.IN_REVIEW)
    workflow.brief_review_claim(actor=desk.editor, brief=desk.brief)
    with pytest.raises(TransitionRefused, match=r"claimed the review .* in the meantime"):
        workflow.brief_review_claim(actor=desk.editor2, brief=desk.brief, seen_reviewer_id=None)
    workflow.brief_review_claim(
        actor=desk.editor2, brief=desk.brief, seen_reviewer_id=desk.editor.pk
    )
    desk.brief.refresh_from_db()
    assert desk.brief.reviewer == desk.editor2
    with pytest.raises(TransitionRefused, match="already passed"):
        workflow.brief_review_claim(
            actor=desk.editor2,
            brief=desk.brief,
            seen_reviewer_id=desk.editor2.pk,
            due_at=timezone.now() - datetime.timedelta(minutes=1),
        )

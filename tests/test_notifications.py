"""Workflow emails: who hears of what, only once the change is committed, each message once,
and what arrives at a real SMTP server."""

import datetime
import smtplib
from email.message import EmailMessage
from typing import Any

import pytest
from celery import Task
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from advisory.accounts.models import Role, User
from advisory.accounts.services import membership_assign
from advisory.briefs.models import Brief
from advisory.briefs.services import brief_create, brief_update
from advisory.lib.email import render_email, send_email
from advisory.ops import queueing
from advisory.ops.models import UnsentTask
from advisory.workflow import notifications
from advisory.workflow import services as workflow
from advisory.workflow.models import AuditEvent
from advisory.workflow.notifications import (
    BRIEF_NOTICES,
    brief_event_notify,
    brief_event_recipients,
    comment_mention_recipients,
)
from advisory.workflow.services import comment_add
from advisory.workflow.tasks import notify_brief_event, notify_comment_mention
from advisory.workflow.transitions import Action
from tests.celery_workers import celery_workers
from tests.factories import OrganisationFactory, UserFactory, staff_user
from tests.smtp import SITE, Inbox, subject_of

pytestmark = pytest.mark.django_db

TITLE = "Basra & the <oil> fields"


class Desk:
    """A brief by a writer and a desk admin, the editors, and people who must hear nothing."""

    def __init__(self) -> None:
        self.writer = staff_user(role=Role.WRITER, username="writer")
        self.chief = staff_user(role=Role.DESK_ADMIN, username="chief")
        self.editor = staff_user(role=Role.EDITOR, username="editor")
        self.editor2 = staff_user(role=Role.EDITOR, username="editor2")
        self.root = UserFactory(username="root", is_staff=True, is_superuser=True)
        staff_user(role=Role.EDITOR, username="away", is_active=False)
        staff_user(role=Role.EDITOR, username="nomail", email="")
        staff_user(role=Role.WRITER, username="bystander")
        reader = UserFactory(username="reader")
        membership_assign(
            actor=None, user=reader, organisation=OrganisationFactory(), role=Role.CLIENT_READER
        )
        self.brief = brief_create(
            actor=self.writer, title=TITLE, body="First text.", authors=[self.writer, self.chief]
        )

    @property
    def editors(self) -> list[User]:
        return [self.chief, self.editor, self.editor2, self.root]


@pytest.fixture
def desk() -> Desk:
    return Desk()


def _event(verb: str) -> AuditEvent:
    return AuditEvent.objects.filter(verb=verb).latest("id")


def _recipients(desk: Desk, verb: str) -> list[User]:
    return brief_event_recipients(brief=desk.brief, event=_event(verb))


def test_every_notified_transition_has_a_notice() -> None:
    notified = {Action.SUBMIT, Action.REQUEST_CHANGES, Action.APPROVE, Action.PUBLISH}
    assert set(BRIEF_NOTICES) == {f"brief.{a}" for a in notified | {Action.PUBLISH_DUE}}


def test_who_hears_of_each_event(desk: Desk) -> None:
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    assert _recipients(desk, "brief.submit") == desk.editors

    workflow.brief_request_changes(actor=desk.editor, brief=desk.brief, reason="Sources?")
    assert _recipients(desk, "brief.request_changes") == [desk.writer, desk.chief]

    brief_update(actor=desk.writer, brief=desk.brief, body="Second text.")
    workflow.brief_submit(actor=desk.chief, brief=desk.brief)
    assert _recipients(desk, "brief.submit") == [desk.editor, desk.editor2, desk.root]

    workflow.brief_approve(actor=desk.editor2, brief=desk.brief)
    assert _recipients(desk, "brief.approve") == [desk.writer, desk.chief]

    workflow.brief_publish(actor=desk.chief, brief=desk.brief)
    assert _recipients(desk, "brief.publish") == [desk.writer]


def test_the_writers_hear_of_a_scheduled_publication(desk: Desk) -> None:
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    workflow.brief_approve(actor=desk.editor, brief=desk.brief)
    at = timezone.now() + datetime.timedelta(hours=1)
    workflow.brief_schedule(actor=desk.editor, brief=desk.brief, publish_at=at)
    assert _recipients(desk, "brief.schedule") == []

    workflow.briefs_publish_due(now=at)

    assert _recipients(desk, "brief.publish_due") == [desk.writer, desk.chief]
    sent = brief_event_notify(brief=desk.brief, event=_event("brief.publish_due"))
    assert sent == 2
    assert mail.outbox[0].subject == f"Published: {TITLE}"
    assert "was published at its scheduled time" in str(mail.outbox[0].body)


def test_changes_requested_tells_the_writers_why(desk: Desk, settings: SettingsWrapper) -> None:
    settings.SITE_URL = SITE
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    workflow.brief_request_changes(
        actor=desk.editor, brief=desk.brief, reason="Cite the <oil> ministry & date it."
    )

    assert brief_event_notify(brief=desk.brief, event=_event("brief.request_changes")) == 2

    assert [message.to for message in mail.outbox] == [[desk.writer.email], [desk.chief.email]]
    message = mail.outbox[0]
    assert isinstance(message, mail.EmailMultiAlternatives)
    link = f"{SITE}/admin/briefs/brief/{desk.brief.pk}/change/"
    assert message.subject == f"Changes requested: {TITLE}"
    text = str(message.body)
    assert f"{desk.editor.byline} asked for changes to “{TITLE}”" in text
    assert "Cite the <oil> ministry & date it." in text
    assert link in text
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert "Cite the &lt;oil&gt; ministry &amp; date it." in str(html)
    assert f'href="{link}"' in str(html)
    assert "You receive this as an author of the brief." in text


def test_an_update_and_its_correction_are_named_as_such(desk: Desk) -> None:
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    workflow.brief_approve(actor=desk.editor, brief=desk.brief)
    workflow.brief_publish(actor=desk.editor, brief=desk.brief)
    brief_update(actor=desk.writer, brief=desk.brief, body="Corrected.")
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)

    brief_event_notify(brief=desk.brief, event=_event("brief.submit"))
    assert mail.outbox[0].subject == f"Update for review: {TITLE}"
    assert "clients keep reading the published version" in str(mail.outbox[0].body)

    mail.outbox.clear()
    workflow.brief_approve(actor=desk.editor, brief=desk.brief)
    workflow.brief_publish(actor=desk.editor, brief=desk.brief, correction_note="We said 50.")
    brief_event_notify(brief=desk.brief, event=_event("brief.publish"))
    assert mail.outbox[0].subject == f"Correction published: {TITLE}"
    assert "The correction note clients read:\n\nWe said 50." in str(mail.outbox[0].body)


def test_the_subject_is_one_line_whatever_the_title(desk: Desk) -> None:
    Brief.objects.filter(pk=desk.brief.pk).update(title="Line one\nBcc: someone@example.org")
    desk.brief.refresh_from_db()
    subject, _, _ = render_email("brief_approved", {"brief": desk.brief, "recipient": desk.writer})
    assert subject == "Approved: Line one Bcc: someone@example.org"


def test_send_email_keeps_one_message_id_and_returns_it() -> None:
    given = send_email(
        to=["a@example.org"],
        subject="S",
        text="T",
        html="<p>H</p>",
        headers={"message-id": "<fixed@example.org>"},
    )
    made = send_email(to=["b@example.org"], subject="S", text="T", html="<p>H</p>")
    assert given == "<fixed@example.org>"
    first, second = (message.message() for message in mail.outbox)
    assert first.get_all("Message-ID") == ["<fixed@example.org>"]
    assert second.get_all("Message-ID") == [made]
    assert second["Auto-Submitted"] == "auto-generated"


# After commit, and once


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """What the services hand to Celery, recorded instead of sent to the broker."""
    calls: dict[str, list[int]] = {"events": [], "comments": []}
    kinds = {notify_brief_event.name: "events", notify_comment_mention.name: "comments"}

    def record(task: Task, args: list[int], *, queue: str = "") -> None:
        calls[kinds[task.name]].extend(args)

    monkeypatch.setattr(queueing, "task_apply", record)
    return calls


def test_emails_are_queued_only_when_the_transition_commits(
    desk: Desk, queued: dict[str, list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    def submit_then_fail() -> None:
        with transaction.atomic():
            workflow.brief_submit(actor=desk.writer, brief=desk.brief)
            raise RuntimeError("the request failed after the transition")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        submit_then_fail()
    assert callbacks == []
    assert queued["events"] == []
    assert not UnsentTask.objects.exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workflow.brief_submit(actor=desk.writer, brief=desk.brief)
        assert queued["events"] == []
        # Kept in the transaction until the broker has it, in case the process dies first.
        assert UnsentTask.objects.get().args == [_event("brief.submit").pk]
    assert queued["events"] == [_event("brief.submit").pk]
    assert not UnsentTask.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.brief_approve(actor=desk.editor, brief=desk.brief)
        workflow.brief_schedule(
            actor=desk.editor,
            brief=desk.brief,
            publish_at=timezone.now() + datetime.timedelta(hours=1),
        )
        workflow.brief_unschedule(actor=desk.editor, brief=desk.brief)
    assert queued["events"][1:] == [_event("brief.approve").pk]


def test_a_mention_is_queued_after_commit_and_reaches_the_person(
    desk: Desk, queued: dict[str, list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment_add(actor=desk.editor, brief=desk.brief, body="Note to self, @editor.")
    assert queued["comments"] == []

    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_add(
            actor=desk.editor, brief=desk.brief, body="@writer @reader check this", anchor="p1"
        )
        assert queued["comments"] == []
    assert queued["comments"] == [comment.pk]
    assert comment_mention_recipients(comment) == [desk.writer]

    assert notify_comment_mention.apply(args=[comment.pk]).get() == 1
    assert mail.outbox[0].to == [desk.writer.email]
    assert mail.outbox[0].subject == f"{desk.editor.byline} mentioned you on “{TITLE}”"
    assert "on paragraph 1: “First text.”" in str(mail.outbox[0].body)


def test_a_task_run_again_writes_to_nobody_twice(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    event = _event("brief.submit")
    failed: list[str] = []

    def flaky(*, to: list[str], **parts: Any) -> str:
        # The server drops the line once, at the second recipient.
        if len(mail.outbox) == 1 and not failed:
            failed.extend(to)
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return send_email(to=to, **parts)

    monkeypatch.setattr(notifications, "send_email", flaky)

    # Run eagerly, the task retries at once, as a worker would after its back-off.
    assert notify_brief_event.apply(args=[event.pk]).get() == len(desk.editors) - 1
    assert notify_brief_event.apply(args=[event.pk]).get() == 0

    sent_to = [address for message in mail.outbox for address in message.to]
    assert sorted(sent_to) == sorted(user.email for user in desk.editors)
    assert failed == [desk.editor.email]


# A real SMTP server (tests.smtp)


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    return text.get_content(), html.get_content()


def test_notifications_arrive_at_a_real_smtp_server(
    desk: Desk, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp_server
    link = f"{SITE}{reverse('admin:briefs_brief_change', args=[desk.brief.pk])}"
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    workflow.brief_request_changes(actor=desk.editor, brief=desk.brief, reason="Add the figures.")
    comment = comment_add(
        actor=desk.editor, brief=desk.brief, body="@Writer see the <table> & the sources."
    )

    notify_brief_event.apply(args=[_event("brief.submit").pk]).get()
    notify_brief_event.apply(args=[_event("brief.request_changes").pk]).get()
    notify_comment_mention.apply(args=[comment.pk]).get()

    inbox.wait_for(len(desk.editors) + 2 + 1)
    submitted = inbox.to(desk.editor2)
    assert subject_of(submitted) == f"For review: {TITLE}"
    assert submitted["To"] == desk.editor2.email
    assert submitted["Auto-Submitted"] == "auto-generated"
    assert submitted["References"] == f"<brief-{desk.brief.pk}@advisory.example.com>"
    assert submitted["Message-ID"].endswith("@advisory.example.com>")
    text, html = _parts(submitted)
    assert f"{desk.writer.byline} submitted “{TITLE}” for review (revision 1)." in text
    assert link in text
    assert f"“{TITLE.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}”" in html
    assert f'href="{link}"' in html

    changes = inbox.with_subject("Changes requested:")
    assert sorted(m["To"] for m in changes) == sorted([desk.writer.email, desk.chief.email])
    text, html = _parts(changes[0])
    assert "Add the figures." in text
    assert "Add the figures." in html

    [mention] = inbox.with_subject(f"{desk.editor.byline} mentioned you")
    assert mention["To"] == desk.writer.email
    text, html = _parts(mention)
    assert "@Writer see the <table> & the sources." in text
    assert "@Writer see the &lt;table&gt; &amp; the sources." in html
    assert f"{link}#comment-{comment.pk}" in text


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_notification(
    smtp_server: tuple[Inbox, int], queued: dict[str, list[int]]
) -> None:
    inbox, port = smtp_server
    desk = Desk()
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    [event_id] = queued["events"]

    environment = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "SITE_URL": SITE}
    with celery_workers(1, extra_env=environment) as queue:
        notify_brief_event.apply_async(args=[event_id], queue=queue)
        inbox.wait_for(len(desk.editors))

    assert sorted(rcpt for [rcpt], _ in inbox.received) == sorted(u.email for u in desk.editors)
    text, _ = _parts(inbox.to(desk.editor))
    assert f"{SITE}/admin/briefs/brief/{desk.brief.pk}/change/" in text

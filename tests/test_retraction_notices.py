"""A retraction reaches everyone a digest brought the brief to: once each, and nobody else."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from advisory.accounts.models import AccessTier, Role, User
from advisory.briefs.models import Brief
from advisory.digests.delivery import retraction_notices_deliver, run_deliver
from advisory.digests.models import (
    DeliveryStatus,
    RetractionNotice,
    Subscription,
    SubscriptionStatus,
)
from advisory.digests.services import Preferences, digest_runs_create, subscription_save
from advisory.workflow.models import AuditEvent
from advisory.workflow.services import brief_retract
from tests.factories import client_reader, published_brief, staff_user
from tests.smtp import SITE, Inbox, subject_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _subscribed(reader: User) -> Subscription:
    subscription = subscription_save(
        actor=reader, preferences=Preferences(frequency="daily", use_follows=False)
    )
    Subscription.objects.filter(pk=subscription.pk).update(
        watermark=timezone.now() - datetime.timedelta(hours=1)
    )
    subscription.refresh_from_db()
    return subscription


def _digest_sent(subscriptions: list[Subscription]) -> None:
    moment = max(s.next_due_at for s in subscriptions if s.next_due_at is not None)
    for run_id in digest_runs_create(now=moment):
        run_deliver(run_id=run_id)


def test_everyone_who_received_the_brief_is_told_once_and_nobody_else(
    smtp_server: tuple[Inbox, int], django_capture_on_commit_callbacks: Any
) -> None:
    inbox, _ = smtp_server
    received = [
        client_reader(username=f"reader{n}", email=f"reader{n}@example.com") for n in range(3)
    ]
    subscriptions = [_subscribed(reader) for reader in received]
    brief = published_brief(
        title="Kirkuk oil deal",
        access_tier=AccessTier.PUBLIC,
        published_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    _digest_sent(subscriptions)
    assert len(inbox.received) == 3
    # One of them has unsubscribed since: what they were sent was still wrong.
    subscriptions[2].status = SubscriptionStatus.UNSUBSCRIBED
    subscriptions[2].next_due_at = None
    subscriptions[2].save()
    # Subscribed after the digest went out: never received the brief.
    latecomer = _subscribed(client_reader(username="late", email="late@example.com"))
    inbox.received.clear()

    editor = staff_user(Role.EDITOR)
    with django_capture_on_commit_callbacks(execute=True):
        brief_retract(actor=editor, brief=brief, notice="Our source withdrew the account.")

    notices = RetractionNotice.objects.filter(brief=brief)
    assert notices.count() == 3
    assert set(notices.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert sorted(rcpt for rcpts, _ in inbox.received for rcpt in rcpts) == [
        "reader0@example.com",
        "reader1@example.com",
        "reader2@example.com",
    ]
    assert latecomer.email not in {rcpt for rcpts, _ in inbox.received for rcpt in rcpts}
    _, message = inbox.received[0]
    assert subject_of(message) == "Retracted: Kirkuk oil deal"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Our source withdrew the account." in text
    assert "Our source withdrew the account." in html
    link = f"{SITE}/briefs/{brief.slug}/"
    assert link in text
    page = Client().get(link.removeprefix(SITE)).content.decode()
    assert "Our source withdrew the account." in page
    event = AuditEvent.objects.get(verb="brief.retract")
    assert event.actor == editor and event.data["retraction_notices"] == 3

    # A second send of the same notices (a redelivered task, the beat's tick) mails nobody.
    assert retraction_notices_deliver(brief_id=brief.pk).sent == 0
    assert len(inbox.received) == 3


def test_a_refusing_server_leaves_the_notice_to_retry_and_it_is_sent_once(
    smtp_server: tuple[Inbox, int], django_capture_on_commit_callbacks: Any
) -> None:
    inbox, _ = smtp_server
    reader = client_reader(email="claire@example.com")
    subscription = _subscribed(reader)
    brief: Brief = published_brief(
        access_tier=AccessTier.PUBLIC,
        published_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    _digest_sent([subscription])
    inbox.received.clear()
    inbox.data_refusals.append("451 Try again later")
    with django_capture_on_commit_callbacks(execute=True):
        brief_retract(actor=staff_user(Role.EDITOR), brief=brief, notice="Withdrawn.")
    notice = RetractionNotice.objects.get()
    assert notice.status == DeliveryStatus.PENDING
    assert "451" in notice.last_error
    assert notice.next_attempt_at is not None
    assert inbox.received == []

    RetractionNotice.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now())
    assert retraction_notices_deliver(brief_id=brief.pk).sent == 1
    assert retraction_notices_deliver(brief_id=brief.pk).sent == 0
    assert [rcpts for rcpts, _ in inbox.received] == [["claire@example.com"]]


def test_a_brief_no_digest_carried_queues_no_notice(
    django_capture_on_commit_callbacks: Any,
) -> None:
    brief = published_brief(access_tier=AccessTier.PUBLIC)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        brief_retract(actor=staff_user(Role.EDITOR), brief=brief, notice="Withdrawn.")
    assert not RetractionNotice.objects.exists()
    assert AuditEvent.objects.get(verb="brief.retract").data["retraction_notices"] == 0
    assert all("retraction" not in repr(callback) for callback in callbacks)

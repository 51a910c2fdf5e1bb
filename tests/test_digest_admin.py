"""The desk's digest pages: runs with their counts and delivery log, a preview as any
subscriber, and a test sent to oneself, none of which touches the ledger."""

import datetime
from email.message import EmailMessage

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from advisory.accounts.models import AccessTier, Role, User
from advisory.digests.models import (
    Delivery,
    DeliveryStatus,
    DigestEdition,
    DigestRun,
    Frequency,
    Subscription,
    SubscriptionStatus,
)
from advisory.digests.services import Preferences, subscription_save
from advisory.entities.models import Region
from advisory.workflow.models import AuditEvent
from tests.factories import RegionFactory, client_reader, published_brief, staff_user
from tests.smtp import Inbox, subject_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

RUNS_URL = reverse("admin:digests_digestrun_changelist")
NOW = timezone.now()


def _external(number: int) -> Subscription:
    return Subscription.objects.create(
        email=f"subscriber{number}@example.com",
        frequency=Frequency.DAILY,
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=NOW,
        next_due_at=NOW,
    )


def _run(window_end: datetime.datetime, statuses: list[str], *, error: str = "") -> DigestRun:
    """A daily run with one delivery per status, each to a subscriber of its own."""
    run = DigestRun.objects.create(frequency=Frequency.DAILY, window_end=window_end)
    # What the sent ones carried: a sent delivery always records its briefs.
    edition = DigestEdition.objects.create(run=run, key=f"edition-of-run-{run.pk}")
    start = Subscription.objects.count()
    Delivery.objects.bulk_create(
        Delivery(
            run=run,
            subscription=_external(start + number),
            window_end=window_end,
            status=status,
            attempts=0 if status == DeliveryStatus.PENDING else 1,
            last_error=error if status == DeliveryStatus.FAILED else "",
            message_id=f"<digest.{run.pk}.{number}@advisory.example>",
            sent_at=window_end if status == DeliveryStatus.SENT else None,
            edition=edition if status == DeliveryStatus.SENT else None,
        )
        for number, status in enumerate(statuses)
    )
    return run


def _signed_in(client: Client, role: str = Role.DESK_ADMIN, **fields: object) -> User:
    user = staff_user(role, **{"username": "noor", "email": "noor@desk.example", **fields})
    client.force_login(user)
    return user


def test_a_desk_admin_sees_the_runs_newest_first_with_their_counts(client: Client) -> None:
    _signed_in(client)
    S, K, F, P = (
        DeliveryStatus.SENT,
        DeliveryStatus.SKIPPED,
        DeliveryStatus.FAILED,
        DeliveryStatus.PENDING,
    )
    older = _run(NOW - datetime.timedelta(days=1), [S, S, S, K])
    newer = _run(NOW, [S, K, F, F, P, DeliveryStatus.SENDING])

    response = client.get(RUNS_URL)

    assert response.status_code == 200
    counted = [
        (run.pk, run.due, run.sent, run.skipped, run.failed, run.pending)
        for run in response.context["cl"].result_list
    ]
    assert counted == [(newer.pk, 6, 1, 1, 2, 2), (older.pk, 4, 3, 1, 0, 0)]
    page = response.content.decode()
    for heading in ("Due", "Sent", "Skipped", "Failed", "Pending or sending"):
        assert f">{heading}<" in page


def test_the_run_list_takes_as_many_queries_for_thirty_runs_as_for_three(
    client: Client,
) -> None:
    _signed_in(client)
    statuses = [DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED]

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(RUNS_URL).status_code == 200
        return len(queries)

    for day in range(3):
        _run(NOW - datetime.timedelta(days=day), statuses)
    with_three = queries_for_list()
    for day in range(3, 30):
        _run(NOW - datetime.timedelta(days=day), statuses)
    assert DigestRun.objects.count() == 30
    assert queries_for_list() == with_three


def test_the_delivery_log_shows_each_recipient_and_the_errors(client: Client) -> None:
    _signed_in(client)
    run = _run(
        NOW,
        [DeliveryStatus.SENT, DeliveryStatus.FAILED, *[DeliveryStatus.SKIPPED] * 53],
        error="550 5.1.1 <subscriber1@example.com>: mailbox unavailable",
    )
    url = reverse("admin:digests_digestrun_change", args=[run.pk])

    first = client.get(url).content.decode()
    assert "Delivery log" in first
    assert "subscriber0@example.com" in first and "subscriber1@example.com" in first
    assert "550 5.1.1 &lt;subscriber1@example.com&gt;: mailbox unavailable" in first
    assert f"&lt;digest.{run.pk}.0@advisory.example&gt;" in first
    assert "Page 1 of 2 (55 deliveries)" in first
    assert "subscriber54@example.com" not in first

    second = client.get(url, {"page": 2}).content.decode()
    assert "subscriber54@example.com" in second
    assert "subscriber0@example.com" not in second

    failed = client.get(url, {"status": DeliveryStatus.FAILED}).content.decode()
    assert "mailbox unavailable" in failed
    assert "subscriber0@example.com" not in failed
    assert "subscriber2@example.com" not in failed


def _reader_subscription() -> Subscription:
    """A standard-tier reader covering the Middle East, subscribed an hour ago, with one brief
    of each kind in the window: the one it may read, a premium one, one elsewhere, and one
    published before its window."""
    middle_east = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=middle_east)
    europe = Region.objects.create(name="Europe", slug="europe", kind="region")
    reader = client_reader(email="claire@example.com", display_name="Claire Dubois")
    reader.membership.organisation.regions.set([middle_east])
    subscription = subscription_save(
        actor=reader, preferences=Preferences(frequency=Frequency.DAILY, use_follows=False)
    )
    watermark = timezone.now() - datetime.timedelta(hours=1)
    Subscription.objects.filter(pk=subscription.pk).update(watermark=watermark)
    subscription.refresh_from_db()
    in_window = timezone.now() - datetime.timedelta(minutes=5)
    published_brief(title="Basra oil & the militias", regions=[iraq], published_at=in_window)
    published_brief(
        title="Premium on Baghdad",
        regions=[iraq],
        access_tier=AccessTier.PREMIUM,
        published_at=in_window,
    )
    published_brief(title="Paris elections", regions=[europe], published_at=in_window)
    published_brief(title="Before the window", regions=[iraq], published_at=watermark)
    return subscription


def _preview_url(subscription: Subscription) -> str:
    return reverse("admin:digests_subscription_preview", args=[subscription.pk])


def _send_test_url(subscription: Subscription) -> str:
    return reverse("admin:digests_subscription_send_test", args=[subscription.pk])


LEFT_OUT = ("Premium on Baghdad", "Paris elections", "Before the window")


def test_the_preview_shows_what_the_subscriber_may_read_and_writes_no_delivery(
    client: Client,
) -> None:
    subscription = _reader_subscription()
    _signed_in(client)
    changelist = client.get(reverse("admin:digests_subscription_changelist")).content.decode()
    assert _preview_url(subscription) in changelist

    response = client.get(_preview_url(subscription))

    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.subject.startswith("Daily digest")
    assert "Basra oil & the militias" in preview.text
    assert "Basra oil &amp; the militias" in preview.html
    for title in LEFT_OUT:
        assert title not in preview.text and title not in preview.html
    page = response.content.decode()
    assert "<iframe" in page and "sandbox" in page and "srcdoc=" in page
    assert "Send a test to me (noor@desk.example)" in page
    assert not Delivery.objects.exists()
    assert not DigestRun.objects.exists()
    subscription.refresh_from_db()
    assert subscription.watermark is not None
    assert subscription.watermark < timezone.now() - datetime.timedelta(minutes=30)


def test_the_preview_says_when_there_is_nothing_new(client: Client) -> None:
    reader = client_reader(email="claire@example.com")
    subscription = subscription_save(actor=reader, preferences=Preferences(frequency="daily"))
    _signed_in(client)

    page = client.get(_preview_url(subscription)).content.decode()

    assert "Nothing new for this subscriber" in page
    assert "<iframe" not in page
    assert "Send a test" not in page


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    return text.get_content(), html.get_content()


def test_send_test_mails_the_preview_to_the_staff_member_only(
    client: Client, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp_server
    subscription = _reader_subscription()
    admin = _signed_in(client)

    response = client.post(_send_test_url(subscription))

    assert response.status_code == 302
    assert response["Location"] == _preview_url(subscription)
    inbox.wait_for(1)
    [(recipients, message)] = inbox.received
    assert recipients == ["noor@desk.example"]
    assert subject_of(message).startswith("[Test] Daily digest")
    text, html = _parts(message)
    assert "Basra oil & the militias" in text
    assert "Basra oil &amp; the militias" in html
    for title in LEFT_OUT:
        assert title not in text and title not in html
    # A mail client's unsubscribe button would act for the subscriber, not the tester.
    assert message["List-Unsubscribe"] is None
    assert not Delivery.objects.exists()
    [event] = AuditEvent.objects.filter(verb="digest.test_sent")
    assert event.actor == admin
    assert event.target_id == str(subscription.pk)
    assert event.data["to"] == "noor@desk.example"
    followed = client.get(response["Location"]).content.decode()
    assert "Test sent to noor@desk.example." in followed


def test_send_test_is_refused_to_a_staff_member_without_an_email_address(
    client: Client,
) -> None:
    subscription = _reader_subscription()
    _signed_in(client, email="")

    preview = client.get(_preview_url(subscription)).content.decode()
    assert "Your account has no email address" in preview
    response = client.post(_send_test_url(subscription), follow=True)

    assert "Add an email address to your account to get a test." in response.content.decode()
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(verb="digest.test_sent").exists()


def test_send_test_answers_post_only(client: Client) -> None:
    subscription = _reader_subscription()
    _signed_in(client)

    assert client.get(_send_test_url(subscription)).status_code == 405
    assert mail.outbox == []


def test_a_client_reader_gets_neither_the_pages_nor_a_test(client: Client) -> None:
    subscription = _reader_subscription()
    client.force_login(subscription.user)

    for response in (
        client.get(RUNS_URL),
        client.get(_preview_url(subscription)),
        client.post(_send_test_url(subscription)),
    ):
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert mail.outbox == []


def test_an_editor_may_look_but_not_send_a_test(client: Client) -> None:
    subscription = _reader_subscription()
    _signed_in(client, Role.EDITOR)

    assert client.get(RUNS_URL).status_code == 200
    page = client.get(_preview_url(subscription)).content.decode()
    assert "Basra oil &amp;amp; the militias" in page
    assert "Send a test" not in page
    assert client.post(_send_test_url(subscription)).status_code == 403
    assert mail.outbox == []


def test_a_desk_admin_unsubscribes_through_the_service(client: Client) -> None:
    subscription = _reader_subscription()
    admin = _signed_in(client)

    client.post(
        reverse("admin:digests_subscription_changelist"),
        {"action": "unsubscribe_selected", "_selected_action": [subscription.pk]},
    )

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert subscription.next_due_at is None
    assert AuditEvent.objects.filter(
        verb="subscription.unsubscribed", actor=admin, target_id=str(subscription.pk)
    ).exists()

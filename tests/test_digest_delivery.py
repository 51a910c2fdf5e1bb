"""Sending digests through the ledger to a real SMTP server: each subscriber exactly once."""

import datetime
import os
import re
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from advisory.accounts.models import AccessTier, User
from advisory.digests.delivery import run_deliver
from advisory.digests.models import (
    Delivery,
    DeliveryStatus,
    DigestRun,
    Frequency,
    Subscription,
    SubscriptionStatus,
)
from advisory.digests.services import (
    LEASE,
    Preferences,
    deliveries_claim,
    deliveries_reclaim_stale,
    digest_runs_create,
    subscription_save,
)
from advisory.digests.tasks import send_digest_run
from advisory.entities.models import Region
from advisory.lib.smtp import HandoverAbandoned, SmtpSession
from tests.celery_workers import celery_workers, worker_environment, worker_start
from tests.factories import RegionFactory, client_reader, published_brief
from tests.smtp import SITE, Inbox

pytestmark = [pytest.mark.postgres]


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    return text.get_content(), html.get_content()


def _due_run(subscription: Subscription) -> DigestRun:
    assert subscription.next_due_at is not None
    [run_id] = digest_runs_create(now=subscription.next_due_at)
    return DigestRun.objects.get(pk=run_id)


def _subscribed(reader: User, **preferences: object) -> Subscription:
    """Subscribed an hour ago, so that what is published now falls in its first window."""
    subscription = subscription_save(
        actor=reader,
        preferences=Preferences(**{"frequency": "daily", **preferences}),
    )
    Subscription.objects.filter(pk=subscription.pk).update(
        watermark=timezone.now() - datetime.timedelta(hours=1)
    )
    subscription.refresh_from_db()
    return subscription


def _published_in_window(subscription: Subscription, **fields: object) -> None:
    published_brief(published_at=timezone.now() - datetime.timedelta(minutes=5), **fields)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_digest_arrives_with_what_the_reader_may_read_and_works_from_the_inbox(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    middle_east = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=middle_east)
    europe = Region.objects.create(name="Europe", slug="europe", kind="region")
    reader = client_reader(email="claire@example.com", display_name="Claire Dubois")
    reader.membership.organisation.regions.set([middle_east])
    subscription = _subscribed(reader, use_follows=False)
    _published_in_window(subscription, title="Basra oil & <the> militias", regions=[iraq])
    _published_in_window(subscription, title="Premium on Baghdad", access_tier=AccessTier.PREMIUM)
    _published_in_window(subscription, title="Paris elections", regions=[europe])
    published_brief(title="Before the window", published_at=subscription.watermark)

    run = _due_run(subscription)
    # Sent by a real worker on the Redis broker, as in production.
    with celery_workers(
        1, extra_env={"EMAIL_URL": f"smtp://127.0.0.1:{port}", "SITE_URL": SITE}
    ) as queue:
        send_digest_run.apply_async((run.pk,), queue=queue)
        inbox.wait_for(1)
    [(recipients, message)] = inbox.received
    delivery = Delivery.objects.get()
    assert recipients == ["claire@example.com"]
    assert message["Message-ID"] == delivery.message_id
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"].endswith(f"<daily.digests.{SITE.removeprefix('https://')}>")
    # A long header is folded across lines; the address itself holds no space.
    unsubscribe_header = "".join(str(message["List-Unsubscribe"]).split())
    unsubscribe_url = re.fullmatch(r"<(https://[^>]+)>", unsubscribe_header)
    assert unsubscribe_url is not None
    text, html = _parts(message)
    assert "Basra oil & <the> militias" in text
    assert "Basra oil &amp; &lt;the&gt; militias" in html
    for left_out in ("Premium on Baghdad", "Paris elections", "Before the window"):
        assert left_out not in text and left_out not in html
    assert "Claire Dubois" in text
    assert 'style="' in html and "<link" not in html

    assert delivery.status == DeliveryStatus.SENT
    assert delivery.edition is not None
    assert list(delivery.edition.briefs.values_list("title", flat=True)) == [
        "Basra oil & <the> militias"
    ]

    # Every link resolves in the portal for this reader.
    client = Client()
    client.force_login(reader)
    links = set(re.findall(r'href="(https://[^"]+)"', html))
    assert links
    for link in links:
        path = link.removeprefix(SITE)
        response = client.get(path)
        assert response.status_code == 200, link

    # One click, no sign-in, no redirect, both encodings.
    path = unsubscribe_url.group(1).removeprefix(SITE)
    response = Client().post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    again = Client().post(path, {"List-Unsubscribe": "One-Click"})  # multipart/form-data
    assert again.status_code == 200


@pytest.mark.django_db
def test_a_get_on_the_unsubscribe_link_changes_nothing_and_a_forged_token_is_refused() -> None:
    reader = client_reader(email="claire@example.com")
    subscription = _subscribed(reader)
    from advisory.digests.selectors import subscription_token

    token = subscription_token(subscription)
    assert Client().get(f"/digests/unsubscribe/{token}/").status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().post(f"/digests/unsubscribe/{forged}/").status_code == 404
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE


@pytest.mark.django_db
def test_nothing_new_means_no_email(smtp_server: tuple[Inbox, int]) -> None:
    inbox, _ = smtp_server
    reader = client_reader(email="claire@example.com")
    subscription = _subscribed(reader)
    run = _due_run(subscription)
    assert run_deliver(run_id=run.pk).skipped == 1
    assert Delivery.objects.get().status == DeliveryStatus.SKIPPED
    time.sleep(0.5)
    assert inbox.received == []


@pytest.mark.django_db
def test_a_server_refusing_for_a_while_gets_the_message_once_in_the_end(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp_server
    inbox.data_refusals = ["451 4.3.0 Try again later"] * 2
    reader = client_reader(email="claire@example.com")
    subscription = _subscribed(reader)
    _published_in_window(subscription, access_tier=AccessTier.PUBLIC)
    run = _due_run(subscription)

    assert run_deliver(run_id=run.pk).failed == 1
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now()
    assert "451" in delivery.last_error
    assert run_deliver(run_id=run.pk).failed == 0, "not before its retry time"

    for _ in range(2):
        Delivery.objects.update(next_attempt_at=timezone.now())
        run_deliver(run_id=run.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 3)
    inbox.wait_for(1)
    assert [m["Message-ID"] for _, m in inbox.received] == [delivery.message_id]


@pytest.mark.django_db
def test_hard_bounces_are_recorded_and_repeated_ones_suppress_the_subscription(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp_server
    inbox.rcpt_refusals = ["550 5.1.1 No such user"] * 3
    reader = client_reader(email="gone@example.com")
    subscription = _subscribed(reader)
    _published_in_window(subscription, access_tier=AccessTier.PUBLIC)
    for attempt in range(3):
        # Three days squeezed into the last hour: each window holds the brief once.
        Subscription.objects.filter(pk=subscription.pk).update(
            watermark=timezone.now() - datetime.timedelta(hours=1, minutes=attempt),
            next_due_at=timezone.now() - datetime.timedelta(seconds=30 - attempt),
        )
        subscription.refresh_from_db()
        run_deliver(run_id=_due_run(subscription).pk)
    statuses = list(Delivery.objects.values_list("status", flat=True))
    assert statuses == [DeliveryStatus.FAILED] * 3
    subscription.refresh_from_db()
    assert subscription.hard_bounces == 3
    assert subscription.status == SubscriptionStatus.SUPPRESSED
    assert digest_runs_create(now=timezone.now() + datetime.timedelta(days=5)) == []


@pytest.mark.django_db
def test_a_worker_whose_claim_was_taken_over_sends_nothing(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp_server
    reader = client_reader(email="claire@example.com")
    subscription = _subscribed(reader)
    run = _due_run(subscription)
    [slow] = deliveries_claim(run_id=run.pk)
    # The slow worker's lease runs out; another takes the row over.
    assert deliveries_reclaim_stale(now=timezone.now() + LEASE + datetime.timedelta(seconds=1))
    [fast] = deliveries_claim(run_id=run.pk)
    assert fast.claim_token != slow.claim_token

    from advisory.digests.services import deliveries_sent

    with SmtpSession() as session, pytest.raises(HandoverAbandoned):
        session.handover(
            sender="desk@advisory.example.com",
            recipients=["claire@example.com"],
            data=b"Subject: late\r\n\r\nThe slow worker's copy.\r\n",
            commit_point=lambda finish: bool(deliveries_sent(sent=[(slow, [])])),
        )
    time.sleep(0.5)
    assert inbox.received == [], "the server discards a message whose DATA never ended"
    assert Delivery.objects.get().status == DeliveryStatus.SENDING


@pytest.mark.django_db
def test_a_connection_failure_before_the_commit_point_leaves_the_row_to_retry(
    settings: SettingsWrapper,
) -> None:
    reader = client_reader(email="claire@example.com")
    subscription = _subscribed(reader)
    _published_in_window(subscription, access_tier=AccessTier.PUBLIC)
    run = _due_run(subscription)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    settings.EMAIL_TIMEOUT = 2
    assert run_deliver(run_id=run.pk).failed == 1
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at is not None


# The fault test: a worker killed in the middle of a run.

SUBSCRIBERS = 2000


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_leaves_nobody_mailed_twice_or_missed(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    now = timezone.now()
    published_brief(access_tier=AccessTier.PUBLIC, published_at=now - datetime.timedelta(hours=1))
    due = now - datetime.timedelta(minutes=1)
    Subscription.objects.bulk_create(
        Subscription(
            email=f"subscriber{n}@example.com",
            frequency=Frequency.DAILY,
            status=SubscriptionStatus.ACTIVE,
            confirmed_at=now - datetime.timedelta(days=2),
            watermark=now - datetime.timedelta(days=1),
            next_due_at=due,
            use_follows=False,
        )
        for n in range(SUBSCRIBERS)
    )
    [run_id] = digest_runs_create(now=now)
    assert Delivery.objects.filter(run_id=run_id).count() == SUBSCRIBERS

    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = worker_environment({"EMAIL_URL": f"smtp://127.0.0.1:{port}", "SITE_URL": SITE})
    from advisory.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    doomed = worker_start(queue, concurrency=2, env=env, name=f"{queue}-doomed")
    survivor = None
    try:
        for _ in range(2):
            send_digest_run.apply_async((run_id,), queue=queue)
        deadline = time.monotonic() + 120
        while len(inbox.received) < SUBSCRIBERS // 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=30)
        received_at_kill = len(inbox.received)
        assert 0 < received_at_kill < SUBSCRIBERS, "the kill must land mid-run"
        left_sending = Delivery.objects.filter(status=DeliveryStatus.SENDING).count()

        # What the beat's tick does once the dead worker's lease has run out.
        deliveries_reclaim_stale(now=timezone.now() + LEASE + datetime.timedelta(seconds=1))
        survivor = worker_start(queue, concurrency=2, env=env, name=f"{queue}-survivor")
        send_digest_run.apply_async((run_id,), queue=queue)
        deadline = time.monotonic() + 300
        while (
            Delivery.objects.filter(run_id=run_id, status=DeliveryStatus.SENT).count() < SUBSCRIBERS
            and time.monotonic() < deadline
        ):
            time.sleep(0.5)
        time.sleep(1)
    finally:
        celery_app.conf.task_always_eager = eager
        for worker in (doomed, survivor):
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)

    per_recipient = Counter(rcpt for recipients, _ in inbox.received for rcpt in recipients)
    twice = {address: n for address, n in per_recipient.items() if n > 1}
    missing = {f"subscriber{n}@example.com" for n in range(SUBSCRIBERS)} - set(per_recipient)
    print(f"killed after {received_at_kill} messages, {left_sending} rows left sending")
    assert twice == {}
    assert missing == set()
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == SUBSCRIBERS


# Choosing each delivery's briefs costs a fixed number of queries per chunk.


def _chunk_queries(readers: int, *, organisations: int) -> tuple[int, list[int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from advisory.accounts.models import Role
    from advisory.accounts.services import membership_assign
    from advisory.digests.selectors import deliveries_publications
    from tests.factories import OrganisationFactory, UserFactory

    region = RegionFactory()
    for n in range(organisations):
        organisation = OrganisationFactory(seats=readers)
        organisation.regions.set([region])
        for m in range(readers // organisations):
            user = UserFactory(username=f"r{readers}-{n}-{m}", email=f"r{readers}-{n}-{m}@ex.com")
            membership_assign(
                actor=None, user=user, organisation=organisation, role=Role.CLIENT_READER
            )
            _subscribed(user)
    # As after a first run: everyone's window starts where the last one ended.
    Subscription.objects.update(watermark=timezone.now() - datetime.timedelta(hours=1))
    published_brief(regions=[region], published_at=timezone.now() - datetime.timedelta(minutes=5))
    due = Subscription.objects.order_by("next_due_at").last()
    assert due is not None and due.next_due_at is not None
    [run_id] = digest_runs_create(now=due.next_due_at)
    claimed = deliveries_claim(run_id=run_id, limit=readers)
    with CaptureQueriesContext(connection) as queries:
        chosen = deliveries_publications(claimed)
    return len(queries.captured_queries), [len(briefs) for briefs in chosen.values()]


@pytest.mark.django_db
def test_a_chunk_of_fifty_readers_costs_the_queries_of_a_chunk_of_five() -> None:
    five, chosen_five = _chunk_queries(5, organisations=1)
    Subscription.objects.all().delete()
    fifty, chosen_fifty = _chunk_queries(50, organisations=1)
    assert chosen_five == [1] * 5
    # The first chunk's brief is outside the second's window: each reader gets one brief.
    assert chosen_fifty == [1] * 50
    assert fifty == five


def test_a_group_shares_one_commit_point_and_only_what_it_recorded_is_delivered(
    smtp_server: tuple[Inbox, int],
) -> None:
    from advisory.lib.smtp import SmtpPool

    inbox, _ = smtp_server
    inbox.rcpt_refusals.append("550 No such user")
    messages = [
        (
            n,
            "desk@advisory.example.com",
            [f"r{n}@example.com"],
            f"Subject: {n}\r\n\r\nHi\r\n".encode(),
        )
        for n in range(4)
    ]
    seen: list[list[int]] = []

    def commit_point(keys: list[int], finish: Callable[[set[int]], set[int]]) -> set[int]:
        seen.append(keys)
        recorded = {key for key in keys if key != 2}
        # The final dots go out inside the commit point, before it returns.
        assert finish(recorded) == set()
        return recorded

    with SmtpPool(4) as pool:
        outcome = pool.handover_many(messages, commit_point=commit_point)
    # The first is refused before the commit point; the third is declined by it.
    assert seen == [[1, 2, 3]]
    assert isinstance(outcome.pop(0), Exception)
    assert outcome == {1: None, 3: None}
    time.sleep(0.5)
    assert sorted(rcpt for rcpts, _ in inbox.received for rcpt in rcpts) == [
        "r1@example.com",
        "r3@example.com",
    ]


@pytest.mark.django_db
def test_the_workers_encoded_email_is_the_one_the_preview_shows(
    settings: SettingsWrapper,
) -> None:
    from email import message_from_bytes, policy

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from advisory.digests.compose import DigestComposer, digest_message
    from advisory.digests.selectors import deliveries_publications

    settings.SITE_URL = SITE
    reader = client_reader(email="zoe@example.com", display_name="Zoë Ávila")
    subscription = _subscribed(reader)
    _published_in_window(subscription, title="Basra oil & <the> militias")
    _published_in_window(subscription, title=".Dots and =equals= at the start")
    run = _due_run(subscription)
    [delivery] = deliveries_claim(run_id=run.pk)
    chosen = deliveries_publications([delivery])[delivery.pk]

    with CaptureQueriesContext(connection) as queries:
        composed = DigestComposer().message(delivery=delivery, publications=chosen)
    assert queries.captured_queries == [], "a claim loads all that composing reads"
    django_message = digest_message(delivery=delivery, publications=chosen)
    assert composed is not None and django_message is not None
    data, brief_ids = composed
    assert brief_ids == django_message.brief_ids
    wire = message_from_bytes(data, policy=policy.default)
    assert isinstance(wire, EmailMessage)
    expected = django_message.email
    [(expected_html, _)] = expected.alternatives
    for header in ("Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert wire[header] == expected.extra_headers[header], header
    assert wire["Subject"] == expected.subject
    assert wire["To"] == "zoe@example.com"
    text, html = _parts(wire)
    assert text.replace("\r\n", "\n") == expected.body
    assert html.replace("\r\n", "\n") == str(expected_html).replace("\r\n", "\n")
    assert "Zoë Ávila" in text

"""Subscriptions, their schedule, and the beat's tick that creates runs and the ledger."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from advisory.accounts.models import AccessTier
from advisory.briefs.models import BriefKind
from advisory.digests.models import (
    Delivery,
    DeliveryStatus,
    DigestRun,
    Frequency,
    Subscription,
    SubscriptionStatus,
)
from advisory.digests.schedule import next_delivery_after
from advisory.digests.services import (
    Preferences,
    digest_runs_create,
    subscription_save,
    subscription_unsubscribe,
)
from tests.factories import client_reader, published_brief

pytestmark = [pytest.mark.postgres]

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_delivery_is_at_the_local_time_in_the_subscribers_timezone() -> None:
    due = next_delivery_after(
        at("2026-11-22 09:00"),
        frequency=Frequency.DAILY,
        delivery_time=datetime.time(7, 30),
        timezone="Asia/Baghdad",  # UTC+3
        weekday=0,
    )
    assert due == at("2026-11-23 04:30")


def test_weekly_delivery_waits_for_its_weekday() -> None:
    due = next_delivery_after(
        at("2026-11-22 09:00"),  # a Sunday
        frequency=Frequency.WEEKLY,
        delivery_time=datetime.time(8, 0),
        timezone="Europe/London",
        weekday=2,
    )
    assert due == at("2026-11-25 08:00")


def test_delivery_time_follows_the_clock_change() -> None:
    before = next_delivery_after(
        at("2026-03-27 12:00"),
        frequency=Frequency.DAILY,
        delivery_time=datetime.time(7, 0),
        timezone="Europe/London",
        weekday=0,
    )
    after = next_delivery_after(
        before,
        frequency=Frequency.DAILY,
        delivery_time=datetime.time(7, 0),
        timezone="Europe/London",
        weekday=0,
    )
    assert before == at("2026-03-28 07:00")  # GMT
    assert next_delivery_after(
        after,
        frequency=Frequency.DAILY,
        delivery_time=datetime.time(7, 0),
        timezone="Europe/London",
        weekday=0,
    ) == at("2026-03-30 06:00")  # BST: 07:00 local is 06:00 UTC


@pytest.mark.django_db
def test_a_bad_timezone_is_refused_and_nothing_is_saved() -> None:
    reader = client_reader(email="claire@example.com")
    with pytest.raises(ValidationError, match="not a timezone"):
        subscription_save(
            actor=reader, preferences=Preferences(frequency="daily", timezone="Mars/Olympus")
        )
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_saving_again_changes_the_subscription_rather_than_adding_one() -> None:
    reader = client_reader(email="claire@example.com")
    subscription_save(actor=reader, preferences=Preferences(frequency="daily"))
    changed = subscription_save(
        actor=reader,
        preferences=Preferences(frequency="daily", delivery_time=datetime.time(18, 0)),
    )
    assert Subscription.objects.count() == 1
    assert changed.delivery_time == datetime.time(18, 0)
    assert changed.status == SubscriptionStatus.ACTIVE


def _subscribed(username: str, **preferences: object) -> Subscription:
    reader = client_reader(username=username, email=f"{username}@example.com")
    return subscription_save(
        actor=reader,
        preferences=Preferences(**{"frequency": "daily", **preferences}),
    )


@pytest.mark.django_db
def test_the_tick_creates_one_run_with_one_delivery_per_due_subscriber() -> None:
    first = _subscribed("first")
    second = _subscribed("second")
    due = first.next_due_at
    assert due is not None and second.next_due_at == due

    assert digest_runs_create(now=due - datetime.timedelta(minutes=1)) == []
    runs = digest_runs_create(now=due + datetime.timedelta(seconds=5))
    assert len(runs) == 1
    run = DigestRun.objects.get()
    assert run.window_end == due
    assert set(run.deliveries.values_list("subscription", "status")) == {
        (first.pk, DeliveryStatus.PENDING),
        (second.pk, DeliveryStatus.PENDING),
    }
    first.refresh_from_db()
    assert first.watermark == due
    assert first.next_due_at == due + datetime.timedelta(days=1)


@pytest.mark.django_db
def test_a_second_tick_for_the_same_window_creates_nothing() -> None:
    subscription = _subscribed("reader")
    due = subscription.next_due_at
    assert due is not None
    digest_runs_create(now=due)
    assert digest_runs_create(now=due) == []
    assert digest_runs_create(now=due + datetime.timedelta(seconds=59)) == []
    assert Delivery.objects.count() == 1


@pytest.mark.django_db
def test_windows_follow_each_other_without_gap_or_overlap() -> None:
    subscription = _subscribed("reader")
    created = subscription.watermark
    first_due = subscription.next_due_at
    assert first_due is not None
    digest_runs_create(now=first_due)
    digest_runs_create(now=first_due + datetime.timedelta(days=1))
    windows = list(
        Delivery.objects.order_by("window_end").values_list("window_start", "window_end")
    )
    assert windows == [
        (created, first_due),
        (first_due, first_due + datetime.timedelta(days=1)),
    ]


@pytest.mark.django_db
def test_missed_windows_are_covered_by_one_delivery() -> None:
    subscription = _subscribed("reader")
    due = subscription.next_due_at
    assert due is not None
    three_days_late = due + datetime.timedelta(days=3, hours=1)
    digest_runs_create(now=three_days_late)
    delivery = Delivery.objects.get()
    assert (delivery.window_start, delivery.window_end) == (subscription.watermark, due)
    subscription.refresh_from_db()
    assert subscription.watermark == due
    assert subscription.next_due_at is not None
    assert subscription.next_due_at > three_days_late
    digest_runs_create(now=subscription.next_due_at)
    assert Delivery.objects.count() == 2
    assert Delivery.objects.order_by("window_end").last().window_start == due


@pytest.mark.django_db
def test_an_unsubscribed_reader_is_left_out_of_the_next_run() -> None:
    subscription = _subscribed("reader")
    due = subscription.next_due_at
    assert due is not None
    subscription_unsubscribe(actor=None, subscription=subscription)
    subscription_unsubscribe(actor=None, subscription=subscription)
    assert digest_runs_create(now=due) == []


@pytest.mark.django_db
def test_immediate_alerts_wait_for_a_flash_brief() -> None:
    subscription = _subscribed("reader", frequency=Frequency.IMMEDIATE)
    start = subscription.watermark
    assert start is not None
    published_brief(kind=BriefKind.ANALYSIS, published_at=start + datetime.timedelta(minutes=1))
    assert digest_runs_create(now=start + datetime.timedelta(minutes=5)) == []

    published_brief(
        kind=BriefKind.FLASH_ALERT,
        access_tier=AccessTier.PUBLIC,
        published_at=start + datetime.timedelta(minutes=6),
    )
    tick = start + datetime.timedelta(minutes=7)
    assert len(digest_runs_create(now=tick)) == 1
    assert digest_runs_create(now=tick + datetime.timedelta(seconds=30)) == []
    assert digest_runs_create(now=tick + datetime.timedelta(minutes=5)) == []
    assert Delivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_ticks_racing_each_other_create_each_delivery_once() -> None:
    subscriptions = [_subscribed(f"reader{n}") for n in range(40)]
    due = subscriptions[0].next_due_at
    assert due is not None
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def tick() -> None:
        try:
            barrier.wait()
            digest_runs_create(now=due)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DigestRun.objects.count() == 1
    assert Delivery.objects.count() == 40
    assert Subscription.objects.filter(watermark=due).count() == 40

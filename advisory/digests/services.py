"""Subscriptions and the runs that the beat creates for them."""

import datetime
import hashlib
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from advisory.accounts.models import User
from advisory.briefs.models import Brief, BriefKind, Publication
from advisory.digests.compose import digest_preview
from advisory.digests.models import (
    Delivery,
    DeliveryStatus,
    DigestEdition,
    DigestRun,
    Frequency,
    RetractionNotice,
    Subscription,
    SubscriptionStatus,
)
from advisory.digests.schedule import next_delivery_after, timezone_valid
from advisory.digests.selectors import ClaimedDelivery, Recipient
from advisory.entities.models import Entity, Region
from advisory.lib.email import absolute_url, render_email, send_email, site_domain
from advisory.lib.sql import column_in, commit_without_disk_wait, id_array
from advisory.ops.queueing import task_enqueue_on_commit
from advisory.workflow.services import audit_event_record


@dataclass(frozen=True)
class Preferences:
    """What a subscriber chooses; the same for a portal reader and an external subscriber."""

    frequency: str
    delivery_time: datetime.time = datetime.time(7, 0)
    timezone: str = "Europe/London"
    weekday: int = 0
    kinds: Sequence[str] = ()
    use_follows: bool = True
    regions: Iterable[Region] = ()
    tags: Iterable[Tag] = ()
    entities: Iterable[Entity] = ()


def _preferences_checked(preferences: Preferences) -> None:
    errors: dict[str, str] = {}
    if preferences.frequency not in Frequency.values:
        errors["frequency"] = "Choose immediate alerts, a daily or a weekly digest."
    if not timezone_valid(preferences.timezone):
        errors["timezone"] = f"“{preferences.timezone}” is not a timezone we know."
    if not 0 <= preferences.weekday <= 6:
        errors["weekday"] = "Choose a day of the week."
    unknown = sorted(set(preferences.kinds) - set(BriefKind.values))
    if unknown:
        errors["kinds"] = f"Unknown kind of brief: {', '.join(unknown)}."
    if errors:
        raise ValidationError(errors)


def _apply(subscription: Subscription, preferences: Preferences) -> None:
    subscription.frequency = preferences.frequency
    subscription.delivery_time = preferences.delivery_time
    subscription.timezone = preferences.timezone
    subscription.weekday = preferences.weekday
    subscription.kinds = sorted(set(preferences.kinds))
    subscription.use_follows = preferences.use_follows


def _schedule_from(subscription: Subscription, moment: datetime.datetime) -> None:
    subscription.next_due_at = next_delivery_after(
        moment,
        frequency=subscription.frequency,
        delivery_time=subscription.delivery_time,
        timezone=subscription.timezone,
        weekday=subscription.weekday,
    )


def _relations_set(subscription: Subscription, preferences: Preferences) -> None:
    subscription.regions.set(list(preferences.regions))
    subscription.tags.set(list(preferences.tags))
    subscription.entities.set(list(preferences.entities))


@transaction.atomic
def subscription_save(*, actor: User, preferences: Preferences) -> Subscription:
    """A portal reader subscribes, or changes the subscription of that frequency.

    The reader's address is the account's, so there is nothing to confirm: it is active at
    once, and its first window starts now (no back catalogue lands in the first email).
    """
    _preferences_checked(preferences)
    if not actor.email:
        raise ValidationError({"email": "Add an email address to your account first."})
    now = timezone.now()
    subscription = (
        Subscription.objects.select_for_update()
        .filter(user=actor, frequency=preferences.frequency)
        .first()
    )
    created = subscription is None
    if subscription is None:
        subscription = Subscription(user=actor, watermark=now)
    _apply(subscription, preferences)
    subscription.email = actor.email
    if subscription.status != SubscriptionStatus.ACTIVE:
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.confirmed_at = subscription.confirmed_at or now
        subscription.unsubscribed_at = None
        subscription.watermark = max(subscription.watermark or now, now)
    _schedule_from(subscription, now)
    subscription.full_clean(exclude=["user"])
    subscription.save()
    _relations_set(subscription, preferences)
    audit_event_record(
        actor=actor,
        verb="subscription.created" if created else "subscription.updated",
        target=subscription,
        data={"frequency": subscription.frequency, "next_due_at": subscription.next_due_at},
    )
    return subscription


@transaction.atomic
def subscription_preferences_change(
    *, actor: User | None, subscription: Subscription, preferences: Preferences
) -> Subscription:
    """Change when and what a subscription sends (from its preference page); its frequency
    and address stay. The next delivery is scheduled from now with the new settings."""
    _preferences_checked(preferences)
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if preferences.frequency != subscription.frequency:
        raise ValidationError({"frequency": "A subscription keeps its frequency."})
    _apply(subscription, preferences)
    if subscription.status == SubscriptionStatus.ACTIVE:
        _schedule_from(subscription, timezone.now())
    subscription.save()
    _relations_set(subscription, preferences)
    audit_event_record(
        actor=actor,
        verb="subscription.updated",
        target=subscription,
        data={"next_due_at": subscription.next_due_at},
    )
    return subscription


@transaction.atomic
def subscription_unsubscribe(*, actor: User | None, subscription: Subscription) -> Subscription:
    """Stop at once: no run created after this includes the subscriber. Idempotent."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.status == SubscriptionStatus.UNSUBSCRIBED:
        return subscription
    subscription.status = SubscriptionStatus.UNSUBSCRIBED
    subscription.unsubscribed_at = timezone.now()
    subscription.next_due_at = None
    subscription.save(update_fields=["status", "unsubscribed_at", "next_due_at"])
    audit_event_record(actor=actor, verb="subscription.unsubscribed", target=subscription)
    return subscription


TEST_SUBJECT_PREFIX = "[Test] "


@transaction.atomic
def digest_test_send(*, actor: User, subscription: Subscription) -> str:
    """Mail the digest the subscriber would get now to the acting staff member; returns its
    Message-ID.

    The ledger is left alone: no delivery row, no watermark moved. The List-Unsubscribe
    headers are left out, since a mail client's unsubscribe button would act for the
    subscriber. A message the mail server refuses raises, and nothing is recorded.
    """
    if not actor.email:
        raise ValidationError({"email": "Add an email address to your account to get a test."})
    preview = digest_preview(subscription=subscription)
    if preview is None:
        raise ValidationError("Nothing new for this subscriber: there is nothing to send.")
    message_id = send_email(
        to=[actor.email],
        subject=f"{TEST_SUBJECT_PREFIX}{preview.subject}",
        text=preview.text,
        html=preview.html,
    )
    audit_event_record(
        actor=actor,
        verb="digest.test_sent",
        target=subscription,
        data={"to": actor.email, "briefs": list(preview.brief_ids), "message_id": message_id},
    )
    return message_id


RUN_BATCH = 2000


def digest_runs_create(*, now: datetime.datetime | None = None) -> list[int]:
    """Create the runs that are due and their pending deliveries; returns the runs' ids.

    This is all the beat's tick does: it sends nothing. Each batch of due subscriptions is
    taken under row locks (SKIP LOCKED, so overlapping ticks share the work), and in the same
    transaction gets its delivery rows and its next due time. A tick that comes again for the
    same window finds nothing due; the unique constraints make a second row impossible anyway.
    A subscriber whose windows were missed (the beat was down) gets one delivery covering them.
    """
    now = now or timezone.now()
    touched: set[int] = set()
    while True:
        with transaction.atomic():
            due = list(
                Subscription.objects.select_for_update(skip_locked=True)
                .filter(status=SubscriptionStatus.ACTIVE, next_due_at__lte=now)
                .exclude(frequency=Frequency.IMMEDIATE)
                .order_by("next_due_at", "pk")[:RUN_BATCH]
            )
            if not due:
                break
            touched |= _deliveries_create(due, now=now)
    touched |= _alerts_create(now=now)
    return sorted(touched)


def _deliveries_create(due: list[Subscription], *, now: datetime.datetime) -> set[int]:
    runs: dict[tuple[str, datetime.datetime], DigestRun] = {}
    deliveries = []
    for subscription in due:
        window_end = subscription.next_due_at
        assert window_end is not None
        key = (subscription.frequency, window_end)
        if key not in runs:
            runs[key], _ = DigestRun.objects.get_or_create(
                frequency=subscription.frequency, window_end=window_end
            )
        deliveries.append(
            Delivery(
                run=runs[key],
                subscription=subscription,
                window_start=subscription.watermark,
                window_end=window_end,
            )
        )
        subscription.watermark = window_end
        _schedule_from(subscription, max(window_end, now))
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    # Subscribers on the same schedule move together: one UPDATE for each, where bulk_update
    # would write a CASE per row and field.
    moved: dict[tuple[datetime.datetime | None, datetime.datetime | None], list[int]] = defaultdict(
        list
    )
    for subscription in due:
        moved[(subscription.watermark, subscription.next_due_at)].append(subscription.pk)
    for (watermark, next_due_at), ids in moved.items():
        Subscription.objects.filter(pk__in=ids).update(watermark=watermark, next_due_at=next_due_at)
    return {run.pk for run in runs.values()}


def _alerts_create(*, now: datetime.datetime) -> set[int]:
    """Immediate alerts: a delivery only for subscribers with a flash brief new to them."""
    window_end = now.replace(second=0, microsecond=0)
    latest_flash = (
        Publication.objects.filter(kind=BriefKind.FLASH_ALERT, visible_at__lte=window_end)
        .order_by("-visible_at")
        .values_list("visible_at", flat=True)
        .first()
    )
    if latest_flash is None:
        return set()
    with transaction.atomic():
        waiting = list(
            Subscription.objects.select_for_update(skip_locked=True).filter(
                status=SubscriptionStatus.ACTIVE,
                frequency=Frequency.IMMEDIATE,
                watermark__lt=latest_flash,
            )[:RUN_BATCH]
        )
        if not waiting:
            return set()
        for subscription in waiting:
            subscription.next_due_at = window_end
        return _deliveries_create(waiting, now=now)


# The ledger. These run in workers, not on behalf of a user: the ledger rows are their record.

CLAIM_CHUNK = 200
LEASE = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 6
_jitter = random.SystemRandom()
HARD_BOUNCES_BEFORE_SUPPRESSION = 3


Claimable = TypeVar("Claimable", Delivery, RetractionNotice)


def _claimed(
    queryset: QuerySet[Claimable],
    *,
    limit: int,
    now: datetime.datetime,
    message_id: tuple[str, str],
) -> list[Claimable]:
    """Take up to `limit` of the pending rows for this worker (SKIP LOCKED), marked sending.

    Each claim gets a fresh token; only its holder can mark a row sent. The Message-ID
    (`message_id`: the kind of message and the column that groups them) is given once and
    kept across attempts, so a receiver that saw a message before can tell. One UPDATE for
    the chunk, which returns the Message-IDs: Django's bulk_update writes a CASE per row and
    field, which costs more than sending the mail.
    """
    kind, group = message_id
    # Claims, skips and failed attempts commit without waiting for the disk: WAL is written
    # in order, so a later durable "sent" mark flushes them too, and one lost in a crash
    # leaves a row pending or sending, sent again only if the server never took its message.
    with commit_without_disk_wait(), connection.cursor() as cursor:
        rows = list(
            queryset.select_for_update(skip_locked=True, of=("self",))
            .filter(status=DeliveryStatus.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")[:limit]
        )
        if not rows:
            return []
        token = uuid.uuid4()
        claimed: tuple[str, list[int | str]] = column_in("id", (row.pk for row in rows))
        # <kind.group-id.row-id@site>: unique, and the same at every attempt.
        cursor.execute(
            f"""
            UPDATE {queryset.model._meta.db_table}
            SET status = %s, claimed_at = %s, claim_token = %s, attempts = attempts + 1,
                message_id = CASE WHEN message_id = ''
                    THEN %s || {group} || '.' || id || %s ELSE message_id END
            WHERE {claimed[0]}
            RETURNING id, message_id
            """,
            [
                DeliveryStatus.SENDING,
                now,
                queryset.model._meta.get_field("claim_token").get_db_prep_value(token, connection),
                f"<{kind}.",
                f"@{site_domain()}>",
                *claimed[1],
            ],
        )
        given = dict(cursor.fetchall())
        for row in rows:
            row.status = DeliveryStatus.SENDING
            row.claimed_at = now
            row.claim_token = token
            row.attempts += 1
            row.message_id = given[row.pk]
    return rows


# What sending reads of a reader, in the model's field order, which `Model.from_db` expects.
_READER_FIELDS = [
    field.attname
    for field in User._meta.concrete_fields
    if field.attname
    in {"id", "username", "first_name", "last_name", "display_name", "is_active", "is_superuser"}
]
_READER_COLUMNS = ", ".join(f"u.{name}" for name in _READER_FIELDS)

# One statement claims a chunk: it picks the pending rows (SKIP LOCKED), marks them sending
# under a fresh token, gives each its Message-ID once, and returns what sending reads of the
# delivery, its subscription and reader as plain columns.
_CLAIM = f"""
    WITH picked AS (
        SELECT id FROM {Delivery._meta.db_table}
        WHERE run_id = %(run)s AND status = %(pending)s
            AND (next_attempt_at IS NULL OR next_attempt_at <= %(now)s)
        ORDER BY id LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    )
    UPDATE {Delivery._meta.db_table} AS d
    SET status = %(sending)s, claimed_at = %(now)s, claim_token = %(token)s,
        attempts = d.attempts + 1,
        message_id = CASE WHEN d.message_id = ''
            THEN '<digest.' || d.run_id || '.' || d.id || %(domain)s ELSE d.message_id END
    FROM picked, {Subscription._meta.db_table} AS s
        LEFT JOIN {User._meta.db_table} AS u ON u.id = s.user_id
    WHERE d.id = picked.id AND s.id = d.subscription_id
    RETURNING d.id, d.run_id, d.window_start, d.window_end, d.attempts, d.message_id,
        s.id, s.public_id, s.email, s.frequency, s.timezone,
        ARRAY(SELECT jsonb_array_elements_text(s.kinds)), s.use_follows,
        {_READER_COLUMNS}
"""


def deliveries_claim(
    *, run_id: int, limit: int = CLAIM_CHUNK, now: datetime.datetime | None = None
) -> list[ClaimedDelivery]:
    """Take up to `limit` pending deliveries of the run for this worker, in id order.

    Like `_claimed`, in one statement, and as plain rows: Django building a delivery,
    subscription and reader object for each row cost more than composing its email.
    """
    if connection.vendor != "postgresql":
        # SQLite (the demo) has no UPDATE … FROM a locked CTE; its one writer claims through
        # the mechanism retraction notices use, a model object per row.
        deliveries = _claimed(
            Delivery.objects.filter(run_id=run_id).select_related("subscription__user"),
            limit=limit,
            now=now or timezone.now(),
            message_id=("digest", "run_id"),
        )
        return [_claimed_delivery(delivery) for delivery in deliveries]
    token = uuid.uuid4()
    # Without waiting for the disk, as a claim (`_claimed`).
    with commit_without_disk_wait(), connection.cursor() as cursor:
        cursor.execute(
            _CLAIM,
            {
                "run": run_id,
                "pending": DeliveryStatus.PENDING,
                "now": now or timezone.now(),
                "limit": limit,
                "sending": DeliveryStatus.SENDING,
                "token": token,
                "domain": f"@{site_domain()}>",
            },
        )
        rows = sorted(cursor.fetchall())
    return [_claimed_row(row, token) for row in rows]


def _claimed_row(row: tuple[Any, ...], token: uuid.UUID) -> ClaimedDelivery:
    """A row of `_CLAIM`, in the order of its RETURNING list."""
    (pk, run_id, window_start, window_end, attempts, message_id) = row[:6]
    (subscription_id, public_id, email, frequency, zone, kinds, use_follows) = row[6:13]
    reader = row[13:]
    return ClaimedDelivery(
        pk=pk,
        run_id=run_id,
        window_start=window_start,
        window_end=window_end,
        attempts=attempts,
        message_id=message_id,
        claim_token=token,
        subscription=Recipient(
            pk=subscription_id,
            public_id=public_id,
            email=email,
            frequency=frequency,
            timezone=zone,
            kinds=kinds,
            use_follows=use_follows,
            user=None if reader[0] is None else User.from_db("default", _READER_FIELDS, reader),
        ),
    )


def _claimed_delivery(delivery: Delivery) -> ClaimedDelivery:
    subscription = delivery.subscription
    assert delivery.claim_token is not None
    return ClaimedDelivery(
        pk=delivery.pk,
        run_id=delivery.run_id,
        window_start=delivery.window_start,
        window_end=delivery.window_end,
        attempts=delivery.attempts,
        message_id=delivery.message_id,
        claim_token=delivery.claim_token,
        subscription=Recipient(
            pk=subscription.pk,
            public_id=subscription.public_id,
            email=subscription.email,
            frequency=subscription.frequency,
            timezone=subscription.timezone,
            kinds=list(subscription.kinds),
            use_follows=subscription.use_follows,
            user=subscription.user,
        ),
    )


@transaction.atomic
def _editions(run_id: int, brief_sets: set[tuple[int, ...]]) -> dict[tuple[int, ...], int]:
    """The run's edition of each set of briefs, created the first time the set is sent, with
    its briefs in the same transaction."""
    keys = {hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest(): ids for ids in brief_sets}
    found = dict(DigestEdition.objects.filter(run_id=run_id, key__in=keys).values_list("key", "pk"))
    # In key order: two workers creating the same editions wait for each other, never deadlock.
    missing = [DigestEdition(run_id=run_id, key=key) for key in sorted(keys) if key not in found]
    if missing:
        # Another worker may create the same edition meanwhile: the unique key settles it.
        DigestEdition.objects.bulk_create(missing, ignore_conflicts=True)
        created = dict(
            DigestEdition.objects.filter(
                run_id=run_id, key__in=[edition.key for edition in missing]
            ).values_list("key", "pk")
        )
        DigestEdition.briefs.through.objects.bulk_create(
            (
                DigestEdition.briefs.through(digestedition_id=created[key], brief_id=brief_id)
                for key, pk in sorted(created.items())
                if key not in found
                for brief_id in keys[key]
            ),
            ignore_conflicts=True,
        )
        found |= created
    return {ids: found[key] for key, ids in keys.items()}


_MARK_SENT = f"""
    UPDATE {Delivery._meta.db_table} AS d
    SET status = %s, sent_at = now(), last_error = '', edition_id = held.edition_id
    FROM unnest(%s::bigint[], %s::uuid[], %s::bigint[]) AS held(id, claim_token, edition_id)
    WHERE d.id = held.id AND d.claim_token = held.claim_token AND d.status = %s
    RETURNING d.id
"""


@dataclass
class EditionMemo:
    """The editions a worker has created or found, by run and set of briefs, kept for a task."""

    ids: dict[tuple[int, tuple[int, ...]], int] = field(default_factory=dict)


def deliveries_sent(
    *,
    sent: Sequence[tuple[ClaimedDelivery, Sequence[int]]],
    finish: Callable[[set[int]], set[int]] | None = None,
    editions: EditionMemo | None = None,
) -> set[int]:
    """The commit point of a group of messages, each with the briefs it carries: record as
    sent those this worker still holds, and returns their ids.

    `finish` (see advisory.lib.smtp) sends their final "." just before the COMMIT, in the
    same transaction, and returns those it could not send, which stay unsent. The marks are
    one statement; the editions they point to are found or created before it (`editions`
    keeps them for the caller), in transactions of their own: an edition nobody received
    names no one.
    """
    if not sent:
        return set()
    editions = EditionMemo() if editions is None else editions
    carried = [(delivery, tuple(sorted(brief_ids))) for delivery, brief_ids in sent]
    missing: dict[int, set[tuple[int, ...]]] = defaultdict(set)
    for delivery, brief_ids in carried:
        if (delivery.run_id, brief_ids) not in editions.ids:
            missing[delivery.run_id].add(brief_ids)
    for run_id, brief_sets in missing.items():
        for brief_ids, pk in _editions(run_id, brief_sets).items():
            editions.ids[(run_id, brief_ids)] = pk
    if connection.vendor != "postgresql":
        return _marked_sent_one_by_one(carried, finish=finish, editions=editions)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _MARK_SENT,
            [
                DeliveryStatus.SENT,
                id_array(delivery.pk for delivery, _ in carried),
                id_array(delivery.claim_token for delivery, _ in carried),
                id_array(editions.ids[(delivery.run_id, ids)] for delivery, ids in carried),
                DeliveryStatus.SENDING,
            ],
        )
        held = {pk for (pk,) in cursor.fetchall()}
        unsent = finish(held) if finish is not None and held else set()
        if unsent:
            Delivery.objects.filter(pk__in=unsent).update(
                status=DeliveryStatus.SENDING, sent_at=None, edition=None
            )
            held -= unsent
    return held


def _marked_sent_one_by_one(
    carried: Sequence[tuple[ClaimedDelivery, tuple[int, ...]]],
    *,
    finish: Callable[[set[int]], set[int]] | None,
    editions: EditionMemo,
) -> set[int]:
    """`deliveries_sent`'s marks where there is no `unnest` (SQLite, the demo): a statement
    a row, in the same transaction as the final dots."""
    with transaction.atomic():
        held = {
            delivery.pk
            for delivery, ids in carried
            if Delivery.objects.filter(
                pk=delivery.pk, claim_token=delivery.claim_token, status=DeliveryStatus.SENDING
            ).update(
                status=DeliveryStatus.SENT,
                sent_at=timezone.now(),
                last_error="",
                edition_id=editions.ids[(delivery.run_id, ids)],
            )
        }
        unsent = finish(held) if finish is not None and held else set()
        if unsent:
            Delivery.objects.filter(pk__in=unsent).update(
                status=DeliveryStatus.SENDING, sent_at=None, edition=None
            )
            held -= unsent
    return held


def deliveries_skipped(*, deliveries: Sequence[ClaimedDelivery]) -> None:
    """Nothing new for these subscribers in the window: no email."""
    if not deliveries:
        return
    if connection.vendor != "postgresql":
        with transaction.atomic():
            for delivery in deliveries:
                Delivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token).update(
                    status=DeliveryStatus.SKIPPED
                )
        return
    # Without waiting for the disk, as a claim (`_claimed`).
    with commit_without_disk_wait(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Delivery._meta.db_table} AS d SET status = %s
            FROM unnest(%s::bigint[], %s::uuid[]) AS held(id, claim_token)
            WHERE d.id = held.id AND d.claim_token = held.claim_token
            """,
            [
                DeliveryStatus.SKIPPED,
                id_array(delivery.pk for delivery in deliveries),
                id_array(delivery.claim_token for delivery in deliveries),
            ],
        )


def retry_delay(attempt: int) -> datetime.timedelta:
    """Exponential backoff with jitter: half to all of 30 s, 1 min, 2 min … up to an hour.

    The jitter spreads the retries of a run that failed all at once.
    """
    ceiling = min(30 * 2 ** (attempt - 1), 3600)
    return datetime.timedelta(seconds=_jitter.uniform(ceiling / 2, ceiling))


def _attempt_failed(
    rows: QuerySet[Delivery] | QuerySet[RetractionNotice],
    row: ClaimedDelivery | RetractionNotice,
    *,
    error: str,
    transient: bool,
    **undone: object,
) -> None:
    """A transient failure is tried again later, up to MAX_ATTEMPTS; any other is final.
    `undone` resets what a commit point the server then refused had recorded."""
    retry = transient and row.attempts < MAX_ATTEMPTS
    rows.filter(pk=row.pk, claim_token=row.claim_token).update(
        status=DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED,
        next_attempt_at=timezone.now() + retry_delay(row.attempts) if retry else None,
        sent_at=None,
        last_error=error[:2000],
        **undone,
    )


def _bounce_recorded(*, subscription_id: int, error: str) -> None:
    """Repeated hard bounces suppress the subscription, so nobody keeps mailing an address
    that does not exist."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    subscription.hard_bounces += 1
    fields = ["hard_bounces"]
    if subscription.hard_bounces >= HARD_BOUNCES_BEFORE_SUPPRESSION:
        subscription.status = SubscriptionStatus.SUPPRESSED
        subscription.next_due_at = None
        fields += ["status", "next_due_at"]
        audit_event_record(
            actor=None,
            verb="subscription.suppressed",
            target=subscription,
            reason=f"{subscription.hard_bounces} hard bounces; the last: {error[:200]}",
        )
    subscription.save(update_fields=fields)


@transaction.atomic
def delivery_failed(
    *, delivery: ClaimedDelivery, error: str, transient: bool, bounce: bool
) -> None:
    """Record a failed attempt (a bounce is the server refusing the address for good).

    Undoes a commit point the server then refused.
    """
    _attempt_failed(
        Delivery.objects.all(), delivery, error=error, transient=transient, edition=None
    )
    if bounce:
        _bounce_recorded(subscription_id=delivery.subscription_id, error=error)


def deliveries_reclaim_stale(*, now: datetime.datetime | None = None) -> list[int]:
    """Deliveries and retraction notices left "sending" by a worker that died go back to
    pending; returns the runs of the deliveries.

    Safe to send again: a row still "sending" never passed its commit point, so the server
    never received the end of its message (see advisory.lib.smtp).
    """
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - LEASE)
    runs = sorted(set(stale.values_list("run_id", flat=True)))
    stale.update(status=DeliveryStatus.PENDING, claim_token=None)
    RetractionNotice.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - LEASE
    ).update(status=DeliveryStatus.PENDING, claim_token=None)
    return runs


# Retraction notices: everyone a digest carried the brief to hears of its retraction, once.


def retraction_notices_create(*, brief: Brief) -> int:
    """Queue a notice for each subscriber a delivery of the brief reached; returns how many.

    Part of the retraction (workflow's brief_retract), in its transaction and recorded in its
    audit event, so a retraction never lacks its notices. A subscriber who has since
    unsubscribed still hears of it: what they received was wrong.
    """
    reached = (
        Delivery.objects.filter(status=DeliveryStatus.SENT, edition__briefs=brief)
        .values_list("subscription_id", flat=True)
        .distinct()
    )
    notices = [RetractionNotice(brief=brief, subscription_id=pk) for pk in reached]
    RetractionNotice.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


def retraction_notices_claim(
    *, brief_id: int, limit: int = CLAIM_CHUNK, now: datetime.datetime | None = None
) -> list[RetractionNotice]:
    queryset = RetractionNotice.objects.filter(brief_id=brief_id).select_related(
        "brief", "subscription__user"
    )
    return _claimed(
        queryset,
        limit=limit,
        now=now or timezone.now(),
        message_id=("retraction", "brief_id"),
    )


def retraction_notice_sent(*, notice: RetractionNotice, finish: Callable[[], None]) -> bool:
    """The commit point: record the notice as sent if this worker still holds it, and have
    `finish` send its final "." just before the COMMIT (if it fails, nothing is recorded)."""
    with transaction.atomic():
        held = RetractionNotice.objects.filter(
            pk=notice.pk, status=DeliveryStatus.SENDING, claim_token=notice.claim_token
        ).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
        if held:
            finish()
    return bool(held)


def retraction_notice_skipped(*, notice: RetractionNotice) -> None:
    """The address was suppressed after bounces: it is not mailed again."""
    RetractionNotice.objects.filter(pk=notice.pk, claim_token=notice.claim_token).update(
        status=DeliveryStatus.SKIPPED
    )


@transaction.atomic
def retraction_notice_failed(
    *, notice: RetractionNotice, error: str, transient: bool, bounce: bool
) -> None:
    _attempt_failed(RetractionNotice.objects.all(), notice, error=error, transient=transient)
    if bounce:
        _bounce_recorded(subscription_id=notice.subscription_id, error=error)


# External subscribers: no portal account, so the address is confirmed by double opt-in.

CONFIRMATION_SALT = "advisory.digests.confirm"
CONFIRMATION_MAX_AGE = datetime.timedelta(days=3)
CONFIRMATION_RESEND_AFTER = datetime.timedelta(minutes=5)


class ConfirmationRefused(Exception):
    """A confirmation link that cannot confirm anything: forged, expired, or no longer
    pending (the address unsubscribed or bounced since)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "forged", "expired" or "gone"


def subscription_confirmation_token(subscription: Subscription) -> str:
    """The signed, expiring token of the link that confirms an external subscription."""
    return signing.TimestampSigner(salt=CONFIRMATION_SALT).sign(subscription.public_id.hex)


def subscription_for_confirmation(token: str) -> Subscription:
    """The external subscription a confirmation link is for; raises ConfirmationRefused."""
    signer = signing.TimestampSigner(salt=CONFIRMATION_SALT)
    try:
        public_id = signer.unsign(token, max_age=CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ConfirmationRefused("expired") from None
    except signing.BadSignature:
        raise ConfirmationRefused("forged") from None
    try:
        return Subscription.objects.get(public_id=uuid.UUID(hex=public_id), user__isnull=True)
    except (ValueError, Subscription.DoesNotExist):
        raise ConfirmationRefused("forged") from None


def _confirmation_throttle_key(subscription: Subscription) -> str:
    return f"digests:confirmation-sent:{subscription.pk}"


@transaction.atomic
def subscription_request(*, email: str, preferences: Preferences) -> Subscription:
    """Someone without a portal account asks for a digest: the subscription waits, pending,
    until the address's owner confirms it from the email this queues. Never activates.

    The same for every state of the address, as far as the asker can tell: an active
    subscription is left as it is (no email), a suppressed address is not mailed, a pending
    one gets its email again at most once every few minutes, an unsubscribed one waits for a
    new confirmation. External subscribers read public briefs only.
    """
    _preferences_checked(preferences)
    address = User.objects.normalize_email(email.strip())
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    subscription, created = Subscription.objects.get_or_create(
        user=None,
        email__iexact=address,
        frequency=preferences.frequency,
        defaults={"email": address, "status": SubscriptionStatus.PENDING},
    )
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUPPRESSED):
        audit_event_record(actor=None, verb="subscription.request_ignored", target=subscription)
        return subscription
    if subscription.status == SubscriptionStatus.UNSUBSCRIBED:
        subscription.status = SubscriptionStatus.PENDING
        subscription.unsubscribed_at = None
    _apply(subscription, preferences)
    subscription.next_due_at = None
    subscription.full_clean(exclude=["user"])
    subscription.save()
    _relations_set(subscription, preferences)
    send = cache.add(
        _confirmation_throttle_key(subscription),
        True,
        timeout=int(CONFIRMATION_RESEND_AFTER.total_seconds()),
    )
    if send:
        # tasks.py imports this module: import the task only when it is used.
        from advisory.digests.tasks import send_subscription_confirmation

        task_enqueue_on_commit(send_subscription_confirmation, subscription.pk)
    audit_event_record(
        actor=None,
        verb="subscription.requested",
        target=subscription,
        data={"created": created, "frequency": subscription.frequency, "email_queued": send},
    )
    return subscription


@transaction.atomic
def subscription_confirmation_send(*, subscription_id: int) -> str | None:
    """Email the link that confirms a pending external subscription; returns the message's
    Message-ID, or None when there is nothing to confirm any more."""
    subscription = Subscription.objects.filter(
        pk=subscription_id, user__isnull=True, status=SubscriptionStatus.PENDING
    ).first()
    if subscription is None:
        return None
    token = subscription_confirmation_token(subscription)
    days = CONFIRMATION_MAX_AGE.days
    rendered = render_email(
        "subscription_confirm",
        {
            "subscription": subscription,
            "frequency": subscription.get_frequency_display(),
            "link": absolute_url(reverse("digests:confirm", args=[token])),
            "valid_for": f"{days} day{'s' if days != 1 else ''}",
            "why": "You receive this message because someone asked for Advisory's briefs "
            "at this address. If it was not you, ignore it: nothing will be sent.",
        },
    )
    message_id = send_email(
        to=[subscription.email], subject=rendered.subject, text=rendered.text, html=rendered.html
    )
    audit_event_record(
        actor=None,
        verb="subscription.confirmation_sent",
        target=subscription,
        data={"message_id": message_id},
    )
    return message_id


@transaction.atomic
def subscription_confirm(*, token: str) -> Subscription:
    """The address's owner confirms: the subscription is active and its first window starts
    now. Idempotent: confirming an active subscription again changes nothing.

    Raises ConfirmationRefused for a forged or expired link, or one whose subscription is no
    longer waiting (unsubscribed or suppressed since): nothing changes then.
    """
    subscription = Subscription.objects.select_for_update().get(
        pk=subscription_for_confirmation(token).pk
    )
    if subscription.status == SubscriptionStatus.ACTIVE:
        return subscription
    if subscription.status != SubscriptionStatus.PENDING:
        raise ConfirmationRefused("gone")
    now = timezone.now()
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.confirmed_at = now
    subscription.unsubscribed_at = None
    subscription.watermark = now
    _schedule_from(subscription, now)
    subscription.save(
        update_fields=["status", "confirmed_at", "unsubscribed_at", "watermark", "next_due_at"]
    )
    audit_event_record(
        actor=None,
        verb="subscription.confirmed",
        target=subscription,
        data={"frequency": subscription.frequency, "next_due_at": subscription.next_due_at},
    )
    return subscription

"""What a digest carries, through the portal's entitlement selector; runs and their ledger."""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias, TypedDict

from django.core import signing
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django_stubs_ext import WithAnnotations

from advisory.accounts.models import Follow, User
from advisory.accounts.selectors import (
    ContractMemo,
    Entitlement,
    entitlement_of,
    entitlements_of,
)
from advisory.briefs.models import BriefKind, Publication
from advisory.digests.models import Delivery, DeliveryStatus, DigestRun, Frequency, Subscription
from advisory.lib.postgres import array_literal
from advisory.portal.selectors import publications_readable, readable_key


@dataclass(slots=True)
class Recipient:
    """What sending reads of a claimed delivery's subscription: a plain row, where a model
    object per delivery cost more than choosing and composing its email."""

    pk: int
    public_id: uuid.UUID
    email: str
    frequency: str
    timezone: str
    kinds: list[str]
    use_follows: bool
    # The reader (None for an external subscriber), a model object: entitlements are its.
    user: User | None

    @property
    def user_id(self) -> int | None:
        return None if self.user is None else self.user.pk


@dataclass(slots=True)
class ClaimedDelivery:
    """A delivery a worker holds (see `deliveries_claim`), with its recipient."""

    pk: int
    run_id: int
    window_start: datetime.datetime | None
    window_end: datetime.datetime
    attempts: int
    message_id: str
    claim_token: uuid.UUID
    subscription: Recipient

    @property
    def subscription_id(self) -> int:
        return self.subscription.pk


@dataclass(frozen=True)
class Interests:
    """What a subscriber asked for, their follows included; empty means everything."""

    entity_ids: frozenset[int] = frozenset()
    tag_ids: frozenset[int] = frozenset()
    region_ids: frozenset[int] = frozenset()


NO_INTERESTS = Interests()


def _interests(
    subscription: Subscription | Recipient, filters: Interests, follows: Iterable[Follow]
) -> Interests:
    """The subscription's own filters and, if it uses them, the reader's follows."""
    if not subscription.use_follows:
        return filters
    entity_ids, tag_ids, region_ids = (
        set(filters.entity_ids),
        set(filters.tag_ids),
        set(filters.region_ids),
    )
    for follow in follows:
        if follow.entity_id:
            entity_ids.add(follow.entity_id)
        if follow.tag_id:
            tag_ids.add(follow.tag_id)
        if follow.region_id:
            region_ids.add(follow.region_id)
    return Interests(frozenset(entity_ids), frozenset(tag_ids), frozenset(region_ids))


def _filters_of(subscription_ids: Sequence[int]) -> dict[int, Interests]:
    """Each subscription's own filters, by id: one query over the three link tables, ids
    only (Django's prefetch would build an entity, tag or region object for each row)."""
    links = {
        "entity": Subscription.entities.through,
        "tag": Subscription.tags.through,
        "region": Subscription.regions.through,
    }
    query = " UNION ALL ".join(
        f"SELECT subscription_id, '{name}', {name}_id FROM {through._meta.db_table}"
        " WHERE subscription_id = ANY(%s::bigint[])"
        for name, through in links.items()
    )
    found: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    with connection.cursor() as cursor:
        cursor.execute(query, [array_literal(subscription_ids)] * len(links))
        for subscription_id, name, pk in cursor.fetchall():
            found[subscription_id][name].add(pk)
    return {
        pk: Interests(
            frozenset(found[pk]["entity"]),
            frozenset(found[pk]["tag"]),
            frozenset(found[pk]["region"]),
        )
        if pk in found
        else NO_INTERESTS
        for pk in subscription_ids
    }


def _chosen(
    subscription: Subscription | Recipient,
    interests: Interests,
    *,
    window_start: datetime.datetime | None,
    window_end: datetime.datetime,
) -> QuerySet[Publication]:
    """The one rule: readable by the subscriber now (an external subscriber reads what a
    visitor reads), visible to them for the first time (published, or an update published)
    inside the window, of the kinds they chose and about what they asked for."""
    chosen = publications_readable(subscription.user).filter(
        visible_at__lte=window_end, retracted_at__isnull=True
    )
    if window_start is not None:
        chosen = chosen.filter(visible_at__gt=window_start)
    if subscription.frequency == Frequency.IMMEDIATE:
        chosen = chosen.filter(kind=BriefKind.FLASH_ALERT)
    elif subscription.kinds:
        chosen = chosen.filter(kind__in=subscription.kinds)
    if interests.entity_ids or interests.tag_ids or interests.region_ids:
        about = (
            Q(entities__in=interests.entity_ids)
            | Q(tags__in=interests.tag_ids)
            | Q(regions__in=interests.region_ids)
            | Q(regions__parent__in=interests.region_ids)
        )
        chosen = chosen.filter(pk__in=Publication.objects.filter(about).values("pk"))
    return chosen.order_by("-visible_at", "-pk")


# What the email shows of a brief: never its body or search vector, the bulk of the row.
_EMAIL_FIELDS = (
    "title",
    "summary",
    "slug",
    "kind",
    "published_at",
    "updated_at",
    "visible_at",
    "retracted_at",
)


def _loaded(chosen: QuerySet[Publication]) -> list[Publication]:
    # The judgments come out of the live revision's JSON without loading its body.
    return list(
        chosen.only(*_EMAIL_FIELDS)
        .annotate(judgments=F("revision__snapshot__key_judgments"))
        .prefetch_related("regions")
    )


def subscription_publications(
    subscription: Subscription,
    *,
    window_start: datetime.datetime | None,
    window_end: datetime.datetime,
) -> list[Publication]:
    """The briefs a subscriber gets for a window (see `_chosen`), loaded for the email: the
    admin's preview shows through this exactly what a delivery would send."""
    follows = Follow.objects.filter(user_id=subscription.user_id) if subscription.user_id else []
    filters = _filters_of([subscription.pk])[subscription.pk] if subscription.pk else Interests()
    interests = _interests(subscription, filters, follows)
    return _loaded(
        _chosen(subscription, interests, window_start=window_start, window_end=window_end)
    )


@dataclass
class ChoiceMemo:
    """What a digest task has worked out already, kept for its minute: subscribers who read
    the same, asked for the same and are due for the same window get the same briefs (the
    same list, chosen once), and each organisation's contract is read once."""

    choices: dict[tuple[object, ...], list[Publication]] = field(default_factory=dict)
    contracts: ContractMemo = field(default_factory=ContractMemo)
    # Readers of one contract share its entitlement: its key is hashed once.
    readable_keys: dict[Entitlement, str] = field(default_factory=dict)


def deliveries_publications(
    deliveries: Sequence[ClaimedDelivery], *, memo: ChoiceMemo | None = None
) -> dict[int, list[Publication]]:
    """Each delivery's briefs, as `subscription_publications` gives them: a fixed number of
    queries for the chunk, plus two for each distinct choice not already in `memo` (kept by
    the caller across the chunks of a run)."""
    memo = ChoiceMemo() if memo is None else memo
    subscriptions = [delivery.subscription for delivery in deliveries]
    filters = _filters_of([subscription.pk for subscription in subscriptions])
    readers = [subscription.user for subscription in subscriptions if subscription.user]
    entitlements_of(readers, memo=memo.contracts)
    following = [s.user for s in subscriptions if s.user is not None and s.use_follows]
    follows: dict[int, list[Follow]] = defaultdict(list)
    if following:
        for follow in Follow.objects.filter(user__in=following):
            follows[follow.user_id].append(follow)
    chosen: dict[int, list[Publication]] = {}
    for delivery in deliveries:
        subscription = delivery.subscription
        interests = _interests(
            subscription, filters[subscription.pk], follows[subscription.user_id or 0]
        )
        entitlement = entitlement_of(subscription.user)
        if entitlement not in memo.readable_keys:
            memo.readable_keys[entitlement] = readable_key(entitlement)
        key = (
            memo.readable_keys[entitlement],
            interests,
            subscription.frequency == Frequency.IMMEDIATE,
            tuple(sorted(subscription.kinds)),
            delivery.window_start,
            delivery.window_end,
        )
        if key not in memo.choices:
            memo.choices[key] = _loaded(
                _chosen(
                    subscription,
                    interests,
                    window_start=delivery.window_start,
                    window_end=delivery.window_end,
                )
            )
        chosen[delivery.pk] = memo.choices[key]
    return chosen


_UNSUBSCRIBE_SALT = "advisory.digests.unsubscribe"


def subscription_signer() -> signing.Signer:
    """What signs the subscriptions' tokens; one serves a whole run."""
    return signing.Signer(salt=_UNSUBSCRIBE_SALT)


def subscription_token(
    subscription: Subscription | Recipient, *, signer: signing.Signer | None = None
) -> str:
    """The signed, opaque token of the subscription's unsubscribe and preference links."""
    return (signer or subscription_signer()).sign(subscription.public_id.hex)


def subscription_for_token(token: str) -> Subscription | None:
    try:
        public_id = signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Subscription.objects.filter(public_id=public_id).first()


class RunCounts(TypedDict):
    due: int
    sent: int
    skipped: int
    failed: int
    pending: int


# A string: WithAnnotations takes two arguments for the type checker only.
CountedRun: TypeAlias = "WithAnnotations[DigestRun, RunCounts]"


def _deliveries_in(*statuses: str) -> Count:
    return Count("deliveries", filter=Q(deliveries__status__in=statuses))


def digest_runs_counted() -> QuerySet[CountedRun]:
    """Runs, newest first, each with its deliveries counted by outcome in the same query.

    `due` is every delivery of the run; `pending` includes those being sent right now.
    """
    return DigestRun.objects.annotate(
        due=Count("deliveries"),
        sent=_deliveries_in(DeliveryStatus.SENT),
        skipped=_deliveries_in(DeliveryStatus.SKIPPED),
        failed=_deliveries_in(DeliveryStatus.FAILED),
        pending=_deliveries_in(DeliveryStatus.PENDING, DeliveryStatus.SENDING),
    ).order_by("-window_end", "-pk")


def run_deliveries(run: DigestRun, *, status: str | None = None) -> QuerySet[Delivery]:
    """The run's delivery log, failures findable by status, each row with its recipient."""
    log = Delivery.objects.filter(run=run).select_related("subscription__user")
    if status is not None:
        log = log.filter(status=status)
    return log.order_by("pk")

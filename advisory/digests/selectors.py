"""What a digest carries, through the portal's entitlement selector; runs and their ledger."""

import datetime
from typing import TypeAlias, TypedDict

from django.core import signing
from django.db.models import Count, Q, QuerySet
from django_stubs_ext import WithAnnotations

from advisory.accounts.models import Follow
from advisory.briefs.models import BriefKind, Publication
from advisory.digests.models import Delivery, DeliveryStatus, DigestRun, Frequency, Subscription
from advisory.portal.selectors import publications_readable


def _interests(subscription: Subscription) -> Q | None:
    """The subscriber's filters as one condition, or None when they take everything."""
    entity_ids = set(subscription.entities.values_list("pk", flat=True))
    tag_ids = set(subscription.tags.values_list("pk", flat=True))
    region_ids = set(subscription.regions.values_list("pk", flat=True))
    if subscription.use_follows and subscription.user_id is not None:
        for entity_id, tag_id, region_id in Follow.objects.filter(
            user_id=subscription.user_id
        ).values_list("entity_id", "tag_id", "region_id"):
            if entity_id:
                entity_ids.add(entity_id)
            if tag_id:
                tag_ids.add(tag_id)
            if region_id:
                region_ids.add(region_id)
    if not (entity_ids or tag_ids or region_ids):
        return None
    return (
        Q(entities__in=entity_ids)
        | Q(tags__in=tag_ids)
        | Q(regions__in=region_ids)
        | Q(regions__parent__in=region_ids)
    )


def delivery_publications(delivery: Delivery) -> QuerySet[Publication]:
    """The briefs for this delivery: see `subscription_publications`."""
    return subscription_publications(
        delivery.subscription, window_start=delivery.window_start, window_end=delivery.window_end
    )


def subscription_publications(
    subscription: Subscription,
    *,
    window_start: datetime.datetime | None,
    window_end: datetime.datetime,
) -> QuerySet[Publication]:
    """The briefs a subscriber gets for a window: readable by them now, and visible to them
    for the first time (published, or an update published) inside the window.

    Deliveries and the admin's preview both choose through this, so a preview shows exactly
    what would be sent. An external subscriber has no account and reads what a visitor reads.
    """
    chosen = publications_readable(subscription.user).filter(
        visible_at__lte=window_end, retracted_at__isnull=True
    )
    if window_start is not None:
        chosen = chosen.filter(visible_at__gt=window_start)
    if subscription.frequency == Frequency.IMMEDIATE:
        chosen = chosen.filter(kind=BriefKind.FLASH_ALERT)
    elif subscription.kinds:
        chosen = chosen.filter(kind__in=subscription.kinds)
    interests = _interests(subscription)
    if interests is not None:
        chosen = chosen.filter(pk__in=Publication.objects.filter(interests).values("pk"))
    return chosen.order_by("-visible_at", "-pk")


_UNSUBSCRIBE_SALT = "advisory.digests.unsubscribe"


def subscription_token(subscription: Subscription) -> str:
    """The signed, opaque token of the subscription's unsubscribe and preference links."""
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign(subscription.public_id.hex)


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

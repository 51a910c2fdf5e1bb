"""What a digest carries: for one delivery, through the portal's entitlement selector."""

from django.core import signing
from django.db.models import Q, QuerySet

from advisory.accounts.models import Follow
from advisory.briefs.models import BriefKind, Publication
from advisory.digests.models import Delivery, Frequency, Subscription
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
    """The briefs for this delivery: readable by the subscriber now, and visible to them for
    the first time (published, or an update published) inside the delivery's window.

    An external subscriber has no account and reads what a visitor reads.
    """
    subscription = delivery.subscription
    chosen = publications_readable(subscription.user).filter(
        visible_at__lte=delivery.window_end, retracted_at__isnull=True
    )
    if delivery.window_start is not None:
        chosen = chosen.filter(visible_at__gt=delivery.window_start)
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

"""The API's shapes for what belongs to the signed-in user: who they are, what they follow,
their email digests."""

import datetime
import re
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from taggit.models import Tag

from advisory.accounts.models import AccessTier, Follow
from advisory.api.fields import SlugsField
from advisory.api.serializers import StrictSerializer, absolute_uri
from advisory.briefs.models import BriefKind
from advisory.digests.models import Subscription, Weekday
from advisory.digests.schedule import timezone_valid
from advisory.digests.services import Preferences
from advisory.entities.models import Entity, Region

FOLLOW_KINDS = ("entity", "tag", "region")
CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")


@extend_schema_field({"type": "string", "pattern": CLOCK_TIME.pattern, "example": "07:00"})
class ClockTimeField(serializers.TimeField):
    """A time of day as HH:MM (seconds allowed in, never given out), without a zone: the
    subscription's timezone says where."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)

    def to_internal_value(self, value: Any) -> datetime.time:
        if not isinstance(value, str) or not CLOCK_TIME.fullmatch(value):
            raise serializers.ValidationError("Give the time as HH:MM, such as 07:30.")
        return super().to_internal_value(value)


class MeSerializer(serializers.Serializer[Any]):
    """`Me` from the views: the user and what their subscription lets them read."""

    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.byline")
    email = serializers.EmailField(source="user.email", allow_blank=True)
    role = serializers.CharField(allow_null=True, help_text="Null for a user with no role.")
    organisation = serializers.CharField(
        source="entitlement.organisation.name", allow_null=True, default=None
    )
    tier = serializers.ChoiceField(
        choices=[tier.label.lower() for tier in AccessTier],
        help_text="The highest access tier you read in full.",
    )
    refusal = serializers.CharField(
        source="entitlement.refusal",
        allow_blank=True,
        help_text="Why you read public briefs only, when your organisation's contract has "
        "lapsed or has no seat for you; otherwise empty.",
    )


class FollowSerializer(serializers.Serializer[Follow]):
    kind = serializers.ChoiceField(choices=FOLLOW_KINDS)
    slug = serializers.CharField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    url = serializers.CharField(help_text="Its page in the portal.")

    def to_representation(self, follow: Follow) -> dict[str, Any]:
        target: Entity | Tag | Region
        if follow.entity is not None:
            kind, target, page = "entity", follow.entity, "portal:entity-detail"
        elif follow.tag is not None:
            kind, target, page = "tag", follow.tag, "portal:tag-detail"
        else:
            assert follow.region is not None
            kind, target, page = "region", follow.region, "portal:region-detail"
        return {
            "kind": kind,
            "slug": target.slug,
            "name": target.name,
            "created_at": serializers.DateTimeField().to_representation(follow.created_at),
            "url": absolute_uri(self.context, reverse(page, args=[target.slug])),
        }


class FollowCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=FOLLOW_KINDS, help_text="What to follow.")
    slug = serializers.CharField(max_length=255, help_text="Its slug, as the API shows it.")


class SubscriptionSerializer(serializers.ModelSerializer[Subscription]):
    regions = serializers.SlugRelatedField[Region](many=True, read_only=True, slug_field="slug")
    topics = serializers.SlugRelatedField[Tag](
        many=True, read_only=True, slug_field="slug", source="tags"
    )
    entities = serializers.SlugRelatedField[Entity](many=True, read_only=True, slug_field="slug")
    delivery_time = ClockTimeField()
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=BriefKind.choices))

    class Meta:
        model = Subscription
        fields = [
            "frequency",
            "status",
            "email",
            "delivery_time",
            "timezone",
            "weekday",
            "kinds",
            "use_follows",
            "regions",
            "topics",
            "entities",
            "next_due_at",
            "created_at",
        ]
        read_only_fields = fields


class SubscriptionWriteSerializer(StrictSerializer):
    """When and what a digest sends. Left out of a PUT, a field takes its default; left out
    of a PATCH, it keeps its value."""

    refused = {
        "frequency": "The frequency is the address's: PUT to /me/subscriptions/<frequency>/.",
        "status": "Subscribe with PUT and unsubscribe with DELETE.",
    }

    delivery_time = ClockTimeField(
        default=datetime.time(7, 0), help_text="Local time, HH:MM, for daily and weekly digests."
    )
    timezone = serializers.CharField(
        max_length=64, default="Europe/London", help_text="An IANA timezone, e.g. Asia/Dubai."
    )
    weekday = serializers.ChoiceField(
        choices=Weekday.choices, default=Weekday.MONDAY, help_text="0 is Monday (weekly only)."
    )
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=BriefKind.choices),
        default=list,
        max_length=len(BriefKind.choices),
        help_text="Kinds of brief; empty for every kind.",
    )
    use_follows = serializers.BooleanField(
        default=True, help_text="Include briefs about what you follow."
    )
    regions = SlugsField(queryset=Region.objects.all(), noun="region or country", default=list)
    topics = SlugsField(queryset=Tag.objects.all(), noun="topic", default=list)
    entities = SlugsField(queryset=Entity.objects.all(), noun="entity", default=list)

    def validate_timezone(self, value: str) -> str:
        if not timezone_valid(value):
            raise serializers.ValidationError(f"“{value}” is not a timezone we know.")
        return value

    def preferences(self, frequency: str, current: Subscription | None = None) -> Preferences:
        """The preferences to save: what was sent over the current subscription's values."""
        base: dict[str, Any] = {}
        if current is not None:
            base = {
                "delivery_time": current.delivery_time,
                "timezone": current.timezone,
                "weekday": current.weekday,
                "kinds": current.kinds,
                "use_follows": current.use_follows,
                "regions": list(current.regions.all()),
                "topics": list(current.tags.all()),
                "entities": list(current.entities.all()),
            }
        data = {**base, **self.validated_data}
        return Preferences(
            frequency=frequency,
            delivery_time=data["delivery_time"],
            timezone=data["timezone"],
            weekday=data["weekday"],
            kinds=data["kinds"],
            use_follows=data["use_follows"],
            regions=data["regions"],
            tags=data["topics"],
            entities=data["entities"],
        )

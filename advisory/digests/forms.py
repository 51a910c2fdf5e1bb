import datetime
from typing import Any

from django import forms
from taggit.models import Tag

from advisory.briefs.models import BriefKind
from advisory.digests.models import Frequency, Subscription, Weekday
from advisory.digests.schedule import timezone_valid
from advisory.digests.services import Preferences
from advisory.entities.models import Entity, Region


class PreferencesForm(forms.Form):
    delivery_time = forms.TimeField(
        label="Delivery time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    timezone = forms.CharField(
        label="Timezone", max_length=64, help_text="For example Europe/London or Asia/Dubai."
    )
    weekday = forms.TypedChoiceField(
        label="Day (weekly digest)", choices=Weekday.choices, coerce=int
    )
    kinds = forms.MultipleChoiceField(
        label="Kinds of brief",
        choices=BriefKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for every kind.",
    )
    use_follows = forms.BooleanField(
        label="Only briefs about what I follow in the portal", required=False
    )


# The zones most of the desk's clients read in, west to east; a subscription already in
# another valid zone keeps it as a choice.
COMMON_TIMEZONES = (
    "America/Los_Angeles",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Brussels",
    "Europe/Zurich",
    "Europe/Athens",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Cairo",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Africa/Johannesburg",
    "Asia/Jerusalem",
    "Asia/Beirut",
    "Asia/Amman",
    "Asia/Damascus",
    "Asia/Baghdad",
    "Asia/Riyadh",
    "Asia/Qatar",
    "Asia/Tehran",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
)


def _timezone_choices(current: str | None) -> list[tuple[str, str]]:
    zones = list(COMMON_TIMEZONES)
    if current and current not in zones and timezone_valid(current):
        zones.insert(0, current)
    return [(zone, zone.replace("_", " ")) for zone in zones]


class _ScheduleFields(forms.Form):
    """When a digest arrives: shared by the portal page and the public sign-up page."""

    frequency = forms.ChoiceField(
        label="How often",
        choices=Frequency.choices,
        initial=Frequency.DAILY,
        widget=forms.RadioSelect,
    )
    delivery_time = forms.TimeField(
        label="Delivery time",
        initial=datetime.time(7, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Local time, for daily and weekly digests. Alerts go out as soon as a "
        "flash brief is published.",
    )
    timezone = forms.ChoiceField(label="Timezone", initial="Europe/London")
    weekday = forms.TypedChoiceField(
        label="Day of the weekly digest",
        choices=Weekday.choices,
        coerce=int,
        initial=Weekday.MONDAY,
        required=False,
        empty_value=None,
        help_text="Daily digests and alerts leave it aside.",
    )

    def __init__(self, *args: Any, current_timezone: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["timezone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _timezone_choices(current_timezone)


_SEVERAL = "Hold Ctrl (⌘ on a Mac) to choose several, or none."


class SubscriptionForm(_ScheduleFields):
    """A signed-in reader's digest: when, and about what."""

    kinds = forms.MultipleChoiceField(
        label="Kinds of brief",
        choices=BriefKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none for every kind. Immediate alerts carry flash briefs only.",
    )
    use_follows = forms.BooleanField(
        label="Include what I follow in the portal",
        required=False,
        initial=True,
        help_text="The actors, topics and places you follow count as chosen below.",
    )
    regions = forms.ModelMultipleChoiceField(
        label="Regions and countries",
        queryset=Region.objects.order_by("kind", "name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_SEVERAL,
    )
    tags = forms.ModelMultipleChoiceField(
        label="Topics",
        queryset=Tag.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_SEVERAL,
    )
    entities = forms.ModelMultipleChoiceField(
        label="Actors and places",
        queryset=Entity.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_SEVERAL + " With nothing chosen here and nothing followed, the digest "
        "carries every brief you may read.",
    )

    def preferences(self) -> Preferences:
        data = self.cleaned_data
        return Preferences(
            frequency=data["frequency"],
            delivery_time=data["delivery_time"],
            timezone=data["timezone"],
            weekday=data["weekday"] or Weekday.MONDAY,
            kinds=tuple(data["kinds"]),
            use_follows=data["use_follows"],
            regions=list(data["regions"]),
            tags=list(data["tags"]),
            entities=list(data["entities"]),
        )

    @classmethod
    def initial_for(cls, subscription: Subscription) -> dict[str, object]:
        return {
            "frequency": subscription.frequency,
            "delivery_time": subscription.delivery_time,
            "timezone": subscription.timezone,
            "weekday": subscription.weekday,
            "kinds": subscription.kinds,
            "use_follows": subscription.use_follows,
            "regions": list(subscription.regions.all()),
            "tags": list(subscription.tags.all()),
            "entities": list(subscription.entities.all()),
        }


class SubscribeForm(_ScheduleFields):
    """Someone without a portal account asks for public briefs by email."""

    field_order = ["email", "frequency", "delivery_time", "timezone", "weekday"]

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="We send a link to this address: nothing is sent until you open it.",
    )

    def preferences(self) -> Preferences:
        data = self.cleaned_data
        return Preferences(
            frequency=data["frequency"],
            delivery_time=data["delivery_time"],
            timezone=data["timezone"],
            weekday=data["weekday"] or Weekday.MONDAY,
            use_follows=False,
        )

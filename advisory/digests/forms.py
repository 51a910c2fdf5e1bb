from django import forms

from advisory.briefs.models import BriefKind
from advisory.digests.models import Weekday


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

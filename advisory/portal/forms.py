"""The portal's reading pages' forms: the brief list's filters and the follow buttons."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from taggit.models import Tag

from advisory.briefs.models import BriefKind
from advisory.entities.models import Entity, Region
from advisory.portal.selectors import BriefFilters, entity_for_reference, follow_target_for

_FILTER_NOUNS = {"region": "region", "country": "country", "tag": "topic"}


class BriefFilterForm(forms.Form):
    """The brief list's filters, as GET parameters that make a shareable address.

    Region and topic choices come from lists the view loaded once, so building the form runs no
    query of its own; an unknown value is a form error, never a server error.
    """

    region = forms.ChoiceField(required=False, label="Region")
    country = forms.ChoiceField(required=False, label="Country")
    kind = forms.ChoiceField(
        required=False,
        label="Kind",
        choices=[("", "Any kind"), *BriefKind.choices],
        error_messages={"invalid_choice": "There is no kind of brief called “%(value)s”."},
    )
    tag = forms.ChoiceField(required=False, label="Topic")
    entity = forms.CharField(
        required=False,
        max_length=255,
        label="Actor or place",
        help_text="A name or any of its spellings.",
    )
    date_from = forms.DateField(
        required=False,
        label="Published from",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the date as YYYY-MM-DD."},
    )
    date_to = forms.DateField(
        required=False,
        label="Published until",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the date as YYYY-MM-DD."},
    )

    def __init__(self, data: Any, *, regions: list[Region], tags: list[Tag]) -> None:
        super().__init__(data, label_suffix="")
        self._regions = {region.slug: region for region in regions}
        self._tags = {tag.slug: tag for tag in tags}
        names = {region.pk: region.name for region in regions}
        top = [r for r in regions if r.kind == Region.Kind.REGION]
        countries = [r for r in regions if r.kind == Region.Kind.COUNTRY]
        grouped: dict[str, list[tuple[str, str]]] = {}
        for country in countries:
            group = names.get(country.parent_id, "Other") if country.parent_id else "Other"
            grouped.setdefault(group, []).append((country.slug, country.name))
        self._choices_set("region", [("", "Any region"), *((r.slug, r.name) for r in top)])
        self._choices_set("country", [("", "Any country"), *sorted(grouped.items())])
        self._choices_set("tag", [("", "Any topic"), *((t.slug, t.name) for t in tags)])

    def _choices_set(self, name: str, choices: list[Any]) -> None:
        field = cast(forms.ChoiceField, self.fields[name])
        field.choices = choices
        field.error_messages["invalid_choice"] = f"There is no {_FILTER_NOUNS[name]} “%(value)s”."

    def clean_entity(self) -> Entity | None:
        reference: str = self.cleaned_data["entity"].strip()
        if not reference:
            return None
        entity = entity_for_reference(reference)
        if entity is None:
            raise ValidationError(f"No actor or place is called “{reference}”.")
        return entity

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise ValidationError("The start date must come before the end date.")
        return cleaned

    def filters(self) -> BriefFilters:
        """The valid form's filters; an invalid form filters nothing."""
        if not self.is_valid():
            return BriefFilters()
        data = self.cleaned_data
        return BriefFilters(
            region=self._regions.get(data["region"]),
            country=self._regions.get(data["country"]),
            kind=data["kind"],
            tag=self._tags.get(data["tag"]),
            entity=data["entity"],
            published_from=data["date_from"],
            published_to=data["date_to"],
        )


class FollowForm(forms.Form):
    kind = forms.ChoiceField(choices=[("entity", "Actor"), ("tag", "Topic"), ("region", "Region")])
    slug = forms.SlugField(max_length=255)
    action = forms.ChoiceField(choices=[("follow", "Follow"), ("unfollow", "Unfollow")])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "kind" in cleaned and "slug" in cleaned:
            target = follow_target_for(cleaned["kind"], cleaned["slug"])
            if target is None:
                raise ValidationError("There is nothing to follow at that address any more.")
            cleaned["target"] = target
        return cleaned

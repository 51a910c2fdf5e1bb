"""The portal's reading pages' forms: the brief list's filters and the follow buttons."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import BaseRenderer
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from advisory.briefs.models import BriefKind
from advisory.entities.models import Entity, Region
from advisory.portal.selectors import BriefFilters, entity_for_reference, follow_target_for

_FILTER_NOUNS = {"region": "region", "country": "country", "tag": "topic"}


def _attributes(attrs: dict[str, Any]) -> str:
    """As Django's `django/forms/widgets/attrs.html`."""
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A select written out in Python, character for character what Django's templates write
    (`tests/test_portal_pages.py` compares the two). The filters offer about 250 options, and
    the form renderer's template per option made half the CPU of a filtered list's first visit.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [
            f'<select name="{conditional_escape(widget["name"])}"{_attributes(widget["attrs"])}>'
        ]
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attributes(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class BriefFilterForm(forms.Form):
    """The brief list's filters, as GET parameters that make a shareable address.

    Region and topic choices come from lists the view loaded once, so building the form runs no
    query of its own; an unknown value is a form error, never a server error.
    """

    region = forms.ChoiceField(required=False, label="Region", widget=QuickSelect)
    country = forms.ChoiceField(required=False, label="Country", widget=QuickSelect)
    kind = forms.ChoiceField(
        required=False,
        label="Kind",
        widget=QuickSelect,
        choices=[("", "Any kind"), *BriefKind.choices],
        error_messages={"invalid_choice": "There is no kind of brief called “%(value)s”."},
    )
    tag = forms.ChoiceField(required=False, label="Topic", widget=QuickSelect)
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

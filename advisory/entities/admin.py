from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from advisory.accounts.admin import acting_user, adopt_saved
from advisory.briefs.selectors import entity_mentions
from advisory.entities.models import (
    Alias,
    Designation,
    Entity,
    ExternalIdentifier,
    Region,
    Relationship,
)
from advisory.entities.selectors import entities_matching, entities_with_counts
from advisory.entities.services import (
    alias_delete,
    alias_save,
    entity_create,
    entity_delete,
    entity_records_edit,
    entity_update,
    relationship_create,
)
from advisory.lib.text import normalise_name


class AliasFormSet(BaseInlineFormSet):
    """Aliases are unique per entity once folded, which the form cannot see by itself: the
    folded form is not an editable field, so the check is made here, with a message."""

    def clean(self) -> None:
        super().clean()
        seen: dict[str, str] = {}
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            name = form.cleaned_data.get("name", "")
            folded = normalise_name(name)
            if not folded:
                form.add_error("name", "An alias needs at least one letter or digit.")
            elif folded in seen:
                form.add_error(
                    "name", f"“{name}” is the same name as “{seen[folded]}” once folded."
                )
            else:
                seen[folded] = name


class AliasInline(admin.TabularInline):
    model = Alias
    formset = AliasFormSet
    fields = ("name", "kind", "language", "script")
    extra = 1


class ExternalIdentifierInline(admin.TabularInline):
    model = ExternalIdentifier
    fields = ("scheme", "value")
    extra = 0


class RelationshipInline(admin.TabularInline):
    model = Relationship
    fk_name = "subject"
    fields = ("kind", "object", "start_date", "end_date", "confidence", "source", "source_url")
    autocomplete_fields = ("object",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    verbose_name = "relationship"
    verbose_name_plural = "relationships (this entity is the subject)"


class DesignationInline(admin.TabularInline):
    model = Designation
    fields = ("authority", "programme", "listed_on", "delisted_on", "reference", "source_url")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    verbose_name_plural = "sanctions designations"


class EntityForm(forms.ModelForm):
    class Meta:
        model = Entity
        fields = ("kind", "name", "description", "country")


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    form = EntityForm
    list_display = ("name", "kind", "country", "alias_count", "mention_count")
    list_filter = ("kind", ("country", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("country",)
    search_fields = ("name", "aliases__name")
    autocomplete_fields = ("country",)
    inlines = (
        AliasInline,
        ExternalIdentifierInline,
        RelationshipInline,
        DesignationInline,
    )
    readonly_fields = ("slug", "topics", "created_at", "updated_at", "mentioned_in")

    def get_fieldsets(self, request: HttpRequest, obj: Entity | None = None) -> Any:
        record = (None, {"fields": ("kind", "name", "description", "country")})
        if obj is None:
            return (record,)
        return (
            (None, {"fields": ("kind", "name", "slug", "description", "country", "topics")}),
            ("Briefs that mention it", {"fields": ("mentioned_in",)}),
            ("Dates", {"fields": (("created_at", "updated_at"),)}),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entity]:
        return entities_with_counts(super().get_queryset(request))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Entity], search_term: str
    ) -> tuple[QuerySet[Entity], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return found, may_have_duplicates
        # Also match spellings that differ only in accents, apostrophes or Arabic letter forms.
        return found | entities_matching(queryset, search_term), True

    @admin.display(description="aliases", ordering="alias_count")
    def alias_count(self, obj: Entity) -> int:
        return obj.alias_count  # type: ignore[attr-defined]

    @admin.display(description="mentions", ordering="mention_count")
    def mention_count(self, obj: Entity) -> int:
        return obj.mention_count  # type: ignore[attr-defined]

    @admin.display(description="briefs")
    def mentioned_in(self, obj: Entity) -> str:
        mentions, total = entity_mentions(obj)
        if not mentions:
            return "No brief mentions it yet."
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> <span class="quiet">({}, {}, {})</span></li>',
            (
                (
                    reverse("admin:briefs_brief_change", args=[mention.brief_id]),
                    mention.brief.title,
                    mention.get_role_display().lower(),
                    mention.get_origin_display().lower(),
                    mention.brief.get_status_display().lower(),
                )
                for mention in mentions
            ),
        )
        more = (
            f"The {len(mentions)} most recently edited of {total}." if total > len(mentions) else ""
        )
        return format_html('<ul class="entity-mentions">{}</ul>{}', items, more)

    def save_model(self, request: HttpRequest, obj: Entity, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {
            "kind": data["kind"],
            "name": data["name"],
            "description": data["description"],
            "country": data["country"],
        }
        if change:
            # The form has already written its values onto obj; the service compares against
            # the stored row to know what changed.
            stored = Entity.objects.get(pk=obj.pk)
            entity_update(
                actor=acting_user(request),
                entity=stored,
                clear_country=data["country"] is None,
                **fields,
            )
            adopt_saved(obj, stored)
        else:
            adopt_saved(obj, entity_create(actor=acting_user(request), **fields))

    def delete_model(self, request: HttpRequest, obj: Entity) -> None:
        entity_delete(actor=acting_user(request), entity=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Entity]) -> None:
        for entity in queryset:
            entity_delete(actor=acting_user(request), entity=entity)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = acting_user(request)
        if formset.model is Alias:
            instances = formset.save(commit=False)
            for alias in formset.deleted_objects:
                alias_delete(actor=actor, alias=alias)
            for alias in instances:
                alias_save(actor=actor, alias=alias)
        else:
            instances = formset.save(commit=False)
            # New ties go through relationship_create; other rows are saved as one edit.
            new_relationships = [
                row for row in instances if isinstance(row, Relationship) and row.pk is None
            ]
            for relationship in new_relationships:
                relationship_create(
                    actor=actor,
                    subject=relationship.subject,
                    object=relationship.object,
                    kind=relationship.kind,
                    start_date=relationship.start_date,
                    end_date=relationship.end_date,
                    source=relationship.source,
                    source_url=relationship.source_url,
                    confidence=relationship.confidence,
                )
            entity_records_edit(
                actor=actor,
                entity=form.instance,
                saved=[row for row in instances if row not in new_relationships],
                deleted=formset.deleted_objects,
            )


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "iso_code", "parent")
    list_filter = ("kind", ("parent", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("parent",)
    search_fields = ("name", "iso_code", "slug")
    prepopulated_fields = {"slug": ("name",)}

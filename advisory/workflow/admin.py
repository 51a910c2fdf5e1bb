import json

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from advisory.workflow.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail, to read. The database refuses edits and deletes; so does the admin."""

    list_display = ("created_at", "actor", "verb", "target_link", "reason")
    list_filter = ("verb", ("actor", admin.RelatedOnlyFieldListFilter), "target_type")
    list_select_related = ("actor", "target_type")
    search_fields = ("target_repr",)
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "actor",
        "verb",
        "target_type",
        "target_link",
        "reason",
        "data_display",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description="target", ordering="target_repr")
    def target_link(self, obj: AuditEvent) -> str:
        model = obj.target_type.model_class()
        if model is None:
            return obj.target_repr
        try:
            url = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                args=[obj.target_id],
            )
        except NoReverseMatch:
            return obj.target_repr
        return format_html('<a href="{}">{}</a>', url, obj.target_repr)

    @admin.display(description="data")
    def data_display(self, obj: AuditEvent) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False, default=str)
        )

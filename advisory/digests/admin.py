"""The desk's view of digests: subscriptions with a preview and a test send, runs with their
counts and delivery log.

Nothing here writes a subscription or the ledger directly: the rows belong to the beat and
the workers, and a stale form saved over them would move a watermark back. Changes go
through the services (unsubscribe, test send).
"""

import smtplib
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from advisory.accounts.admin import acting_user
from advisory.digests.compose import digest_preview
from advisory.digests.models import DeliveryStatus, DigestRun, Subscription
from advisory.digests.selectors import CountedRun, digest_runs_counted, run_deliveries
from advisory.digests.services import digest_test_send, subscription_unsubscribe
from advisory.lib.csp import email_preview_styles

DELIVERY_LOG_PAGE = 50


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(_ReadOnlyAdmin):
    list_display = (
        "email",
        "preview_link",
        "user",
        "frequency",
        "status",
        "next_due",
        "bounces",
    )
    list_filter = ("frequency", "status")
    list_select_related = ("user",)
    search_fields = ("email",)
    fields = (
        "email",
        "user",
        "frequency",
        "status",
        "delivery_time",
        "timezone",
        "weekday",
        "kinds",
        "use_follows",
        "regions",
        "tags",
        "entities",
        "confirmed_at",
        "unsubscribed_at",
        "watermark",
        "next_due_at",
        "hard_bounces",
        "created_at",
    )
    readonly_fields = fields
    actions = ("unsubscribe_selected",)
    change_form_template = "admin/digests/subscription/change_form.html"

    def _may_act(self, request: HttpRequest) -> bool:
        """Desk admins may unsubscribe someone and send themselves tests; editors only look."""
        return request.user.has_perm("digests.change_subscription")

    def has_unsubscribe_permission(self, request: HttpRequest) -> bool:
        return self._may_act(request)

    @admin.action(description="Unsubscribe the selected subscriptions", permissions=["unsubscribe"])
    def unsubscribe_selected(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        actor = acting_user(request)
        for subscription in queryset:
            subscription_unsubscribe(actor=actor, subscription=subscription)
        self.message_user(request, f"Unsubscribed {len(queryset)}: they get nothing more.")

    # Short cells, so that the list fits beside its filters without scrolling sideways.
    @admin.display(description="next due", ordering="next_due_at")
    def next_due(self, obj: Subscription) -> str:
        return (
            date_format(timezone.localtime(obj.next_due_at), "Y-m-d H:i")
            if obj.next_due_at
            else "—"
        )

    @admin.display(description="bounces", ordering="hard_bounces")
    def bounces(self, obj: Subscription) -> int:
        return obj.hard_bounces

    @admin.display(description="digest")
    def preview_link(self, obj: Subscription) -> str:
        url = reverse("admin:digests_subscription_preview", args=[obj.pk])
        return format_html('<a href="{}">Preview</a>', url)

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<int:object_id>/preview/",
                self.admin_site.admin_view(email_preview_styles(self.preview_view)),
                name=f"{info}_preview",
            ),
            path(
                "<int:object_id>/send-test/",
                self.admin_site.admin_view(require_POST(self.send_test_view)),
                name=f"{info}_send_test",
            ),
            *super().get_urls(),
        ]

    def _viewable(self, request: HttpRequest, object_id: int) -> Subscription:
        subscription = self.get_object(request, str(object_id))
        if subscription is None:
            raise Http404("No such subscription.")
        if not self.has_view_permission(request, subscription):
            raise PermissionDenied
        return subscription

    def preview_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """What the subscriber would get if their window closed now; the ledger is untouched."""
        subscription = self._viewable(request, object_id)
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Digest preview for {subscription.email}",
            "subscription": subscription,
            "window_end": now,
            "preview": digest_preview(subscription=subscription, now=now),
            "may_send_test": self._may_act(request),
            "staff_email": acting_user(request).email,
        }
        return TemplateResponse(request, "admin/digests/subscription/preview.html", context)

    def send_test_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        subscription = self._viewable(request, object_id)
        if not self._may_act(request):
            raise PermissionDenied
        actor = acting_user(request)
        try:
            digest_test_send(actor=actor, subscription=subscription)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
        except (smtplib.SMTPException, OSError) as error:
            self.message_user(
                request, f"The mail server did not take the test: {error}", level=messages.ERROR
            )
        else:
            self.message_user(request, f"Test sent to {actor.email}.")
        return redirect("admin:digests_subscription_preview", subscription.pk)


@admin.register(DigestRun)
class DigestRunAdmin(_ReadOnlyAdmin):
    list_display = ("__str__", "frequency", "due", "sent", "skipped", "failed", "pending")
    list_filter = ("frequency",)
    ordering = ("-window_end", "-pk")
    fields = (
        "frequency",
        "window_end",
        "created_at",
        "due",
        "sent",
        "skipped",
        "failed",
        "pending",
    )
    readonly_fields = fields
    change_form_template = "admin/digests/digestrun/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CountedRun]:
        return digest_runs_counted()

    @admin.display(ordering="due")
    def due(self, obj: CountedRun) -> int:
        return obj.due

    @admin.display(ordering="sent")
    def sent(self, obj: CountedRun) -> int:
        return obj.sent

    @admin.display(ordering="skipped")
    def skipped(self, obj: CountedRun) -> int:
        return obj.skipped

    @admin.display(ordering="failed")
    def failed(self, obj: CountedRun) -> int:
        return obj.failed

    @admin.display(description="pending or sending", ordering="pending")
    def pending(self, obj: CountedRun) -> int:
        return obj.pending

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The run's fields, then its delivery log a page at a time, by status if asked."""
        run = self.get_object(request, object_id)
        if run is None:
            return super().change_view(request, object_id, form_url, extra_context)
        status = request.GET.get("status")
        if status not in DeliveryStatus.values:
            status = None
        page = Paginator(run_deliveries(run, status=status), DELIVERY_LOG_PAGE).get_page(
            request.GET.get("page")
        )
        log = {
            "deliveries": page,
            "status": status,
            "statuses": DeliveryStatus.choices,
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **log})

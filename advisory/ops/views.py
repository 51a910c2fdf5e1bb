from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from advisory.accounts.two_factor import operations_allowed
from advisory.ops import selectors
from advisory.ops.health import readiness


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers: for a supervisor deciding whether to restart it. Touches nothing."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Whether this process can serve: for a load balancer deciding whether to send it work."""
    ready, checks = readiness()
    return JsonResponse(
        {"status": "ok" if ready else "fail", "checks": checks}, status=200 if ready else 503
    )


@never_cache
def operations(request: HttpRequest) -> HttpResponse:
    """Queues, workers, the last digest runs and what failed: for desk admins."""
    if not admin.site.has_permission(request):
        return admin.site.login(request)
    if not operations_allowed(request.user):
        raise PermissionDenied("The operations page is for desk admins.")
    now = timezone.now()
    context = {
        **admin.site.each_context(request),
        "title": "Operations",
        "queues": selectors.queue_depths(),
        "heartbeats": [
            (beat, (now - beat.seen_at).total_seconds()) for beat in selectors.heartbeats()
        ],
        "runs": selectors.recent_digest_runs(),
        "failed_deliveries": selectors.failed_deliveries(),
        "task_failures": selectors.task_failures(),
        "unsent_tasks": selectors.unsent_tasks(),
    }
    return render(request, "admin/operations.html", context)

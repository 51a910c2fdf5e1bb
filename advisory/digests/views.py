from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from advisory.digests.forms import PreferencesForm
from advisory.digests.selectors import subscription_for_token
from advisory.digests.services import (
    Preferences,
    subscription_preferences_change,
    subscription_unsubscribe,
)
from advisory.lib.outbox import outbox_message, outbox_messages


def _folder() -> Path | None:
    if settings.EMAIL_BACKEND != "django.core.mail.backends.filebased.EmailBackend":
        return None
    return Path(settings.EMAIL_FILE_PATH)


@staff_member_required
def outbox(request: HttpRequest) -> HttpResponse:
    folder = _folder()
    context = {
        **admin.site.each_context(request),
        "title": "Outbox",
        "folder": folder,
        "messages_sent": outbox_messages(folder) if folder else [],
    }
    return render(request, "admin/outbox/list.html", context)


@staff_member_required
def outbox_detail(request: HttpRequest, key: str) -> HttpResponse:
    folder = _folder()
    message = outbox_message(folder, key) if folder else None
    if message is None:
        raise Http404("No such message in the outbox.")
    context = {**admin.site.each_context(request), "title": message.subject, "message": message}
    return render(request, "admin/outbox/detail.html", context)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click, no sign-in (RFC 8058): a POST unsubscribes at once and never redirects.

    A GET only shows the button: link scanners in mail systems follow links, and must not
    unsubscribe anyone. The signed token is the credential, hence no CSRF token.
    """
    subscription = subscription_for_token(token)
    if subscription is None:
        response = render(request, "digests/unsubscribe_unknown.html", status=404)
    elif request.method == "POST":
        subscription_unsubscribe(actor=None, subscription=subscription)
        response = render(request, "digests/unsubscribed.html", {"subscription": subscription})
    else:
        response = render(request, "digests/unsubscribe.html", {"subscription": subscription})
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """When and what the digest sends, reached from a link in every digest (no sign-in)."""
    subscription = subscription_for_token(token)
    if subscription is None:
        return render(request, "digests/unsubscribe_unknown.html", status=404)
    current = {
        "delivery_time": subscription.delivery_time,
        "timezone": subscription.timezone,
        "weekday": subscription.weekday,
        "kinds": subscription.kinds,
        "use_follows": subscription.use_follows,
    }
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=current)
    saved = False
    if form.is_valid():
        try:
            subscription = subscription_preferences_change(
                actor=request.user if request.user.is_authenticated else None,
                subscription=subscription,
                preferences=Preferences(
                    frequency=subscription.frequency,
                    regions=subscription.regions.all(),
                    tags=subscription.tags.all(),
                    entities=subscription.entities.all(),
                    **form.cleaned_data,
                ),
            )
            saved = True
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
    context = {"subscription": subscription, "form": form, "saved": saved, "token": token}
    response = render(request, "digests/preferences.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response

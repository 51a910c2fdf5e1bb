import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from advisory.accounts.models import User
from advisory.briefs.models import BriefKind
from advisory.digests.forms import PreferencesForm, SubscribeForm, SubscriptionForm
from advisory.digests.models import Frequency, Subscription, SubscriptionStatus
from advisory.digests.selectors import subscription_for_token
from advisory.digests.services import (
    CONFIRMATION_MAX_AGE,
    ConfirmationRefused,
    Preferences,
    subscription_confirm,
    subscription_for_confirmation,
    subscription_preferences_change,
    subscription_request,
    subscription_save,
    subscription_unsubscribe,
)
from advisory.lib.csp import email_preview_styles
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
@email_preview_styles
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


@csrf_exempt
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """When and what the digest sends, reached from a link in every digest (no sign-in).

    The signed token is the credential, hence no CSRF token: with the page's no-referrer
    policy a browser posts the form with "Origin: null", which Django's CSRF check refuses.
    """
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


def _private(response: HttpResponse) -> HttpResponse:
    """A page reached by a credential in its address: kept out of indexes, referrers, caches."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _errors_to_form(form: forms.Form, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


_FREQUENCY_ORDER = {value: position for position, value in enumerate(Frequency.values)}


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """The signed-in reader's email digests: what they get and when, and a form to subscribe
    or change one (the form edits the subscription of the frequency it names)."""
    user = request.user
    assert isinstance(user, User)
    subscriptions = sorted(
        Subscription.objects.filter(user=user).prefetch_related("regions", "tags", "entities"),
        key=lambda subscription: _FREQUENCY_ORDER[subscription.frequency],
    )
    by_frequency = {subscription.frequency: subscription for subscription in subscriptions}
    asked = request.POST.get("frequency") or request.GET.get("frequency") or ""
    editing = by_frequency.get(asked)
    current_timezone = editing.timezone if editing else None
    if request.method == "POST":
        form = SubscriptionForm(request.POST, current_timezone=current_timezone)
        if form.is_valid():
            try:
                saved = subscription_save(actor=user, preferences=form.preferences())
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, f"Saved: {saved.get_frequency_display().lower()}.")
                return redirect("digests:manage")
    else:
        initial = (
            SubscriptionForm.initial_for(editing)
            if editing
            else {"frequency": asked if asked in Frequency.values else Frequency.DAILY}
        )
        form = SubscriptionForm(initial=initial, current_timezone=current_timezone)
    kind_labels = dict(BriefKind.choices)
    rows = [
        {"subscription": item, "kinds": [kind_labels.get(kind, kind) for kind in item.kinds]}
        for item in subscriptions
    ]
    context = {"rows": rows, "form": form, "editing": editing}
    return render(request, "digests/manage.html", context)


@login_required
@require_POST
def manage_unsubscribe(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Stop one of the signed-in reader's digests."""
    user = request.user
    assert isinstance(user, User)
    subscription = get_object_or_404(Subscription, public_id=public_id, user=user)
    subscription = subscription_unsubscribe(actor=user, subscription=subscription)
    messages.success(request, f"Unsubscribed: {subscription.get_frequency_display().lower()}.")
    return redirect("digests:manage")


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """Public briefs by email for someone without a portal account, after double opt-in.

    Whatever the address's state, a valid request ends on the same page: nobody learns here
    who is subscribed.
    """
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            subscription_request(email=form.cleaned_data["email"], preferences=form.preferences())
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect("digests:subscribe-sent")
    return render(request, "digests/subscribe.html", {"form": form})


def subscribe_sent(request: HttpRequest) -> HttpResponse:
    days = CONFIRMATION_MAX_AGE.days
    return render(request, "digests/subscribe_sent.html", {"valid_for_days": days})


def _confirmation_refused(request: HttpRequest, refused: ConfirmationRefused) -> HttpResponse:
    status = 404 if refused.reason == "forged" else 400
    context = {"reason": refused.reason, "valid_for_days": CONFIRMATION_MAX_AGE.days}
    return _private(render(request, "digests/confirm_refused.html", context, status=status))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation email. A GET only shows the button (mail systems' link
    scanners follow links, and must confirm nothing); the POST confirms.

    The signed token is the credential, hence no CSRF token: with the page's no-referrer
    policy a browser posts the form with "Origin: null", which Django's CSRF check refuses.
    """
    try:
        subscription = subscription_for_confirmation(token)
        if request.method == "POST":
            subscription = subscription_confirm(token=token)
            template = "digests/confirmed.html"
        elif subscription.status == SubscriptionStatus.ACTIVE:
            template = "digests/confirmed.html"
        elif subscription.status != SubscriptionStatus.PENDING:
            raise ConfirmationRefused("gone")
        else:
            template = "digests/confirm.html"
    except ConfirmationRefused as refused:
        return _confirmation_refused(request, refused)
    context = {"subscription": subscription, "token": token}
    return _private(render(request, template, context))

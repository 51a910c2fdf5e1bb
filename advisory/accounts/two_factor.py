"""Two-factor sign-in for staff: a code from an authenticator app (TOTP, through django-otp).

Optional for each member of staff, unless a desk admin requires it of them (the user's
"two-factor required" box): then the admin opens only once they have set it up. Whoever has it
signs in at the admin's sign-in page with their password and the app's current code; the
portal's sign-in page, which asks for no code, turns them away.
"""

import base64
from collections.abc import Callable
from typing import Any

import segno
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from advisory.accounts.models import Role, User
from advisory.accounts.selectors import user_role
from advisory.accounts.services import (
    two_factor_device_confirm,
    two_factor_device_pending,
    two_factor_disable,
)


def confirmed_device(user: Any) -> TOTPDevice | None:
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _code_field() -> forms.CharField:
    return forms.CharField(
        label="Authentication code",
        required=False,
        max_length=10,
        strip=True,
        help_text="The six digits your authenticator app shows, if you set up two-factor sign-in.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class AdminSignInForm(AdminAuthenticationForm):
    """The admin's sign-in: password, then the app's code for those who set one up."""

    otp_token = _code_field()

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        user = self.get_user()
        device = confirmed_device(user)
        if device is None:
            return cleaned
        token = str(cleaned.get("otp_token") or "").replace(" ", "")
        if not token:
            raise ValidationError(
                "This account signs in with two factors: enter the six-digit code your "
                "authenticator app shows.",
                code="otp_required",
            )
        if not device.verify_token(token):
            raise ValidationError(
                "That code is not the one your authenticator app shows now. Enter the current "
                "code (they change every 30 seconds).",
                code="otp_invalid",
            )
        # django-otp marks the session verified when it sees this at sign-in.
        user.otp_device = device  # type: ignore[attr-defined]
        return cleaned


class DeskAdminSite(admin.AdminSite):
    login_form = AdminSignInForm
    login_template = "admin/sign_in.html"

    def has_permission(self, request: HttpRequest) -> bool:
        """Staff, and verified by the second factor if they have one (a session begun before
        it was set up, or elsewhere, must sign in again)."""
        if not super().has_permission(request):
            return False
        user = request.user
        return user.is_verified() or confirmed_device(user) is None  # type: ignore[union-attr]

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        context["may_see_operations"] = operations_allowed(request.user)
        return context


def operations_allowed(user: Any) -> bool:
    """The operations page (queues, runs, failures) is for desk admins."""
    return bool(user.is_authenticated and user.is_staff and user_role(user) == Role.DESK_ADMIN)


_ENROLMENT_OPEN_PATHS = ("/admin/two-factor/", "/admin/login/", "/admin/logout/", "/admin/jsi18n/")


def enrolment_required_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Staff required to use two factors who have not set them up see only the set-up page."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            request.path.startswith("/admin/")
            and not request.path.startswith(_ENROLMENT_OPEN_PATHS)
            and user.is_authenticated
            and user.is_staff
            and isinstance(user, User)
            and user.two_factor_required
            and confirmed_device(user) is None
        ):
            # The set-up page says why they were brought there.
            return redirect("two-factor")
        return get_response(request)

    return middleware


class CodeForm(forms.Form):
    otp_token = _code_field()


@staff_member_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (scan, then prove it with a code), or turn it off."""
    user = request.user
    assert isinstance(user, User)
    device = confirmed_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "disable" and device:
        try:
            two_factor_disable(actor=user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, "Two-factor sign-in is off for your account.")
        return redirect("two-factor")
    pending = None if device else two_factor_device_pending(actor=user)
    if request.method == "POST" and pending is not None and form.is_valid():
        token = form.cleaned_data["otp_token"].replace(" ", "")
        if two_factor_device_confirm(actor=user, device=pending, token=token):
            pending.refresh_from_db()
            otp_login(request, pending)
            messages.success(request, "Two-factor sign-in is on: the admin asks for a code now.")
            return redirect(reverse("admin:index"))
        form.add_error(
            "otp_token", "That code does not match: enter the one your app shows right now."
        )
    context = {
        **admin.site.each_context(request),
        "title": "Two-factor sign-in",
        "device": device,
        "required": user.two_factor_required,
        "form": form,
    }
    if pending is not None:
        context["qr_svg"] = segno.make(pending.config_url, error="m").svg_inline(
            scale=5, title="QR code for your authenticator app"
        )
        context["secret"] = base64.b32encode(pending.bin_key).decode()
    return render(request, "admin/two_factor.html", context)

"""How django-axes tells a client apart and what it answers once a sign-in is locked out.

Both are named in settings (AXES_CLIENT_IP_CALLABLE, AXES_LOCKOUT_CALLABLE), so the portal's
sign-in and the admin's share them.
"""

from collections.abc import Mapping

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    """The address the sign-in came from.

    Behind TRUSTED_PROXY_COUNT reverse proxies the connection comes from the nearest proxy;
    each proxy appends the address it saw to X-Forwarded-For, so the client is the entry that
    many places from the end. Entries further left were written by the client and prove nothing.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if proxies > 0 and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None,
    credentials: Mapping[str, object] | None,
) -> HttpResponse:
    """429 with a page that says when signing in will work again.

    Every refused attempt restarts the cool-off, so it ends one cool-off from now.
    """
    cool_off = get_cool_off(request)
    assert cool_off is not None, "settings.AXES_COOLOFF_TIME is always set"
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cool_off_minutes": int(cool_off.total_seconds() // 60),
        "try_again_at": timezone.localtime() + cool_off,
        "sign_in_path": request.path,
    }
    response = render(request, "accounts/lockout.html", context, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response

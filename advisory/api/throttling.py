"""How many requests a minute the API takes: per token, per signed-in user, per address.

The history is kept in the default cache (Redis in production), so every web process counts
the same requests. The rates are read from the settings on each request.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from advisory.accounts.models import ApiToken

if TYPE_CHECKING:  # DRF's settings import these classes while rest_framework.views loads
    from rest_framework.views import APIView


class ClientRateThrottle(SimpleRateThrottle):
    """A token counts on its own (a user's two programs do not slow each other); a signed-in
    user of the browsable API counts per user."""

    scope = "client"

    def get_rate(self) -> str | None:
        rate: str | None = settings.API_THROTTLE_RATE
        return rate

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}
        return None


class AnonymousRateThrottle(SimpleRateThrottle):
    """Visitors count per address (behind TRUSTED_PROXY_COUNT proxies)."""

    scope = "anonymous"

    def get_rate(self) -> str | None:
        rate: str | None = settings.API_ANON_THROTTLE_RATE
        return rate

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

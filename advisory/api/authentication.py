"""API tokens, sent as `Authorization: Bearer adv_…`: made and revoked on the account pages."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from advisory.accounts.models import ApiToken, User
from advisory.accounts.selectors import api_token_resolve
from advisory.accounts.services import api_token_used


class ApiTokenAuthentication(BaseAuthentication):
    """A request with a Bearer token is that token's user's, or is refused with a 401.

    `request.auth` is the `ApiToken`, so throttling counts per token.
    """

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Send the token as “Authorization: Bearer <token>”.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            token = ""
        api_token = api_token_resolve(token)
        if api_token is None:
            raise AuthenticationFailed("The token is not valid: it may have been revoked.")
        api_token_used(api_token=api_token)
        return api_token.user, api_token

    def authenticate_header(self, request: Request) -> str:
        # Being first among the authentication classes, this makes a missing login a 401.
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`adv_…`), made on the account's API tokens "
            "page and sent as `Authorization: Bearer <token>`.",
        }

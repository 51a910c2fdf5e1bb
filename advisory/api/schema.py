"""The OpenAPI document: every operation lists the errors it may answer with, in one shape.

Rather than each view listing them by hand, the schema class works them out from what the
view is: every request may be refused for a bad token (401) or its rate (429); a list for bad
parameters and a write for a bad body (400); the desk's endpoints for a role, and a write for
a session's missing CSRF token (403); an address naming something, for a name nothing has
(404); a body, for its size (413) or for not being JSON (415). A view adds others (409) itself.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import SAFE_METHODS

from advisory.api.errors import ErrorSerializer
from advisory.api.permissions import DeskPermission

ERROR_DESCRIPTIONS = {
    400: "Bad input: `fields` names each parameter or field and what is wrong with it.",
    401: "No valid credentials: the token is missing, malformed or revoked.",
    403: "Signed in, but this role may not do this (or the session's CSRF check failed).",
    404: "Nothing you may see has this address.",
    409: "Refused by the resource's current state; nothing was changed.",
    413: "The body is larger than the API takes (2.5 MB).",
    415: "The body is not JSON.",
    429: "Too many requests: wait for the seconds `Retry-After` gives.",
}


def error_response(status: int, description: str = "") -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description or ERROR_DESCRIPTIONS[status])


_HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "schema": {"type": "string"},
            "description": "How to authenticate: `Bearer`.",
        }
    },
    "429": {
        "Retry-After": {
            "schema": {"type": "integer"},
            "description": "Seconds until a request will be taken again.",
        }
    },
}


class ApiAutoSchema(AutoSchema):
    def _error_statuses(self) -> list[int]:
        statuses = [401, 429]
        writes = self.method in ("POST", "PUT", "PATCH")
        if writes or getattr(self.view, "pagination_class", None) is not None:
            statuses.append(400)
        # A role refused, or a session's write without its CSRF token.
        if self.method not in SAFE_METHODS or any(
            isinstance(permission, DeskPermission) for permission in self.view.get_permissions()
        ):
            statuses.append(403)
        if "{" in self.path:
            statuses.append(404)
        if writes:
            statuses += [413, 415]
        return sorted(statuses)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    error_response(status), str(status), direction=direction
                )
        return responses

    def _get_response_headers_for_code(
        self, status_code: str, direction: Any = "response"
    ) -> dict[str, Any]:
        headers: dict[str, Any] = super()._get_response_headers_for_code(status_code, direction)
        return {**_HEADERS.get(status_code, {}), **headers}

"""One JSON shape for every API error.

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"region": ["…"]}}}

`fields` is present only for validation errors that name fields. A field inside a list or
an object is named by its path: `tags.2`, `links.0.entity`.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    406: "Could not satisfy the request's Accept header.",
    409: "The request conflicts with the resource's current state.",
    413: "The body is larger than the API takes.",
    415: "Unsupported media type.",
    429: "Request was throttled.",
}


def error_body(status: int, code: str, message: str, fields: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _first_message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_message(next(iter(detail.values())))
    return str(detail)


class Conflict(exceptions.APIException):
    """The request is valid but the resource's state refuses it (an edit made on an old
    version, a brief no longer a draft): nothing was changed."""

    status_code = 409
    default_detail = MESSAGES[409]
    default_code = "conflict"


def flattened(detail: Any, path: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as one level: each path to its messages."""
    if isinstance(detail, dict):
        found: dict[str, list[str]] = {}
        for key, value in detail.items():
            if path and key == api_settings.NON_FIELD_ERRORS_KEY:
                child = path  # a nested object's errors about itself are the field's own
            else:
                child = f"{path}.{key}" if path else str(key)
            found.update(flattened(value, child))
        return found
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        found = {}
        for index, item in enumerate(detail):
            found.update(flattened(item, f"{path}.{index}" if path else str(index)))
        return found
    messages = detail if isinstance(detail, list) else [detail]
    return {path or "non_field_errors": [str(message) for message in messages]}


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = MESSAGES[413]
    default_code = "too_large"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoValidationError):
        # A service's refusal of bad input: its fields are the API's, or it is about the whole.
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    status = response.status_code
    code = exc.get_codes() if isinstance(exc.detail, str) else exc.default_code
    fields = None
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        if isinstance(exc.detail, dict):
            fields = flattened(exc.detail)
            message = MESSAGES[400]
        else:
            message = _first_message(exc.detail)
    else:
        message = _first_message(exc.detail) or MESSAGES.get(status, "Error.")
    response.data = error_body(status, str(code), message, fields)
    return response


@csrf_exempt
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """An address under the API that names nothing: the same shape, not the portal's page."""
    return JsonResponse(error_body(404, "not_found", "No such endpoint."), status=404)


class ErrorFieldsSerializer(serializers.Serializer[Any]):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    # Declared fields leave the class's attributes, so this does not hide `Serializer.fields`.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class ErrorSerializer(serializers.Serializer[Any]):
    """The schema of every error response."""

    error = ErrorFieldsSerializer()

"""Log lines that say which request or task they belong to.

A context (request id, task id, digest run…) is set around a request or a task and copied onto
every record logged meanwhile, by any logger. Production writes one JSON object a line
(LOG_FORMAT=json); the demo writes the same fields as plain text. Free of Django imports, so
gunicorn's own configuration can use the formatters too.
"""

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "advisory_log_context", default=MappingProxyType({})
)

# What a proxy or a client may pass as X-Request-ID and we repeat: no spaces, quotes or
# control characters to forge log lines with, and short.
_WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@-]{8,128}")

# The attributes every LogRecord has; anything else was passed with `extra=` and is logged.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "context",
    "context_text",
}


def log_context_get() -> dict[str, Any]:
    return dict(_context.get())


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Add `values` to every record logged inside the block, in this thread or task."""
    token = _context.set({**_context.get(), **values})
    try:
        yield
    finally:
        _context.reset(token)


def log_context_push(**values: Any) -> contextvars.Token[Mapping[str, Any]]:
    """For hooks that open and close the context in two calls (Celery's signals)."""
    return _context.set({**_context.get(), **values})


def log_context_pop(token: contextvars.Token[Mapping[str, Any]]) -> None:
    _context.reset(token)


def request_id_from(header: str | None) -> str:
    """The id a proxy gave the request, if it is well formed; else a new one."""
    if header and _WELL_FORMED_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Copies the current context onto the record, for the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get()
        record.context = context
        record.context_text = (
            "[" + " ".join(f"{k}={v}" for k, v in context.items()) + "] " if context else ""
        )
        return True


# gunicorn's access logger passes its atoms as the record's args: the ones worth a field.
_ACCESS_FIELDS = {
    "h": "remote",
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "a": "user_agent",
    "{x-request-id}o": "request_id",
}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the context and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "context", {}),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            atoms = record.args
            entry.update(
                {
                    field: atoms[atom]
                    for atom, field in _ACCESS_FIELDS.items()
                    if atoms.get(atom) not in (None, "-")
                }
            )
        entry.update({key: value for key, value in record.__dict__.items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(context_text)s%(message)s"


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The dictConfig for Django, the Celery processes and gunicorn alike."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if log_format == "json" else {"format": PLAIN_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Axes reports failures and lockouts as warnings; its INFO lines repeat every sign-in.
            "axes": {"level": "WARNING"},
            # gunicorn's own loggers, on the same handler when gunicorn reads this config.
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }


def log_context_clear(**kwargs: Any) -> None:
    """At the start and end of each request (Django's signals): nothing carries over from the
    previous request served by the same thread."""
    _context.set(MappingProxyType({}))


def request_id_middleware(get_response: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Gives each request an id: in every log line it causes, in the tasks it enqueues and in
    the X-Request-ID response header (which gunicorn's access log repeats).

    The context stays set until the request is finished, so Django's own lines about the
    response (a 404, a 500) logged after the middleware carry the id too.
    """

    def middleware(request: Any) -> Any:
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        log_context_push(request_id=request_id)
        response = get_response(request)
        response["X-Request-ID"] = request_id
        return response

    return middleware

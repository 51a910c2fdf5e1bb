"""A WSGI application that answers 200 to everything: gunicorn's own logging under test,
without the project's database behind it."""

from collections.abc import Callable, Iterable
from typing import Any


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Request-ID", "req-12345678")])
    return [b"ok"]

"""Signing in with a username and password, and finding the signed-in user on each request."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest, HttpResponse

from advisory.accounts.models import User
from advisory.accounts.selectors import user_with_entitlement

READER_BACKEND = "advisory.accounts.backends.ReaderBackend"
# What sessions begun before 7 December 2026 record as the backend that signed them in.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class ReaderBackend(ModelBackend):
    """Django's `ModelBackend`, but the user of a session is read in the same query as what
    they may read and what they follow (`user_with_entitlement`): every signed-in portal page
    asks both, and on a busy machine each round trip to PostgreSQL costs more than its SQL."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_with_entitlement(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def session_backend_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """A session begun before `ReaderBackend` records `ModelBackend`, which Django would no
    longer accept (it finds a session's user only through a backend still in
    AUTHENTICATION_BACKENDS): it is moved to `ReaderBackend`, which finds the same users, so
    the reader stays signed in. Listing both would check every wrong password twice."""

    def middleware(request: HttpRequest) -> HttpResponse:
        session = request.session
        # Only a browser that sent a session cookie can hold one (and the session is not
        # read for anyone else, so their responses do not vary by cookie).
        if session.session_key is not None and session.get(BACKEND_SESSION_KEY) == MODEL_BACKEND:
            session[BACKEND_SESSION_KEY] = READER_BACKEND
        return get_response(request)

    return middleware

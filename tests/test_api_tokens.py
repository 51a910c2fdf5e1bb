"""API tokens from the account page to the API and back, the other ways in, and throttling."""

import datetime
import hashlib
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from advisory.accounts.models import ApiToken, Role, User
from advisory.accounts.services import API_TOKENS_PER_USER, api_token_create
from advisory.workflow.models import AuditEvent
from tests.factories import EntityFactory, client_reader, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TOKENS = reverse("accounts:api-tokens")
ME = reverse("api:me")
FOLLOWS = reverse("api:follow-list")
TOKEN_SHOWN = re.compile(r'value="(adv_[0-9a-f]{8}_[A-Za-z0-9_-]{43})"')


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error: dict[str, Any] = json.loads(response.content)["error"]
    assert (error["status"], error["code"]) == (status, code), error
    return error


def _bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_is_made_on_the_account_page_shown_once_used_and_revoked() -> None:
    reader = client_reader(username="meridian")
    page = Client()
    page.force_login(reader)
    assert "You have no API token yet" in page.get(TOKENS).content.decode()
    assert TOKENS in page.get(reverse("accounts:account")).content.decode()

    created = page.post(TOKENS, {"name": "  Risk   dashboard "})
    assert created.status_code == 200
    assert created["Cache-Control"].startswith("max-age=0")  # never_cache
    shown = TOKEN_SHOWN.findall(created.content.decode())
    assert len(shown) == 1
    token = shown[0]
    stored = ApiToken.objects.get(user=reader)
    assert stored.name == "Risk dashboard"
    assert stored.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(f"adv_{stored.prefix}_")
    assert AuditEvent.objects.filter(verb="api_token.created").count() == 1
    # Shown once: the list names it by its prefix only.
    listing = page.get(TOKENS).content.decode()
    assert token not in listing and f"adv_{stored.prefix}_…" in listing
    assert "Never" in listing

    client = _bearer(token)
    me = json.loads(client.get(ME).content)
    assert (me["username"], me["role"], me["tier"]) == ("meridian", "client_reader", "standard")
    stored.refresh_from_db()
    first_use = stored.last_used_at
    assert first_use is not None
    # Within the minute, a request reads the token and writes nothing.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    ApiToken.objects.filter(pk=stored.pk).update(
        last_used_at=first_use - datetime.timedelta(minutes=2)
    )
    client.get(ME)
    stored.refresh_from_db()
    assert stored.last_used_at is not None and stored.last_used_at >= first_use

    revoked = page.post(reverse("accounts:api-token-revoke", args=[stored.pk]))
    assert revoked.status_code == 302
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    error = _error(client.get(ME), 401, "authentication_failed")
    assert "revoked" in error["message"]
    assert client.get(ME)["WWW-Authenticate"] == 'Bearer realm="api"'
    # A revoked token is refused on open endpoints too, rather than read as a visitor.
    _error(client.get(reverse("api:brief-list")), 401, "authentication_failed")
    assert "Revoked" in page.get(TOKENS).content.decode()


def test_nobody_revokes_or_sees_another_users_token_and_signing_in_is_required() -> None:
    owner = client_reader(username="owner")
    api_token, _ = api_token_create(actor=owner, name="Mine")
    intruder = Client()
    intruder.force_login(client_reader(username="intruder"))
    assert "Mine" not in intruder.get(TOKENS).content.decode()
    response = intruder.post(reverse("accounts:api-token-revoke", args=[api_token.pk]))
    assert response.status_code == 404
    api_token.refresh_from_db()
    assert api_token.revoked_at is None
    assert Client().get(TOKENS).status_code == 302
    assert Client().post(TOKENS, {"name": "x"}).status_code == 302


def test_a_desk_admin_sees_a_users_tokens_and_revokes_one_from_the_admin() -> None:
    owner = client_reader(username="leaky")
    leaked, leaked_token = api_token_create(actor=owner, name="Shared by mistake")
    kept, kept_token = api_token_create(actor=owner, name="Dashboard")
    user_page = reverse("admin:accounts_user_change", args=[owner.pk])
    revoke = reverse("admin:accounts_user_api_token_revoke", args=[owner.pk, leaked.pk])

    editor = Client()
    editor.force_login(staff_user(Role.EDITOR, username="ed"))
    assert editor.post(revoke).status_code == 403

    desk_admin = staff_user(Role.DESK_ADMIN, username="boss")
    admin = Client()
    admin.force_login(desk_admin)
    page = admin.get(user_page).content.decode()
    assert "Shared by mistake" in page and f"adv_{leaked.prefix}_" in page
    assert f'formaction="{revoke}"' in page
    assert leaked_token not in page and kept_token not in page
    assert admin.get(revoke).status_code == 405

    response = admin.post(revoke, follow=True)
    assert response.redirect_chain == [(user_page, 302)]
    assert "no longer opens the API" in response.content.decode()
    _error(_bearer(leaked_token).get(ME), 401, "authentication_failed")
    assert _bearer(kept_token).get(ME).status_code == 200
    event = AuditEvent.objects.get(verb="api_token.revoked")
    assert (event.actor, event.target_id) == (desk_admin, str(leaked.pk))
    other = reverse("admin:accounts_user_api_token_revoke", args=[desk_admin.pk, kept.pk])
    assert admin.post(other).status_code == 404


def test_a_token_needs_a_name_and_a_user_has_at_most_ten() -> None:
    reader = client_reader()
    page = Client()
    page.force_login(reader)
    assert page.post(TOKENS, {"name": "   "}).status_code == 400
    for n in range(API_TOKENS_PER_USER):
        api_token_create(actor=reader, name=f"Token {n}")
    refused = page.post(TOKENS, {"name": "One more"})
    assert refused.status_code == 400
    assert "revoke one" in refused.content.decode()
    assert not TOKEN_SHOWN.findall(refused.content.decode())
    assert ApiToken.objects.filter(user=reader).count() == API_TOKENS_PER_USER


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer two words",
        "Bearer adv_00000000_" + "x" * 43,
        "Bearer not-a-token",
        "Bearer adv_\u00e9",
    ],
)
def test_a_bad_token_is_a_401_that_says_how_to_authenticate(header: str) -> None:
    client = Client(HTTP_AUTHORIZATION=header.encode().decode("latin-1"))
    response = client.get(reverse("api:brief-list"))
    _error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_no_credentials_on_a_closed_endpoint_is_a_401_and_an_inactive_users_token_fails() -> None:
    response = Client().get(ME)
    _error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    reader = client_reader()
    _, token = api_token_create(actor=reader, name="Script")
    User.objects.filter(pk=reader.pk).update(is_active=False)
    _error(_bearer(token).get(ME), 401, "authentication_failed")


def test_a_session_write_needs_its_csrf_token_a_bearer_write_does_not() -> None:
    EntityFactory(slug="nuri-al-maliki", name="Nuri al-Maliki")
    reader = client_reader()
    body = json.dumps({"kind": "entity", "slug": "nuri-al-maliki"})
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reader)
    response = browser.post(FOLLOWS, body, content_type="application/json")
    error = _error(response, 403, "permission_denied")
    assert "CSRF" in error["message"]
    assert not reader.follows.exists()
    _, token = api_token_create(actor=reader, name="Script")
    program = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert program.post(FOLLOWS, body, content_type="application/json").status_code == 201


@pytest.mark.redis
def test_throttling_counts_per_token_and_per_address_and_answers_429_in_the_error_shape(
    settings: SettingsWrapper,
) -> None:
    settings.API_THROTTLE_RATE = "3/minute"
    settings.API_ANON_THROTTLE_RATE = "2/minute"
    reader = client_reader()
    first = _bearer(api_token_create(actor=reader, name="First")[1])
    second = _bearer(api_token_create(actor=reader, name="Second")[1])
    briefs = reverse("api:brief-list")
    assert [first.get(briefs).status_code for _ in range(3)] == [200, 200, 200]
    throttled = first.get(briefs)
    error = _error(throttled, 429, "throttled")
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert "available in" in error["message"]
    # Each token counts on its own.
    assert second.get(briefs).status_code == 200

    visitor = Client(REMOTE_ADDR="203.0.113.9")
    assert [visitor.get(briefs).status_code for _ in range(3)] == [200, 200, 429]
    assert Client(REMOTE_ADDR="203.0.113.10").get(briefs).status_code == 200


def test_the_token_is_kept_only_as_a_hash() -> None:
    reader = client_reader()
    api_token, token = api_token_create(actor=reader, name="Script")
    secret = token[len("adv_12345678_") :]
    row = ApiToken.objects.filter(pk=api_token.pk).values().get()
    assert not any(secret in str(value) for value in row.values())
    assert timezone.now() - api_token.created_at < datetime.timedelta(minutes=1)

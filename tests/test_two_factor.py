"""Two-factor sign-in for staff, with real TOTP codes computed here (RFC 6238)."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from advisory.accounts.models import Role, User
from advisory.workflow.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, client_reader, staff_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def totp(key: bytes, at: float | None = None) -> str:
    """The six-digit code an authenticator app shows for `key` (SHA-1, 30-second steps)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


@pytest.fixture(autouse=True)
def _no_throttle(settings: SettingsWrapper) -> None:
    # django-otp makes a device wait after a wrong code (1 s, doubling): the tests try a wrong
    # code and then the right one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def editor() -> User:
    return staff_user(role=Role.EDITOR, username="editor")


def _device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def _sign_in(client: Client, code: str = "", username: str = "editor") -> str:
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": DEFAULT_PASSWORD, "otp_token": code, "next": "/admin/"},
    )
    if response.status_code == 302:
        return str(response["Location"])
    return response.content.decode()


def test_staff_without_two_factor_sign_in_with_a_password(client: Client, editor: User) -> None:
    assert _sign_in(client) == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_with_two_factor_need_the_current_code(client: Client, editor: User) -> None:
    device = _device(editor)
    assert "enter the six-digit code" in _sign_in(client)
    wrong = f"{(int(totp(device.bin_key)) + 1) % 1_000_000:06d}"
    assert "not the one your authenticator app shows now" in _sign_in(client, wrong)
    assert client.get("/admin/").status_code == 302
    assert _sign_in(client, totp(device.bin_key)) == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_code_works_once(client: Client, editor: User) -> None:
    device = _device(editor)
    code = totp(device.bin_key)
    assert _sign_in(client, code) == "/admin/"
    client.logout()
    assert "not the one your authenticator app shows now" in _sign_in(client, code)


def test_a_session_without_the_second_factor_does_not_open_the_admin(
    client: Client, editor: User
) -> None:
    _device(editor)
    client.force_login(editor)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_portal_sign_in_turns_away_accounts_with_two_factor(
    client: Client, editor: User
) -> None:
    _device(editor)
    response = client.post(
        "/account/sign-in/", {"username": "editor", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert "signs in with an authenticator code" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_setting_up_an_authenticator_app(client: Client, editor: User) -> None:
    client.force_login(editor)
    page = client.get("/admin/two-factor/").content.decode()
    assert "<svg" in page
    secret = re.search(r'class="two-factor-secret">([A-Z2-7=]+)<', page)
    assert secret, page
    key = base64.b32decode(secret.group(1))
    # The same key on reload: the app the writer is scanning with stays right.
    assert secret.group(1) in client.get("/admin/two-factor/").content.decode()

    wrong = f"{(int(totp(key)) + 1) % 1_000_000:06d}"
    response = client.post("/admin/two-factor/", {"otp_token": wrong})
    assert "does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()

    response = client.post("/admin/two-factor/", {"otp_token": totp(key)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert TOTPDevice.objects.get(user=editor).confirmed
    assert AuditEvent.objects.filter(verb="two_factor.enabled", actor=editor).exists()
    # This session proved the code: the admin stays open.
    assert client.get("/admin/").status_code == 200

    client.post("/admin/two-factor/", {"action": "disable"})
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert AuditEvent.objects.filter(verb="two_factor.disabled", actor=editor).exists()


def test_when_a_desk_admin_requires_it_the_admin_opens_only_after_set_up(
    client: Client, editor: User
) -> None:
    desk_admin = staff_user(role=Role.DESK_ADMIN, username="deskadmin")
    client.force_login(desk_admin)
    change = client.get(f"/admin/accounts/user/{editor.pk}/change/").content.decode()
    assert 'name="two_factor_required"' in change
    editor.two_factor_required = True
    editor.save(update_fields=["two_factor_required"])

    client.force_login(editor)
    response = client.get("/admin/briefs/brief/")
    assert response.status_code == 302 and response["Location"] == "/admin/two-factor/"
    page = client.get("/admin/two-factor/").content.decode()
    assert "requires two-factor sign-in" in page
    key = base64.b32decode(re.search(r'two-factor-secret">([A-Z2-7=]+)<', page).group(1))
    client.post("/admin/two-factor/", {"otp_token": totp(key)})
    assert client.get("/admin/briefs/brief/").status_code == 200

    client.post("/admin/two-factor/", {"action": "disable"})
    assert TOTPDevice.objects.filter(user=editor, confirmed=True).exists()


def test_client_readers_are_untouched(client: Client) -> None:
    client_reader()
    response = client.post(
        "/account/sign-in/", {"username": "reader", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302

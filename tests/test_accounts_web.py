"""Sign-in, sign-out, rate limiting, password reset and change, and the account page."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user
from django.core import mail
from django.http import HttpRequest, HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings as SettingsWrapper

from advisory.accounts.backends import MODEL_BACKEND, READER_BACKEND
from advisory.accounts.models import AccessTier, Follow, Role, User
from advisory.accounts.selectors import entitlement_of, follow_targets_of
from advisory.entities.models import Region
from tests.factories import DEFAULT_PASSWORD, RegionFactory, client_reader, staff_user

pytestmark = pytest.mark.django_db

SIGN_IN = "/account/sign-in/"
NEW_PASSWORD = "a brand new passphrase 42"


def _sign_in(client: Client, username: str, password: str, **extra: str) -> HttpResponseBase:
    return client.post(SIGN_IN, {"username": username, "password": password}, **extra)


def _signed_in_as(client: Client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id is not None else None


def test_urls_have_the_planned_names() -> None:
    assert reverse("accounts:login") == SIGN_IN
    assert reverse("accounts:logout") == "/account/sign-out/"
    assert reverse("accounts:account") == "/account/"
    assert reverse("accounts:password-reset") == "/account/password-reset/"
    assert settings.LOGIN_URL == "accounts:login"


def test_sign_in_page_has_labelled_fields_and_a_reset_link(client: Client) -> None:
    response = client.get(SIGN_IN)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<label for="id_username">Username:?</label>', html)
    assert re.search(r'<label for="id_password">Password:?</label>', html)
    assert 'autocomplete="current-password"' in html
    assert reverse("accounts:password-reset") in html


def test_a_reader_signs_in_and_lands_on_the_portal_home(client: Client) -> None:
    reader = client_reader()
    response = _sign_in(client, "reader", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert _signed_in_as(client) == reader.pk


def test_sign_in_follows_a_safe_next_and_ignores_another_site(client: Client) -> None:
    staff_user(role=Role.EDITOR, username="editor")
    response = client.post(
        f"{SIGN_IN}?next=/admin/",
        {"username": "editor", "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    client.logout()
    response = client.post(
        SIGN_IN,
        {"username": "editor", "password": DEFAULT_PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("portal:home")


def test_a_wrong_password_is_refused_with_a_clear_message(client: Client) -> None:
    client_reader()
    response = _sign_in(client, "reader", "not the password")
    html = response.content.decode()
    assert response.status_code == 200
    assert _signed_in_as(client) is None
    assert 'role="alert"' in html
    assert "That username and password do not match an account" in html
    # The username is kept, the password is not echoed back.
    assert 'value="reader"' in html
    assert "not the password" not in html


def test_sign_out_takes_a_post_only(client: Client) -> None:
    reader = client_reader()
    client.force_login(reader)
    assert client.get("/account/sign-out/").status_code == 405
    assert _signed_in_as(client) == reader.pk

    response = client.post("/account/sign-out/")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert _signed_in_as(client) is None


def test_the_test_client_can_sign_in_when_given_a_request() -> None:
    """Axes needs the request to know who is trying: tests pass one to Client.login."""
    client_reader()
    client = Client()
    assert client.login(request=HttpRequest(), username="reader", password=DEFAULT_PASSWORD)


# Rate limiting -------------------------------------------------------------------------------


def _fail(client: Client, times: int, path: str = SIGN_IN, **extra: str) -> list[int]:
    return [
        client.post(path, {"username": "reader", "password": "wrong"}, **extra).status_code
        for _ in range(times)
    ]


def test_sign_in_locks_after_the_failure_limit_and_says_when_to_try_again(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    client_reader()

    assert _fail(client, 2) == [200, 200]
    before = timezone.localtime()
    response = client.post(SIGN_IN, {"username": "reader", "password": "wrong"})
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    html = response.content.decode()
    assert "<h1>Too many sign-in attempts</h1>" in html
    assert 'role="alert"' in html
    assert "failed 3 times" in html
    assert "paused for 15 minutes" in html
    try_again = re.search(r'<time datetime="([^"]+)">', html)
    assert try_again is not None
    at = datetime.datetime.fromisoformat(try_again.group(1))
    assert before + datetime.timedelta(minutes=15) <= at + datetime.timedelta(seconds=1)
    assert at <= timezone.localtime() + datetime.timedelta(minutes=15)
    assert reverse("accounts:password-reset") in html

    # The right password does not get through while the pause lasts.
    response = _sign_in(client, "reader", DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert _signed_in_as(client) is None


def test_the_lock_holds_one_username_from_one_address(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    reader = client_reader()
    client_reader(username="colleague")
    _fail(client, 2)
    assert _sign_in(client, "reader", DEFAULT_PASSWORD).status_code == 429

    # A colleague in the same office still signs in …
    assert _sign_in(Client(), "colleague", DEFAULT_PASSWORD).status_code == 302
    # … and so does the reader from another address.
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert _sign_in(elsewhere, "reader", DEFAULT_PASSWORD).status_code == 302
    assert _signed_in_as(elsewhere) == reader.pk


def test_signing_in_works_again_after_the_cool_off(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    reader = client_reader()
    _fail(client, 2)
    assert _sign_in(client, "reader", DEFAULT_PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    response = _sign_in(client, "reader", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert _signed_in_as(client) == reader.pk


def test_the_desk_can_lift_a_lock_with_axes_reset(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    client_reader()
    _fail(client, 2)
    assert _sign_in(client, "reader", DEFAULT_PASSWORD).status_code == 429

    assert axes_reset(username="reader") == 1
    assert _sign_in(client, "reader", DEFAULT_PASSWORD).status_code == 302


def test_a_success_before_the_limit_clears_the_failures(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client_reader()
    _fail(client, 2)
    assert _sign_in(client, "reader", DEFAULT_PASSWORD).status_code == 302
    client.logout()
    assert _fail(client, 2) == [200, 200]


def test_the_admin_sign_in_is_rate_limited_too(client: Client, settings: SettingsWrapper) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    staff_user(role=Role.EDITOR, username="reader")
    assert _fail(client, 2, path="/admin/login/") == [200, 429]
    response = _sign_in(client, "reader", DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    client_reader()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    # A forged entry on the left changes nothing: the proxy appended the real address last.
    _fail(client, 1, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    _fail(client, 1, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7", **proxy)
    locked = _sign_in(client, "reader", DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert locked.status_code == 429
    other = _sign_in(
        Client(), "reader", DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy
    )
    assert other.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


# Password reset ------------------------------------------------------------------------------


def _reset_link(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://\S+/account/password-reset/confirm/\S+/", message.body)
    assert match is not None, message.body
    return match.group(0)


def test_password_reset_by_email_full_flow(client: Client) -> None:
    reader = client_reader(email="Reader@Example.org")
    response = client.post("/account/password-reset/", {"email": "reader@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Reader@Example.org"]
    assert message.subject == "Reset your Advisory password"
    link = _reset_link(message)
    assert link.startswith(settings.SITE_URL + "/")
    assert isinstance(message, mail.EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert link in html and "Choose a new password" in html

    path = link.removeprefix(settings.SITE_URL)
    # Django swaps the token for a session marker so it does not linger in the address bar.
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert "Choose a new password" in response.content.decode()
    form_path = response.redirect_chain[-1][0]

    response = client.post(
        form_path, {"new_password1": NEW_PASSWORD, "new_password2": "something else entirely"}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    reader.refresh_from_db()
    assert reader.check_password(DEFAULT_PASSWORD)

    response = client.post(
        form_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("accounts:password-reset-complete")
    reader.refresh_from_db()
    assert reader.check_password(NEW_PASSWORD)

    assert _sign_in(Client(), "reader", DEFAULT_PASSWORD).status_code == 200
    assert _sign_in(Client(), "reader", NEW_PASSWORD).status_code == 302

    # The link works once.
    again = Client().get(path, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_password_reset_does_not_reveal_whether_an_address_has_an_account(
    client: Client,
) -> None:
    client_reader(email="reader@example.org")
    known = client.post("/account/password-reset/", {"email": "reader@example.org"}, follow=True)
    unknown = client.post("/account/password-reset/", {"email": "nobody@example.org"}, follow=True)
    assert len(mail.outbox) == 1
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    assert "If an account uses the address you entered" in unknown.content.decode()


def test_password_reset_refuses_a_malformed_address(client: Client) -> None:
    response = client.post("/account/password-reset/", {"email": "not-an-address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mail.outbox == []


def test_a_signed_in_reader_changes_their_password(client: Client) -> None:
    reader = client_reader()
    assert client.get("/account/password/").status_code == 302
    client.force_login(reader)

    wrong = client.post(
        "/account/password/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()

    response = client.post(
        "/account/password/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response["Location"] == reverse("accounts:password-change-done")
    reader.refresh_from_db()
    assert reader.check_password(NEW_PASSWORD)
    # The session survives the change.
    assert _signed_in_as(client) == reader.pk


# The account page ----------------------------------------------------------------------------


def test_the_account_page_needs_a_signed_in_user(client: Client) -> None:
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN}?next=/account/"


def _reader_with_contract(regions: list[Region], **organisation_fields: object) -> User:
    reader = client_reader(display_name="Rana Reader", email="rana@example.org")
    organisation = reader.membership.organisation
    organisation.regions.set(regions)
    for name, value in organisation_fields.items():
        setattr(organisation, name, value)
    organisation.save()
    return reader


def test_the_account_page_shows_who_you_are_and_what_you_may_read(client: Client) -> None:
    middle_east = RegionFactory(
        name="Middle East", slug="middle-east", kind="region", iso_code=None
    )
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=middle_east)
    reader = _reader_with_contract(
        [middle_east, iraq], tier=AccessTier.PREMIUM, expires_on=datetime.date(2031, 3, 31)
    )
    client.force_login(reader)
    response = client.get("/account/")
    html = response.content.decode()
    assert response.status_code == 200
    organisation = reader.membership.organisation
    for expected in (
        "Rana Reader",
        "rana@example.org",
        organisation.name,
        "Premium",
        "every brief, premium included",
        "Middle East",
        "(all its countries)",
        "Iraq",
        "Every topic",
        "31 March 2031",
    ):
        assert expected in html, expected
    assert reverse("accounts:password-change") in html
    assert f'action="{reverse("accounts:logout")}"' in html


def test_the_account_page_explains_an_ended_subscription(client: Client) -> None:
    reader = _reader_with_contract([], expires_on=datetime.date(2020, 1, 31))
    client.force_login(reader)
    html = client.get("/account/").content.decode()
    assert "subscription ended on 31 January 2020" in html
    assert "you can read public briefs only" in html


def test_the_account_page_of_desk_staff(client: Client) -> None:
    client.force_login(staff_user(role=Role.EDITOR, username="editor"))
    html = client.get("/account/").content.decode()
    assert "You are on the desk: you read every published brief." in html
    assert reverse("admin:index") in html


@pytest.mark.parametrize("region_count", [1, 12])
def test_the_account_page_does_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries, region_count: int
) -> None:
    regions: list[Region] = [RegionFactory() for _ in range(region_count)]
    reader = _reader_with_contract(regions)
    client.force_login(reader)
    # user with the entitlement (one query: the session is read from the cache); contract
    # regions and topics for the page.
    with django_assert_num_queries(3):
        response = client.get("/account/")
    assert response.status_code == 200
    assert all(region.name in response.content.decode() for region in regions)


# --- Finding the session's user (advisory.accounts.backends) ----------------------------------


def test_a_sign_in_is_recorded_for_the_backend_that_reads_the_user_with_the_entitlement(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    reader = _reader_with_contract([RegionFactory()])
    Follow.objects.create(user=reader, region=Region.objects.get())
    assert _sign_in(client, "reader", DEFAULT_PASSWORD).status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == READER_BACKEND
    request = HttpRequest()
    request.session = client.session
    with django_assert_num_queries(1):
        user = get_user(request)
        entitlement, follows = entitlement_of(user), follow_targets_of(user)
    fresh = User.objects.get(pk=reader.pk)
    assert user == reader
    assert (entitlement, follows) == (entitlement_of(fresh), follow_targets_of(fresh))
    assert follows.region_ids and entitlement.region_ids == follows.region_ids


def test_a_session_begun_with_djangos_model_backend_stays_signed_in(client: Client) -> None:
    """Sessions from before `ReaderBackend` name Django's ModelBackend, no longer listed."""
    reader = client_reader()
    client.force_login(reader, backend=MODEL_BACKEND)
    response = client.get("/account/")
    assert response.status_code == 200
    assert response.context["user"] == reader
    assert client.session[BACKEND_SESSION_KEY] == READER_BACKEND
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize("change", ["deactivated", "deleted", "password changed elsewhere"])
def test_a_session_ends_with_the_account_or_its_password(client: Client, change: str) -> None:
    reader = client_reader()
    client.force_login(reader)
    assert client.get("/account/").status_code == 200
    if change == "deactivated":
        User.objects.filter(pk=reader.pk).update(is_active=False)
    elif change == "deleted":
        reader.delete()
    else:
        reader.set_password(NEW_PASSWORD)
        reader.save()
    response = client.get("/account/")
    assert response.status_code == 302 and SIGN_IN in response["Location"]


def test_a_superuser_without_a_membership_reads_everything(client: Client) -> None:
    root = User.objects.create_superuser("root", "root@example.org", DEFAULT_PASSWORD)
    client.force_login(root)
    response = client.get("/account/")
    entitlement = entitlement_of(response.context["user"])
    assert (entitlement.tier, entitlement.region_ids, entitlement.topic_ids) == (
        AccessTier.PREMIUM,
        None,
        None,
    )

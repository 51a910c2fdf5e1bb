"""Subscribing to digests: a reader from the portal, anyone else by double opt-in."""

import datetime
import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.management import call_command
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from advisory.accounts.models import User
from advisory.digests.models import Frequency, Subscription, SubscriptionStatus
from advisory.digests.schedule import next_delivery_after
from advisory.digests.services import (
    CONFIRMATION_MAX_AGE,
    CONFIRMATION_SALT,
    Preferences,
    subscription_confirmation_token,
    subscription_request,
    subscription_save,
)
from advisory.workflow.models import AuditEvent
from tests.factories import EntityFactory, RegionFactory, client_reader
from tests.smtp import SITE, Inbox, subject_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

MANAGE = "/digests/"
SUBSCRIBE = "/digests/subscribe/"


@pytest.fixture
def reader() -> User:
    return client_reader(email="claire@example.com", display_name="Claire Dubois")


@pytest.fixture
def signed_in(reader: User) -> Client:
    client = Client()
    client.force_login(reader)
    return client


def _snapshot(subscription: Subscription) -> dict[str, object]:
    subscription.refresh_from_db()
    return {
        "status": subscription.status,
        "delivery_time": subscription.delivery_time,
        "timezone": subscription.timezone,
        "weekday": subscription.weekday,
        "kinds": subscription.kinds,
        "use_follows": subscription.use_follows,
        "confirmed_at": subscription.confirmed_at,
        "watermark": subscription.watermark,
        "next_due_at": subscription.next_due_at,
        "regions": sorted(subscription.regions.values_list("pk", flat=True)),
        "tags": sorted(subscription.tags.values_list("pk", flat=True)),
        "entities": sorted(subscription.entities.values_list("pk", flat=True)),
    }


class _Fields(HTMLParser):
    """The form controls of a page, the labels pointing at them, and its scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "label":
            self.label_depth += 1
            if attributes.get("for"):
                self.label_for.add(attributes["for"] or "")
        elif tag == "script":
            self.scripts += 1
        elif tag in ("input", "select", "textarea"):
            if attributes.get("type") in ("hidden", "submit"):
                return
            self.controls.append({**attributes, "in_label": "yes" if self.label_depth else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1


def _assert_labelled_and_script_free(html: str) -> int:
    parser = _Fields()
    parser.feed(html)
    for control in parser.controls:
        assert control["in_label"] or control.get("id") in parser.label_for, control
    assert parser.scripts == 0, "the page must work without JavaScript"
    return len(parser.controls)


# The portal page -------------------------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in() -> None:
    response = Client().get(MANAGE)
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={MANAGE}"
    response = Client().post(MANAGE, {"frequency": "daily"})
    assert response.status_code == 302
    assert not Subscription.objects.exists()


def test_the_page_is_linked_labelled_and_needs_no_javascript(signed_in: Client) -> None:
    assert f'href="{MANAGE}"' in signed_in.get(reverse("accounts:account")).content.decode()
    response = signed_in.get(MANAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{MANAGE}" aria-current="page"' in html
    assert _assert_labelled_and_script_free(html) >= 10
    assert "You have no email digest yet" in html
    assert 'name="regions" size="8"' in html and "multiple" in html
    assert f'href="{SUBSCRIBE}"' in Client().get("/").content.decode()


def test_a_reader_subscribes_with_their_schedule_and_filters(
    signed_in: Client, reader: User
) -> None:
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ")
    energy = Tag.objects.create(name="Energy", slug="energy")
    militia = EntityFactory(name="Kataib Hezbollah")
    before = timezone.now()
    response = signed_in.post(
        MANAGE,
        {
            "frequency": "weekly",
            "delivery_time": "09:30",
            "timezone": "Asia/Dubai",
            "weekday": "2",
            "kinds": ["analysis"],
            "regions": [iraq.pk],
            "tags": [energy.pk],
            "entities": [militia.pk],
        },
    )
    assert response.status_code == 302 and response["Location"] == MANAGE

    subscription = Subscription.objects.get(user=reader)
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.email == "claire@example.com"
    assert (subscription.frequency, subscription.weekday) == ("weekly", 2)
    assert (subscription.delivery_time, subscription.timezone) == (
        datetime.time(9, 30),
        "Asia/Dubai",
    )
    assert subscription.kinds == ["analysis"]
    assert subscription.use_follows is False
    assert list(subscription.regions.all()) == [iraq]
    assert list(subscription.tags.all()) == [energy]
    assert list(subscription.entities.all()) == [militia]
    assert subscription.next_due_at is not None and subscription.watermark is not None
    assert subscription.watermark >= before
    local = subscription.next_due_at.astimezone(ZoneInfo("Asia/Dubai"))
    assert (local.weekday(), local.time()) == (2, datetime.time(9, 30))
    assert before < subscription.next_due_at <= before + datetime.timedelta(days=7)
    assert subscription.next_due_at == next_delivery_after(
        subscription.watermark,
        frequency="weekly",
        delivery_time=datetime.time(9, 30),
        timezone="Asia/Dubai",
        weekday=2,
    )
    assert AuditEvent.objects.filter(verb="subscription.created", actor=reader).count() == 1

    page = signed_in.get(MANAGE).content.decode()
    assert "Saved: weekly digest." in page
    assert f"{local:%A} {local.day} {local:%B %Y}, 09:30 (Asia/Dubai)" in page
    assert "Wednesdays at 09:30, Asia/Dubai" in page
    assert "About</dt>\n        <dd>\n          Analysis; regions: Iraq" in page
    assert "regions: Iraq" in page and "topics: Energy" in page
    assert "actors: Kataib Hezbollah" in page


def test_a_reader_changes_a_digest_in_place_and_the_form_shows_it(
    signed_in: Client, reader: User
) -> None:
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ")
    first = subscription_save(
        actor=reader,
        preferences=Preferences(frequency="daily", regions=[iraq], use_follows=True),
    )
    form = signed_in.get(MANAGE, {"frequency": "daily"}).content.decode()
    assert re.search(r'<input type="radio" name="frequency" value="daily"[^>]* checked>', form)
    assert f'<option value="{iraq.pk}" selected>Iraq</option>' in form
    assert re.search(r'<input type="checkbox" name="use_follows"[^>]* checked>', form)

    response = signed_in.post(
        MANAGE,
        {"frequency": "daily", "delivery_time": "18:15", "timezone": "America/New_York"},
    )
    assert response.status_code == 302
    [subscription] = Subscription.objects.filter(user=reader)
    assert subscription.pk == first.pk
    assert (subscription.delivery_time, subscription.timezone) == (
        datetime.time(18, 15),
        "America/New_York",
    )
    assert subscription.use_follows is False and not subscription.regions.exists()
    assert subscription.next_due_at is not None
    local = subscription.next_due_at.astimezone(ZoneInfo("America/New_York"))
    assert local.time() == datetime.time(18, 15)

    # A second frequency is a second subscription beside the first.
    signed_in.post(MANAGE, {"frequency": "immediate", "delivery_time": "07:00", "timezone": "UTC"})
    assert set(Subscription.objects.filter(user=reader).values_list("frequency", flat=True)) == {
        "daily",
        "immediate",
    }
    page = signed_in.get(MANAGE).content.decode()
    assert page.index("Immediate alerts") < page.index("Daily digest")
    assert "As soon as a flash brief you may read is published" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Mars/Olympus_Mons"),
        ("delivery_time", "25:61"),
        ("frequency", "hourly"),
        ("weekday", "9"),
        ("kinds", "gossip"),
        ("regions", "999999"),
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(
    signed_in: Client, reader: User, field: str, value: str
) -> None:
    subscription = subscription_save(actor=reader, preferences=Preferences(frequency="daily"))
    before = _snapshot(subscription)
    events = AuditEvent.objects.count()
    data = {"frequency": "daily", "delivery_time": "10:00", "timezone": "Europe/Paris"}
    data[field] = value
    response = signed_in.post(MANAGE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-errors" role="alert"' in html
    assert re.search(rf'class="field field--{field} field--error"', html)
    assert _snapshot(subscription) == before
    assert Subscription.objects.count() == 1
    assert AuditEvent.objects.count() == events
    _assert_labelled_and_script_free(html)


def test_a_reader_without_an_address_is_told_so(signed_in: Client, reader: User) -> None:
    User.objects.filter(pk=reader.pk).update(email="")
    response = signed_in.post(
        MANAGE, {"frequency": "daily", "delivery_time": "07:00", "timezone": "UTC"}
    )
    assert response.status_code == 200
    assert "Add an email address to your account first." in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_reader_unsubscribes_by_post_only_and_only_their_own(
    signed_in: Client, reader: User
) -> None:
    subscription = subscription_save(actor=reader, preferences=Preferences(frequency="daily"))
    url = reverse("digests:manage-unsubscribe", args=[subscription.public_id])
    assert url in signed_in.get(MANAGE).content.decode()
    assert signed_in.get(url).status_code == 405
    assert _snapshot(subscription)["status"] == SubscriptionStatus.ACTIVE

    other = client_reader(username="other", email="other@example.com")
    theirs = subscription_save(actor=other, preferences=Preferences(frequency="daily"))
    other_url = reverse("digests:manage-unsubscribe", args=[theirs.public_id])
    assert signed_in.post(other_url).status_code == 404
    assert _snapshot(theirs)["status"] == SubscriptionStatus.ACTIVE
    assert Client().post(url).status_code == 302  # to sign in
    assert _snapshot(subscription)["status"] == SubscriptionStatus.ACTIVE

    response = signed_in.post(url)
    assert response.status_code == 302 and response["Location"] == MANAGE
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert subscription.next_due_at is None
    assert AuditEvent.objects.filter(
        verb="subscription.unsubscribed", actor=reader, target_id=str(subscription.pk)
    ).exists()
    page = signed_in.get(MANAGE).content.decode()
    assert "Unsubscribed: daily digest." in page
    assert "Subscribe again" in page and url not in page

    # Subscribing again from the page brings it back, from now.
    signed_in.post(MANAGE, {"frequency": "daily", "delivery_time": "07:00", "timezone": "UTC"})
    assert _snapshot(subscription)["status"] == SubscriptionStatus.ACTIVE


# External subscribers: double opt-in ----------------------------------------------------


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    return text.get_content(), html.get_content()


def _confirm_path(message: EmailMessage) -> str:
    text, html = _parts(message)
    [link] = set(re.findall(rf"{re.escape(SITE)}/digests/confirm/[^\s\"<>]+/", text))
    assert f'href="{link}"' in html
    return urlsplit(link).path


def _request(client: Client, email: str, **data: str) -> tuple[int, str]:
    response = client.post(
        SUBSCRIBE,
        {
            "email": email,
            "frequency": "daily",
            "delivery_time": "07:30",
            "timezone": "Europe/Paris",
            "weekday": "0",
            **data,
        },
    )
    return response.status_code, response.get("Location", "")


def test_an_external_subscriber_confirms_by_double_opt_in(
    smtp_server: tuple[Inbox, int], django_capture_on_commit_callbacks: OnCommit
) -> None:
    inbox, _ = smtp_server
    client = Client()
    page = client.get(SUBSCRIBE)
    assert page.status_code == 200
    assert _assert_labelled_and_script_free(page.content.decode()) >= 5
    # The daily digest is chosen unless the visitor picks another.
    assert re.search(
        r'<input type="radio" name="frequency" value="daily"[^>]* checked', page.content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        status, location = _request(client, "Ext.Reader@Example.COM")
    assert (status, location) == (302, reverse("digests:subscribe-sent"))
    assert "Check your inbox" in client.get(location).content.decode()
    subscription = Subscription.objects.get()
    assert subscription.user is None
    assert subscription.email == "Ext.Reader@example.com"
    assert subscription.status == SubscriptionStatus.PENDING
    assert subscription.next_due_at is None and subscription.confirmed_at is None
    assert (subscription.delivery_time, subscription.timezone) == (
        datetime.time(7, 30),
        "Europe/Paris",
    )

    inbox.wait_for(1)
    [(recipients, message)] = inbox.received
    assert recipients == ["Ext.Reader@example.com"]
    assert subject_of(message) == "Confirm your Advisory daily digest"
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = _parts(message)
    assert "within 3 days" in text and "within 3 days" in html
    assert 'style="' in html and "<link" not in html
    path = _confirm_path(message)

    # A link scanner's GET confirms nothing.
    shown = client.get(path)
    assert shown.status_code == 200
    assert shown["X-Robots-Tag"] == "noindex, nofollow"
    assert "Confirm my subscription" in shown.content.decode()
    assert _snapshot(subscription)["status"] == SubscriptionStatus.PENDING

    before = timezone.now()
    confirmed = client.post(path)
    assert confirmed.status_code == 200
    assert "You are subscribed" in confirmed.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.confirmed_at is not None and subscription.confirmed_at >= before
    assert subscription.watermark == subscription.confirmed_at
    assert subscription.next_due_at == next_delivery_after(
        subscription.watermark,
        frequency="daily",
        delivery_time=datetime.time(7, 30),
        timezone="Europe/Paris",
        weekday=0,
    )
    assert AuditEvent.objects.filter(verb="subscription.confirmed").count() == 1

    # Confirming again is harmless and changes nothing.
    after = _snapshot(subscription)
    assert client.post(path).status_code == 200
    assert client.get(path).status_code == 200
    assert _snapshot(subscription) == after
    assert AuditEvent.objects.filter(verb="subscription.confirmed").count() == 1


def test_a_forged_or_expired_link_is_refused_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subscription = subscription_request(email="ext@example.com", preferences=Preferences("daily"))
    before = _snapshot(subscription)
    client = Client()
    token = subscription_confirmation_token(subscription)

    forged = [
        f"{token[:-2]}xx",
        "nothing-signed-here",
        signing.TimestampSigner(salt="another.salt").sign(subscription.public_id.hex),
        signing.Signer(salt="advisory.digests.unsubscribe").sign(subscription.public_id.hex),
    ]
    for bad in forged:
        for method in (client.get, client.post):
            response = method(reverse("digests:confirm", args=[bad]))
            assert response.status_code == 404
            assert "We do not know this link" in response.content.decode()
    assert _snapshot(subscription) == before

    # Signed four days ago: past the three days a link lasts.
    past = int(time.time() - CONFIRMATION_MAX_AGE.total_seconds() - 86400)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(past))
    expired = signing.TimestampSigner(salt=CONFIRMATION_SALT).sign(subscription.public_id.hex)
    monkeypatch.undo()
    for method in (client.get, client.post):
        response = method(reverse("digests:confirm", args=[expired]))
        assert response.status_code == 400
        assert "This link has expired" in response.content.decode()
    assert _snapshot(subscription) == before

    # The fresh link still works: only the old one is refused.
    assert client.post(reverse("digests:confirm", args=[token])).status_code == 200
    assert _snapshot(subscription)["status"] == SubscriptionStatus.ACTIVE


def test_the_token_pages_post_from_a_browser_that_sends_no_referrer() -> None:
    """The confirmation and preference pages send "Referrer-Policy: no-referrer", so a browser
    posts their forms with "Origin: null": the signed token, not a CSRF cookie, is the proof."""
    from advisory.digests.selectors import subscription_token

    subscription = subscription_request(email="ext@example.com", preferences=Preferences("daily"))
    browser = Client(enforce_csrf_checks=True)
    confirm = reverse("digests:confirm", args=[subscription_confirmation_token(subscription)])
    assert browser.get(confirm)["Referrer-Policy"] == "no-referrer"
    assert browser.post(confirm, HTTP_ORIGIN="null").status_code == 200
    assert _snapshot(subscription)["status"] == SubscriptionStatus.ACTIVE
    preferences = reverse("digests:preferences", args=[subscription_token(subscription)])
    response = browser.post(
        preferences,
        {"delivery_time": "06:45", "timezone": "Asia/Tokyo", "weekday": "0"},
        HTTP_ORIGIN="null",
    )
    assert response.status_code == 200
    assert _snapshot(subscription)["timezone"] == "Asia/Tokyo"


def test_a_link_for_a_subscription_that_ended_since_is_refused() -> None:
    subscription = subscription_request(email="ext@example.com", preferences=Preferences("daily"))
    token = subscription_confirmation_token(subscription)
    Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.SUPPRESSED)
    response = Client().post(reverse("digests:confirm", args=[token]))
    assert response.status_code == 400
    assert _snapshot(subscription)["status"] == SubscriptionStatus.SUPPRESSED


def test_the_answer_is_the_same_whatever_the_address_and_an_active_one_is_left_alone(
    smtp_server: tuple[Inbox, int], django_capture_on_commit_callbacks: OnCommit
) -> None:
    inbox, _ = smtp_server
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        new = _request(client, "ext@example.com")
    inbox.wait_for(1)
    subscription = Subscription.objects.get()

    # Pending: the same answer, and the email again at most once every few minutes.
    with django_capture_on_commit_callbacks(execute=True):
        pending = _request(client, "EXT@example.com")
    time.sleep(0.5)
    inbox.wait_for(1)
    cache.delete(f"digests:confirmation-sent:{subscription.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        _request(client, "ext@example.com")
    inbox.wait_for(2)
    assert Subscription.objects.count() == 1

    client.post(_confirm_path(inbox.received[-1][1]))
    active = _snapshot(subscription)
    assert active["status"] == SubscriptionStatus.ACTIVE
    cache.delete(f"digests:confirmation-sent:{subscription.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        again = _request(client, "Ext@Example.com", delivery_time="22:00", timezone="Asia/Tokyo")
    time.sleep(0.5)
    inbox.wait_for(2)  # no new email, no re-confirmation
    assert _snapshot(subscription) == active
    assert Subscription.objects.count() == 1
    assert new == pending == again == (302, reverse("digests:subscribe-sent"))

    # Another frequency for the same address is a subscription of its own.
    with django_capture_on_commit_callbacks(execute=True):
        _request(client, "ext@example.com", frequency="weekly")
    inbox.wait_for(3)
    assert Subscription.objects.filter(frequency="weekly", status="pending").count() == 1


def test_an_address_that_unsubscribed_confirms_again_before_anything_is_sent(
    smtp_server: tuple[Inbox, int], django_capture_on_commit_callbacks: OnCommit
) -> None:
    inbox, _ = smtp_server
    with django_capture_on_commit_callbacks(execute=True):
        subscription = subscription_request(
            email="ext@example.com", preferences=Preferences("daily")
        )
    Subscription.objects.filter(pk=subscription.pk).update(
        status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now()
    )
    cache.delete(f"digests:confirmation-sent:{subscription.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        again = subscription_request(email="ext@example.com", preferences=Preferences("daily"))
    assert again.pk == subscription.pk
    assert _snapshot(subscription)["status"] == SubscriptionStatus.PENDING
    assert again.next_due_at is None
    inbox.wait_for(2)
    Client().post(_confirm_path(inbox.received[-1][1]))
    assert _snapshot(subscription)["status"] == SubscriptionStatus.ACTIVE


def test_a_bad_address_is_a_form_error_and_creates_nothing() -> None:
    client = Client()
    for data in ({"email": "not-an-address"}, {"email": "a@example.com", "timezone": "Nowhere"}):
        response = client.post(SUBSCRIBE, {"frequency": "daily", "delivery_time": "07:00", **data})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'class="form-errors" role="alert"' in html
        _assert_labelled_and_script_free(html)
    assert not Subscription.objects.exists()


def test_the_confirmation_email_is_queued_only_when_the_request_commits(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: OnCommit
) -> None:
    from advisory.digests import tasks

    queued: list[int] = []
    monkeypatch.setattr(
        tasks.send_subscription_confirmation,
        "apply_async",
        lambda args, **options: queued.append(*args),
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        subscription = subscription_request(
            email="ext@example.com", preferences=Preferences("weekly")
        )
    assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [subscription.pk]


# The demo ------------------------------------------------------------------------------


def test_the_demo_readers_get_a_daily_digest_once_however_often_it_loads() -> None:
    call_command("load_demo", verbosity=0)
    subscriptions = Subscription.objects.filter(user__isnull=False)
    first = {
        (s.user.username, s.frequency, s.status, s.timezone)
        for s in subscriptions.select_related("user")
    }
    assert first == {
        ("reader", Frequency.DAILY, SubscriptionStatus.ACTIVE, "Europe/London"),
        ("reader2", Frequency.DAILY, SubscriptionStatus.ACTIVE, "Asia/Dubai"),
    }
    assert all(s.next_due_at is not None for s in subscriptions)
    reader2 = subscriptions.get(user__username="reader2")
    Subscription.objects.filter(pk=reader2.pk).update(status=SubscriptionStatus.UNSUBSCRIBED)
    call_command("load_demo", verbosity=0)
    assert subscriptions.count() == 2
    assert subscriptions.get(pk=reader2.pk).status == SubscriptionStatus.UNSUBSCRIBED

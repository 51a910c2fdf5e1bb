"""Writing through the API: a reader's follows and digests, the desk's drafts and entity links.

Each goes through the same service as the portal page or the admin, so the same rules hold:
bad input is a 400 naming the field and changes nothing; the workflow is not bypassed.
"""

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from advisory.accounts.models import Role, User
from advisory.accounts.services import api_token_create, follow_add
from advisory.briefs.models import (
    Brief,
    BriefStatus,
    Mention,
    MentionOrigin,
    MentionRejection,
    MentionRole,
)
from advisory.digests.models import Subscription, SubscriptionStatus
from advisory.workflow import services as workflow
from advisory.workflow.models import AuditEvent
from tests.factories import EntityFactory, RegionFactory, client_reader, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

FOLLOWS = reverse("api:follow-list")
SUBSCRIPTIONS = reverse("api:subscription-list")
DESK = reverse("api:desk-brief-list")


def _as(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(actor=user, name='Tool')[1]}")


def _send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _json(response: Any, status: int) -> Any:
    assert response.status_code == status, response.content
    return json.loads(response.content) if response.content else None


def _fields(response: Any) -> dict[str, list[str]]:
    error = _json(response, 400)["error"]
    assert (error["status"], error["code"]) == (400, "invalid")
    fields: dict[str, list[str]] = error["fields"]
    return fields


# --- Follows --------------------------------------------------------------------------------


def test_a_reader_follows_and_unfollows_through_the_api_as_on_the_portal() -> None:
    EntityFactory(slug="nuri-al-maliki", name="Nuri al-Maliki")
    RegionFactory(slug="iraq", name="Iraq", iso_code="IQ")
    reader = client_reader()
    client = _as(reader)
    entity = {"kind": "entity", "slug": "nuri-al-maliki"}
    followed = _json(_send(client, "post", FOLLOWS, entity), 201)
    assert (followed["kind"], followed["slug"], followed["name"]) == (
        "entity",
        "nuri-al-maliki",
        "Nuri al-Maliki",
    )
    assert followed["url"].endswith(reverse("portal:entity-detail", args=["nuri-al-maliki"]))
    _json(_send(client, "post", FOLLOWS, entity), 200)  # again: unchanged
    _json(_send(client, "post", FOLLOWS, {"kind": "region", "slug": "iraq"}), 201)
    listed = _json(client.get(FOLLOWS), 200)["results"]
    assert [(item["kind"], item["slug"]) for item in listed] == [
        ("region", "iraq"),
        ("entity", "nuri-al-maliki"),
    ]
    assert AuditEvent.objects.filter(verb="follow.added").count() == 2

    # What the portal shows is the same record.
    page = Client()
    page.force_login(reader)
    assert "Nuri al-Maliki" in page.get(reverse("portal:following")).content.decode()

    unfollow = reverse("api:follow-detail", args=["entity", "nuri-al-maliki"])
    _json(client.delete(unfollow), 204)
    _json(client.delete(unfollow), 404)
    _json(client.delete(reverse("api:follow-detail", args=["planet", "iraq"])), 404)
    assert [f.region.slug for f in reader.follows.all() if f.region] == ["iraq"]
    assert reader.follows.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "planet", "slug": "iraq"}, "kind"),
        ({"kind": "entity", "slug": "nobody"}, "slug"),
        ({"kind": "entity"}, "slug"),
        ({"kind": "entity", "slug": 7}, "slug"),
        ({"kind": "entity", "slug": "iraq", "note": "x"}, "note"),
    ],
)
def test_a_bad_follow_is_a_400_naming_the_field_and_follows_nothing(
    body: dict[str, Any], field: str
) -> None:
    reader = client_reader()
    assert field in _fields(_send(_as(reader), "post", FOLLOWS, body))
    assert not reader.follows.exists()


def test_the_follow_list_does_a_fixed_number_of_queries(
    django_assert_num_queries: Callable[..., AbstractContextManager[object]],
) -> None:
    reader = client_reader()
    client = _as(reader)
    for count in (2, 15):
        while reader.follows.count() < count:
            follow_add(actor=reader, target=EntityFactory())
        client.get(FOLLOWS)  # notes the token's first use
        # The token and its user; the page, with what each follow names.
        with django_assert_num_queries(2):
            assert len(_json(client.get(FOLLOWS), 200)["results"]) == count


# --- Email digests --------------------------------------------------------------------------


def test_a_reader_subscribes_changes_and_unsubscribes_through_the_api() -> None:
    RegionFactory(slug="iraq", name="Iraq", iso_code="IQ")
    EntityFactory(slug="nuri-al-maliki", name="Nuri al-Maliki")
    reader = client_reader()
    client = _as(reader)
    weekly = reverse("api:subscription-detail", args=["weekly"])
    _json(client.get(weekly), 404)
    created = _json(
        _send(
            client,
            "put",
            weekly,
            {
                "delivery_time": "08:30",
                "timezone": "Asia/Dubai",
                "weekday": 4,
                "kinds": ["analysis", "flash_alert"],
                "regions": ["iraq"],
                "entities": ["nuri-al-maliki"],
            },
        ),
        201,
    )
    assert created["status"] == "active"
    assert (created["delivery_time"], created["timezone"], created["weekday"]) == (
        "08:30",
        "Asia/Dubai",
        4,
    )
    assert (created["regions"], created["entities"], created["topics"]) == (
        ["iraq"],
        ["nuri-al-maliki"],
        [],
    )
    assert created["use_follows"] is True  # left out: the default

    changed = _json(_send(client, "patch", weekly, {"timezone": "Europe/Paris"}), 200)
    assert (changed["timezone"], changed["delivery_time"], changed["regions"]) == (
        "Europe/Paris",
        "08:30",
        ["iraq"],
    )
    assert [item["frequency"] for item in _json(client.get(SUBSCRIPTIONS), 200)] == ["weekly"]

    _json(client.delete(weekly), 204)
    subscription = Subscription.objects.get(user=reader)
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    _json(client.get(reverse("api:subscription-detail", args=["hourly"])), 404)
    again = _json(_send(client, "put", weekly, {"delivery_time": "09:00"}), 201)
    assert (again["status"], again["timezone"]) == ("active", "Europe/London")
    assert Subscription.objects.filter(user=reader).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"delivery_time": "25:00"}, "delivery_time"),
        ({"delivery_time": "08:30:00+04:00"}, "delivery_time"),
        ({"weekday": 7}, "weekday"),
        ({"kinds": ["novel"]}, "kinds.0"),
        ({"regions": ["atlantis"]}, "regions"),
        ({"use_follows": "yes"}, "use_follows"),
        ({"frequency": "daily"}, "frequency"),
        ({"status": "active"}, "status"),
    ],
)
def test_a_bad_preference_is_a_400_naming_the_field_and_changes_nothing(
    body: dict[str, Any], field: str
) -> None:
    reader = client_reader()
    client = _as(reader)
    daily = reverse("api:subscription-detail", args=["daily"])
    before = _json(_send(client, "put", daily, {"timezone": "Asia/Baghdad"}), 201)
    assert field in _fields(_send(client, "patch", daily, body))
    assert field in _fields(_send(client, "put", daily, body))
    assert _json(client.get(daily), 200) == before


def test_a_reader_without_an_email_address_cannot_subscribe() -> None:
    reader = client_reader(email="")
    response = _send(_as(reader), "put", reverse("api:subscription-detail", args=["daily"]), {})
    assert "email" in _fields(response)
    assert not Subscription.objects.exists()


# --- The desk's drafts ----------------------------------------------------------------------


def test_only_the_desk_may_use_the_desk_endpoints() -> None:
    brief_url = reverse("api:desk-brief-detail", args=[1])
    reader = _as(client_reader())
    for response in (reader.get(DESK), _send(reader, "post", DESK, {"title": "x"})):
        error = _json(response, 403)["error"]
        assert error["code"] == "permission_denied"
    assert _json(reader.get(brief_url), 403)["error"]["code"] == "permission_denied"
    assert _json(Client().get(DESK), 401)["error"]["code"] == "not_authenticated"
    assert not Brief.objects.exists()


def test_a_writer_drafts_and_updates_but_cannot_publish_and_a_stale_update_is_refused() -> None:
    RegionFactory(slug="iraq", name="Iraq", iso_code="IQ")
    writer = staff_user(Role.WRITER, username="writer")
    client = _as(writer)
    draft = _json(
        _send(
            client,
            "post",
            DESK,
            {
                "title": "Militias after  the vote",
                "summary": "What the factions want.",
                "body": "## Outlook\n\nThe bargaining goes on.",
                "kind": "analysis",
                "access_tier": 1,
                "regions": ["iraq"],
                "tags": ["elections", "militias"],
            },
        ),
        201,
    )
    assert (draft["status"], draft["version"], draft["title"]) == (
        "draft",
        1,
        "Militias after the vote",
    )
    assert (draft["regions"], draft["tags"], draft["authors"]) == (
        ["iraq"],
        ["elections", "militias"],
        [writer.byline],
    )
    url = reverse("api:desk-brief-detail", args=[draft["id"]])
    assert _json(client.get(url), 200) == draft

    updated = _json(_send(client, "patch", url, {"title": "Militias, revised", "version": 1}), 200)
    assert (updated["title"], updated["version"], updated["body"]) == (
        "Militias, revised",
        2,
        draft["body"],
    )
    # Someone else's copy, read at version 1, would overwrite the change: it is refused.
    stale = _json(_send(client, "patch", url, {"title": "Overwrite", "version": 1}), 409)
    assert stale["error"]["code"] == "edit_conflict"
    assert "version 2" in stale["error"]["message"]
    assert _json(client.get(url), 200) == updated

    # The workflow's fields cannot be set, and there is no door to publish.
    workflow_says = ["The workflow sets this: submit, approve and publish in the admin."]
    for name, value in (("status", "published"), ("published_at", "2026-01-01T09:00:00Z")):
        body = {name: value, "version": 2}
        assert _fields(_send(client, "patch", url, body)) == {name: workflow_says}
    assert _json(client.post(f"{url}publish/"), 404)["error"]["code"] == "not_found"
    _json(_send(client, "patch", url, {"title": "No version"}), 400)
    brief = Brief.objects.get(pk=draft["id"])
    assert (brief.status, brief.version, brief.title) == (
        BriefStatus.DRAFT,
        2,
        "Militias, revised",
    )
    assert brief.revisions.count() == 2

    # Once submitted, it is the editors': the API changes it no more.
    workflow.brief_submit(actor=writer, brief=brief)
    refused = _json(_send(client, "patch", url, {"title": "Late", "version": 2}), 409)
    assert refused["error"]["code"] == "not_a_draft"
    brief.refresh_from_db()
    assert (brief.title, brief.status) == ("Militias, revised", BriefStatus.IN_REVIEW)


def test_entity_links_are_proposed_as_suggestions_and_a_confirmed_link_stays() -> None:
    maliki = EntityFactory(slug="nuri-al-maliki", name="Nuri al-Maliki")
    EntityFactory(slug="sudani", name="Mohammed Shia al-Sudani")
    editor = staff_user(Role.EDITOR, username="editor")
    client = _as(editor)
    draft = _json(_send(client, "post", DESK, {"title": "Coalition talks"}), 201)
    Mention.objects.create(
        brief_id=draft["id"], entity=maliki, role=MentionRole.MENTIONED, origin="confirmed"
    )
    url = reverse("api:desk-brief-mentions", args=[draft["id"]])
    links = _json(
        _send(
            client,
            "post",
            url,
            {
                "links": [
                    {"entity": "nuri-al-maliki", "role": "subject"},
                    {"entity": "sudani"},
                ]
            },
        ),
        200,
    )
    assert sorted((link["entity"], link["role"], link["origin"]) for link in links) == [
        ("nuri-al-maliki", "mentioned", "confirmed"),
        ("sudani", "mentioned", "suggested"),
    ]
    brief = Brief.objects.get(pk=draft["id"])
    assert brief.version == 2  # a new link is a change of content: a new revision
    assert AuditEvent.objects.filter(verb="brief.mentions_suggested").count() == 1

    unknown = _send(client, "post", url, {"links": [{"entity": "sudani"}, {"entity": "nobody"}]})
    assert "nobody" in " ".join(_fields(unknown)["links"])
    assert _fields(_send(client, "post", url, {"links": [{"entity": "sudani", "x": 1}]})) == {
        "links.0.x": ["Unknown name: nothing here is called so."]
    }
    assert "links" in _fields(_send(client, "post", url, {"links": []}))
    assert brief.mentions.count() == 2
    assert Mention.objects.get(brief=brief, entity__slug="sudani").origin == (
        MentionOrigin.SUGGESTED
    )


def test_a_link_the_writer_rejected_is_not_proposed_again_by_an_integration() -> None:
    sadr = EntityFactory(slug="muqtada-al-sadr", name="Muqtada al-Sadr")
    EntityFactory(slug="sudani", name="Mohammed Shia al-Sudani")
    writer = staff_user(Role.WRITER, username="writer")
    client = _as(writer)
    draft = _json(_send(client, "post", DESK, {"title": "Coalition talks"}), 201)
    MentionRejection.objects.create(brief_id=draft["id"], entity=sadr, created_by=writer)
    url = reverse("api:desk-brief-mentions", args=[draft["id"]])
    links = _json(
        _send(
            client, "post", url, {"links": [{"entity": "muqtada-al-sadr"}, {"entity": "sudani"}]}
        ),
        200,
    )
    assert [link["entity"] for link in links] == ["sudani"]


def test_a_body_that_is_not_a_json_object_is_refused_in_the_error_shape() -> None:
    client = _as(staff_user(Role.WRITER, username="writer"))
    form = client.post(DESK, {"title": "A form"})
    assert _json(form, 415)["error"]["code"] == "unsupported_media_type"
    broken = client.post(DESK, '{"title": ', content_type="application/json")
    assert _json(broken, 400)["error"]["code"] == "parse_error"
    listed = _send(client, "post", DESK, ["title"])
    assert "non_field_errors" in _fields(listed)
    surrogate = client.post(DESK, '{"title": "\\ud800"}', content_type="application/json")
    assert _json(surrogate, 400)["error"]["code"] == "parse_error"
    assert not Brief.objects.exists()


def test_the_desk_list_does_a_fixed_number_of_queries(
    django_assert_num_queries: Callable[..., AbstractContextManager[object]],
) -> None:
    writer = staff_user(Role.WRITER, username="writer")
    client = _as(writer)
    iraq = RegionFactory(slug="iraq", name="Iraq", iso_code="IQ")
    for count in (2, 12):
        while Brief.objects.count() < count:
            n = Brief.objects.count()
            created = _json(
                _send(client, "post", DESK, {"title": f"Draft {n}", "tags": [f"t{n}", "shared"]}),
                201,
            )
            Brief.objects.get(pk=created["id"]).regions.add(iraq)
            Mention.objects.create(brief_id=created["id"], entity=EntityFactory())
        url = f"{DESK}?status=draft&page_size=50"
        client.get(url)  # notes the token's first use
        # The token and its user; the user's permissions (two); the page; its regions, tags,
        # bylines with their authors and entity links with their entities.
        with django_assert_num_queries(8):
            results = _json(client.get(url), 200)["results"]
        assert len(results) == count
        assert all(item["regions"] == ["iraq"] and len(item["tags"]) == 2 for item in results)

"""Entity links in the brief admin: suggested on save with their spans, confirmed or rejected
in the brief's own form, a rejection remembered, offers, possible new entities, the preview."""

from typing import Any

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from advisory.accounts.models import Role, User
from advisory.briefs.models import (
    Brief,
    BriefStatus,
    Mention,
    MentionOrigin,
    MentionRejection,
    MentionRole,
)
from advisory.briefs.services import brief_back_catalogue_status_set, brief_create
from advisory.entities.models import Entity, EntityKind
from advisory.entities.services import AliasSpec, entity_create
from advisory.workflow.models import AuditEvent
from tests.factories import staff_user
from tests.test_admin import brief_form, inline_data

pytestmark = pytest.mark.django_db

BODY = (
    "Nouri al-Maliki met Mohamed Shia al-Sudani in Baghdad. Later Maliki said the Kataib "
    "Hizballah question was settled; Sudani disagreed. Marco Rubio was not told. Sadr spoke."
)


@pytest.fixture
def writer_client(client: Client) -> Client:
    client.force_login(staff_user(role=Role.WRITER, username="writer"))
    return client


@pytest.fixture
def records() -> dict[str, Entity]:
    def person(name: str) -> Entity:
        return entity_create(actor=None, kind=EntityKind.PERSON, name=name)

    return {
        "maliki": person("Nuri al-Maliki"),
        "sudani": person("Mohammed Shia al-Sudani"),
        "sadr": person("Muqtada al-Sadr"),
        "kh": entity_create(
            actor=None,
            kind=EntityKind.ARMED_GROUP,
            name="Kata'ib Hezbollah",
            aliases=[AliasSpec("Hezbollah Brigades")],
        ),
        "baghdad": entity_create(actor=None, kind=EntityKind.LOCATION, name="Baghdad"),
    }


def add_brief(client: Client, **fields: Any) -> Brief:
    page = client.get(reverse("admin:briefs_brief_add"))
    response = client.post(
        reverse("admin:briefs_brief_add"), {**brief_form(**fields), **inline_data(page)}
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    return Brief.objects.get(title=fields["title"])


def change_url(brief: Brief) -> str:
    return reverse("admin:briefs_brief_change", args=[brief.pk])


def save_again(client: Client, brief: Brief, **decisions: str) -> Any:
    """Post the change page back as it stands, with the writer's decisions on links."""
    page = client.get(change_url(brief))
    brief.refresh_from_db()
    data = {
        **brief_form(title=brief.title, body=brief.body),
        **inline_data(page),
        "loaded_version": brief.version,
        **{f"entity_links-{entity_id}": choice for entity_id, choice in decisions.items()},
    }
    response = client.post(change_url(brief), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return response


def links_of(brief: Brief) -> dict[int, tuple[str, str]]:
    return {m.entity_id: (m.origin, m.role) for m in Mention.objects.filter(brief=brief)}


def test_saving_a_brief_suggests_the_entities_it_names_in_any_spelling(
    writer_client: Client, records: dict[str, Entity]
) -> None:
    brief = add_brief(writer_client, title="What Kataib Hezbollah wants", body=BODY)

    suggested = MentionOrigin.SUGGESTED
    assert links_of(brief) == {
        records["maliki"].pk: (suggested, MentionRole.MENTIONED),
        records["sudani"].pk: (suggested, MentionRole.MENTIONED),
        records["kh"].pk: (suggested, MentionRole.SUBJECT),  # named in the title
        records["baghdad"].pk: (suggested, MentionRole.MENTIONED),
    }
    # "Sadr" alone is only offered: the brief never names Muqtada al-Sadr in full.
    assert records["sadr"].pk not in links_of(brief)
    event = AuditEvent.objects.get(verb="brief.mentions_suggested", target_id=str(brief.pk))
    assert sorted(event.data["entities"]) == sorted(links_of(brief))
    # The revision saved with the brief keeps its links.
    assert len(brief.revisions.latest("number").snapshot["mentions"]) == 4

    html = writer_client.get(change_url(brief)).content.decode()
    assert "Entity links found in the text" in html
    assert "<mark>Nouri al-Maliki</mark>" in html and "<mark>Mohamed Shia al-Sudani</mark>" in html
    assert "body, characters 0–15" in html
    assert "Suggested link, waiting for you" in html
    assert "Possible link: not linked unless you confirm it" in html
    assert "“Sadr” alone is a short name" in html
    assert f'name="entity_links-{records["sadr"].pk}" value="reject"' in html
    # A name no record matches, with one click to record it.
    add_url = reverse("admin:entities_entity_add") + "?name=Marco%20Rubio&amp;kind=person"
    assert add_url in html


def test_the_writer_confirms_one_link_and_rejects_another_and_the_rejection_is_kept(
    writer_client: Client, records: dict[str, Entity]
) -> None:
    brief = add_brief(writer_client, title="A brief about Baghdad", body=BODY)
    maliki, baghdad, sadr = records["maliki"], records["baghdad"], records["sadr"]

    save_again(writer_client, brief, **{str(maliki.pk): "confirm", str(baghdad.pk): "reject"})

    links = links_of(brief)
    assert links[maliki.pk][0] == MentionOrigin.CONFIRMED
    assert baghdad.pk not in links
    assert MentionRejection.objects.filter(brief=brief, entity=baghdad).exists()
    verbs = AuditEvent.objects.filter(target_id=str(brief.pk)).values_list("verb", flat=True)
    assert {"mention.confirmed", "mention.rejected"} <= set(verbs)

    # Saved again, even with the name in the title: Baghdad is not suggested again.
    save_again(writer_client, brief)
    assert baghdad.pk not in links_of(brief)
    html = writer_client.get(change_url(brief)).content.decode()
    assert "Rejected for this brief, never suggested again: Baghdad." in html

    # Confirming an offered name links it; a confirmed link offers no choice any more.
    save_again(writer_client, brief, **{str(sadr.pk): "confirm"})
    assert links_of(brief)[sadr.pk][0] == MentionOrigin.CONFIRMED
    html = writer_client.get(change_url(brief)).content.decode()
    assert f'name="entity_links-{sadr.pk}"' not in html
    assert f'name="entity_links-{maliki.pk}"' not in html


def test_a_rejection_is_unique_per_brief_and_entity(records: dict[str, Entity]) -> None:
    writer = staff_user(role=Role.WRITER, username="writer")
    brief = Brief.objects.create(title="T", slug="t", created_by=writer)
    MentionRejection.objects.create(brief=brief, entity=records["maliki"], created_by=writer)
    with pytest.raises(IntegrityError):
        MentionRejection.objects.create(brief=brief, entity=records["maliki"])


def test_a_decision_that_is_neither_confirm_nor_reject_is_refused_and_changes_nothing(
    writer_client: Client, records: dict[str, Entity]
) -> None:
    brief = add_brief(writer_client, title="Refused", body=BODY)
    before = links_of(brief)
    page = writer_client.get(change_url(brief))
    brief.refresh_from_db()
    data = {
        **brief_form(title="Refused, renamed", body=BODY),
        **inline_data(page),
        "loaded_version": brief.version,
        f"entity_links-{records['maliki'].pk}": "delete everything",
    }
    response = writer_client.post(change_url(brief), data)
    assert response.status_code == 200
    assert "Choose to confirm or reject the link, or leave it." in response.content.decode()
    brief.refresh_from_db()
    assert brief.title == "Refused" and links_of(brief) == before


def test_the_live_preview_lists_the_links_in_the_text_being_written(
    writer_client: Client, records: dict[str, Entity]
) -> None:
    brief = add_brief(writer_client, title="Preview", body="Baghdad.")
    writer_client.post(  # reject Baghdad first
        change_url(brief),
        {
            **brief_form(title="Preview", body="Baghdad."),
            **inline_data(writer_client.get(change_url(brief))),
            "loaded_version": Brief.objects.get(pk=brief.pk).version,
            f"entity_links-{records['baghdad'].pk}": "reject",
        },
    )
    response = writer_client.post(
        reverse("admin:briefs_brief_preview"),
        {"title": "Preview", "summary": "", "body": BODY, "kind": "analysis", "brief": brief.pk},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Entity links in this text" in html
    assert "Will be suggested when you save" in html
    assert "<mark>Kataib Hizballah</mark>" in html
    assert "Rejected for this brief, never suggested again: Baghdad." in html
    assert 'type="radio"' not in html
    # A new brief, not saved yet, is previewed too.
    unsaved = writer_client.post(
        reverse("admin:briefs_brief_preview"), {"title": "New", "body": BODY, "kind": "analysis"}
    )
    assert "<mark>Nouri al-Maliki</mark>" in unsaved.content.decode()


def test_recording_a_possible_new_entity_opens_a_filled_in_form(writer_client: Client) -> None:
    url = reverse("admin:entities_entity_add") + "?name=Marco+Rubio&kind=person"
    form = writer_client.get(url).context["adminform"].form
    assert form.initial["name"] == "Marco Rubio" and form.initial["kind"] == "person"


def test_an_imported_document_gets_its_suggestions(
    writer_client: Client, records: dict[str, Entity], tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("note.md", b"# Imported note\n\nNouri al-Maliki spoke in Baghdad.")
    response = writer_client.post(reverse("admin:briefs_brief_import"), {"document": upload})
    assert response.status_code == 302
    brief = Brief.objects.get(title="Imported note")
    assert set(links_of(brief)) == {records["maliki"].pk, records["baghdad"].pk}
    assert brief.revisions.count() == 1


def test_an_unchanged_save_leaves_an_approved_brief_its_links_and_its_approval(
    writer_client: Client, records: dict[str, Entity]
) -> None:
    writer = User.objects.get(username="writer")
    brief = brief_create(actor=writer, title="Approved already", body=BODY)
    brief_back_catalogue_status_set(actor=None, brief=brief, status=BriefStatus.APPROVED)

    save_again(writer_client, brief)
    brief.refresh_from_db()
    assert brief.status == BriefStatus.APPROVED
    assert links_of(brief) == {}

    page = writer_client.get(change_url(brief))
    brief.refresh_from_db()
    data = {
        **brief_form(title=brief.title, body=BODY + " More."),
        **inline_data(page),
        "loaded_version": brief.version,
    }
    assert writer_client.post(change_url(brief), data).status_code == 302
    brief.refresh_from_db()
    assert brief.status == BriefStatus.IN_REVIEW  # changed text needs approval again
    assert records["maliki"].pk in links_of(brief)

"""No lost edits: a save made on an older version is refused and the editor's text is kept."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from advisory.accounts.models import Role
from advisory.briefs.models import Brief
from advisory.briefs.services import EditConflict, brief_create, brief_update
from tests.factories import staff_user
from tests.test_admin import form_errors, inline_data


def _form(client: Client, brief: Brief, body: str) -> dict[str, object]:
    page = client.get(reverse("admin:briefs_brief_change", args=[brief.pk]))
    return {
        **inline_data(page),
        "title": brief.title,
        "summary": brief.summary,
        "body": body,
        "kind": brief.kind,
        "access_tier": brief.access_tier,
        "tags": "",
        "loaded_version": page.context["adminform"].form["loaded_version"].value(),
    }


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_later_save_is_refused_and_shows_what_it_would_have_overwritten() -> None:
    writer = staff_user(role=Role.WRITER, username="writer")
    editor = staff_user(role=Role.EDITOR, username="editor", display_name="Sara Kemal")
    brief = brief_create(actor=writer, title="Basra", body="The original sentence.")
    url = reverse("admin:briefs_brief_change", args=[brief.pk])
    first, second = _client(editor), _client(writer)
    editor_form = _form(first, brief, "The editor's sentence.")
    writer_form = _form(second, brief, "The writer's own sentence.")

    assert first.post(url, editor_form).status_code == 302
    refused = second.post(url, writer_form)

    assert refused.status_code == 200
    assert any("Sara Kemal saved this brief" in error for error in form_errors(refused))
    page = refused.content.decode()
    assert "The writer&#x27;s own sentence." in page, "the refused text stays in the form"
    assert "<del>original</del><ins>editor&#x27;s</ins>" in page
    brief.refresh_from_db()
    assert brief.body == "The editor's sentence."

    retry = _form(second, brief, "The writer's own sentence.")
    assert second.post(url, retry).status_code == 302
    brief.refresh_from_db()
    assert (brief.body, brief.version) == ("The writer's own sentence.", 3)


@pytest.mark.django_db
def test_the_service_refuses_an_edit_on_an_older_version() -> None:
    writer = staff_user(role=Role.WRITER, username="writer")
    brief = brief_create(actor=writer, title="Basra", body="One.")
    brief_update(actor=writer, brief=brief, body="Two.", expected_version=1)
    with pytest.raises(EditConflict, match="saved this brief"):
        brief_update(actor=writer, brief=brief, body="Three.", expected_version=1)
    brief.refresh_from_db()
    assert (brief.body, brief.version) == ("Two.", 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_cannot_both_win() -> None:
    writer = staff_user(role=Role.WRITER, username="writer")
    editor = staff_user(role=Role.EDITOR, username="editor")
    brief = brief_create(actor=writer, title="Basra", body="Original.")
    url = reverse("admin:briefs_brief_change", args=[brief.pk])
    clients = [_client(writer), _client(editor)]
    forms = [_form(c, brief, f"Version from {n}.") for n, c in enumerate(clients)]
    statuses: list[int] = []
    start = threading.Barrier(2)

    def save(client: Client, form: dict[str, object]) -> None:
        start.wait()
        try:
            statuses.append(client.post(url, form).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 302]
    brief.refresh_from_db()
    assert brief.version == 2
    assert brief.revisions.count() == 2


@pytest.mark.django_db
@pytest.mark.redis
def test_the_edit_page_shows_who_else_has_it_open() -> None:
    writer = staff_user(role=Role.WRITER, username="writer", display_name="Layla Haddad")
    editor = staff_user(role=Role.EDITOR, username="editor", display_name="Sara Kemal")
    brief = brief_create(actor=writer, title="Open twice", body="Text.")
    url = reverse("admin:briefs_brief_change", args=[brief.pk])
    presence = reverse("admin:briefs_brief_presence", args=[brief.pk])

    alone = _client(writer).get(url).content.decode()
    assert "Also open by" not in alone
    assert "Also open by Layla Haddad" in _client(editor).get(url).content.decode()
    assert _client(writer).post(presence).json() == {"others": ["Sara Kemal"]}
    assert _client(editor).get(presence).status_code == 405

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from advisory.accounts.models import Role
from advisory.briefs.services import brief_create, preview_link_create, preview_link_revoke
from advisory.workflow.models import AuditEvent, PreviewLink
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_shares_a_read_only_link_that_anyone_can_open_until_revoked() -> None:
    writer = staff_user(role=Role.WRITER, username="writer")
    editor = staff_user(role=Role.EDITOR, username="editor")
    brief = brief_create(actor=writer, title="Draft on Basra", body="## Not yet public")
    create = reverse("admin:briefs_brief_preview_link_create", args=[brief.pk])

    assert _client(writer).post(create, {"label": "x", "days": 7}).status_code == 403
    response = _client(editor).post(create, {"label": "Ministry contact", "days": 7})
    message = str(next(iter(get_messages(response.wsgi_request))))
    url = re.search(r"http\S+/preview/\S+/", message)
    assert url is not None, message
    path = url.group(0).split("127.0.0.1:8000", 1)[-1]

    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Draft on Basra" in html and "<h2>Not yet public</h2>" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert page["Referrer-Policy"] == "no-referrer"
    link = PreviewLink.objects.get()
    assert link.last_used_at is not None
    assert link.token_hash not in message, "only the hash is stored, only the token is shown"

    revoke = reverse("admin:briefs_brief_preview_link_revoke", args=[brief.pk, link.pk])
    assert _client(editor).post(revoke).status_code == 302
    assert visitor.get(path).status_code == 404
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"preview_link.created", "preview_link.revoked"} <= verbs


def test_a_link_stops_working_when_it_expires() -> None:
    editor = staff_user(role=Role.EDITOR, username="editor")
    brief = brief_create(actor=editor, title="Soon gone", body="Text")
    link, token = preview_link_create(
        actor=editor, brief=brief, label="", valid_for=datetime.timedelta(hours=1)
    )
    path = reverse("portal:preview-link", args=[token])
    assert Client().get(path).status_code == 200
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    PreviewLink.objects.filter(pk=link.pk).update(
        created_at=an_hour_ago - datetime.timedelta(hours=1), expires_at=an_hour_ago
    )
    gone = Client().get(path)
    assert gone.status_code == 404
    assert "no longer available" in gone.content.decode()
    assert Client().get(reverse("portal:preview-link", args=["forged-token"])).status_code == 404


def test_link_lifetimes_are_bounded_and_revoking_twice_is_harmless() -> None:
    editor = staff_user(role=Role.EDITOR, username="editor")
    brief = brief_create(actor=editor, title="Bounds", body="Text")
    with pytest.raises(Exception, match="between 5 minutes and 30 days"):
        preview_link_create(
            actor=editor, brief=brief, label="", valid_for=datetime.timedelta(days=31)
        )
    link, _ = preview_link_create(
        actor=editor, brief=brief, label="", valid_for=datetime.timedelta(days=1)
    )
    preview_link_revoke(actor=editor, link=link)
    preview_link_revoke(actor=editor, link=link)
    assert AuditEvent.objects.filter(verb="preview_link.revoked").count() == 1


def test_the_reader_sees_corrections_and_a_retraction_replaces_the_body() -> None:
    from advisory.briefs.services import brief_update
    from advisory.workflow import services as workflow

    writer = staff_user(role=Role.WRITER, username="writer")
    editor = staff_user(role=Role.EDITOR, username="editor")
    brief = brief_create(actor=writer, title="Figures", body="About 50,000 fighters.")
    workflow.brief_submit(actor=writer, brief=brief)
    workflow.brief_approve(actor=editor, brief=brief)
    workflow.brief_publish(actor=editor, brief=brief)
    brief_update(actor=writer, brief=brief, body="About 5,000 fighters.")
    workflow.brief_submit(actor=writer, brief=brief)
    workflow.brief_approve(actor=editor, brief=brief)
    workflow.brief_publish(actor=editor, brief=brief, correction_note="We first said 50,000.")
    _, token = preview_link_create(
        actor=editor, brief=brief, label="", valid_for=datetime.timedelta(days=1)
    )
    path = reverse("portal:preview-link", args=[token])

    corrected = Client().get(path).content.decode()
    assert "We first said 50,000." in corrected and "About 5,000 fighters." in corrected
    assert "Updated" in corrected

    workflow.brief_retract(actor=editor, brief=brief, notice="Sourcing did not hold up.")
    retracted = Client().get(path).content.decode()
    assert "This brief has been retracted" in retracted
    assert "Sourcing did not hold up." in retracted
    assert "About 5,000 fighters." not in retracted

"""The workflow from the brief's change page: the story of the issue, step by step."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from advisory.accounts.models import Role
from advisory.briefs.models import BriefStatus
from advisory.briefs.services import brief_create, brief_update
from advisory.workflow.models import AuditEvent
from advisory.workflow.services import briefs_publish_due
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def _as(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _act(client: Client, brief_id: int, action: str, **fields: str) -> list[str]:
    url = reverse("admin:briefs_brief_transition", args=[brief_id])
    response = client.post(url, {"action": action, **fields})
    assert response.status_code == 302
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_submit_request_changes_revise_approve_schedule_publish_from_the_admin() -> None:
    writer = staff_user(role=Role.WRITER, username="writer")
    editor = staff_user(role=Role.EDITOR, username="editor")
    editor2 = staff_user(role=Role.EDITOR, username="editor2")
    brief = brief_create(actor=writer, title="Basra protests", body="Draft.")
    change = reverse("admin:briefs_brief_change", args=[brief.pk])

    page = _as(writer).get(change).content.decode()
    assert "Workflow: Draft" in page
    assert "Submit for review" in page
    assert "Approve" not in page

    assert _act(_as(writer), brief.pk, "submit") == [
        "Submit for review: the brief is now in review."
    ]
    assert "Approve" in _as(editor).get(change).content.decode()
    refused = _act(_as(editor), brief.pk, "request_changes", reason="  ")
    assert refused == ["Say what should change: the writer needs the reason."]
    _act(_as(editor), brief.pk, "request_changes", reason="Add the oil figures.")
    brief_update(actor=writer, brief=brief, body="Revised with the oil figures.")
    _act(_as(writer), brief.pk, "submit")

    assert _act(_as(writer), brief.pk, "approve") == ["Approve is not open to your role."]
    _act(_as(editor2), brief.pk, "approve")
    at = (timezone.localtime() + datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    _act(_as(editor2), brief.pk, "schedule", publish_at=at)
    brief.refresh_from_db()
    assert brief.status == BriefStatus.SCHEDULED
    assert brief.publish_at is not None

    assert briefs_publish_due() == []
    assert briefs_publish_due(now=brief.publish_at) == [brief.pk]
    brief.refresh_from_db()
    assert brief.status == BriefStatus.PUBLISHED

    history = list(
        AuditEvent.objects.filter(target_id=str(brief.pk), verb__startswith="brief.")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert [v for v in history if v not in {"brief.edited", "brief.created"}] == [
        "brief.submit",
        "brief.request_changes",
        "brief.submit",
        "brief.approve",
        "brief.schedule",
        "brief.publish_due",
    ]


def test_scheduling_without_a_time_is_refused_with_a_message() -> None:
    writer = staff_user(role=Role.WRITER, username="writer")
    editor = staff_user(role=Role.EDITOR, username="editor")
    brief = brief_create(actor=writer, title="Unscheduled", body="Text.")
    _act(_as(writer), brief.pk, "submit")
    _act(_as(editor), brief.pk, "approve")
    assert _act(_as(editor), brief.pk, "schedule") == ["Give the date and time to publish."]
    brief.refresh_from_db()
    assert brief.status == BriefStatus.APPROVED

"""Tradecraft in review: the estimative-language gate on approval (service and admin), the
writer's preview, and the rule that a published judgment's change of likelihood or
confidence says what changed and why (service, admin save, submission)."""

import datetime
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from advisory.accounts.models import Role, User
from advisory.briefs.models import Brief, BriefStatus, JudgmentChange, KeyJudgment
from advisory.briefs.services import (
    JudgmentChangeUnexplained,
    JudgmentSpec,
    ScenarioSpec,
    SourceSpec,
    brief_create,
    brief_parts_replace,
    brief_revision_record,
    brief_update,
    key_judgment_revise,
)
from advisory.workflow import services as workflow
from advisory.workflow.models import AuditEvent
from tests.factories import staff_user
from tests.test_admin import brief_form, form_errors, management

pytestmark = pytest.mark.django_db

FLAGGED_BODY = "Talks will probably stall.\nThe envoy may well resign."
CLEAN_BODY = "Talks are likely to stall. The envoy is unlikely to resign."


class Desk:
    def __init__(self, body: str = CLEAN_BODY) -> None:
        self.writer = staff_user(role=Role.WRITER, username="writer")
        self.editor = staff_user(role=Role.EDITOR, username="editor")
        self.brief = brief_create(
            actor=self.writer, title="Basra talks", body=body, record_revision=False
        )
        brief_parts_replace(
            actor=self.writer,
            brief=self.brief,
            key_judgments=[
                JudgmentSpec("Talks stall before spring.", "likely", "moderate", sources=(0,)),
                JudgmentSpec("The governor resigns.", "unlikely", "low"),
            ],
            sources=[SourceSpec("Port authority notice", reliability="B", credibility=2)],
            mentions=[],
            scenarios=[ScenarioSpec("Deal by March", "realistic_possibility", review_on=_day(30))],
        )
        brief_revision_record(actor=self.writer, brief=self.brief)

    def judgment(self, position: int = 0) -> KeyJudgment:
        return self.brief.key_judgments.order_by("position")[position]

    def publish(self) -> None:
        """Through review to publication, acknowledging any flags the editor is shown."""
        workflow.brief_submit(actor=self.writer, brief=self.brief)
        latest = self.brief.revisions.order_by("-number").first()
        assert latest is not None
        workflow.brief_approve(
            actor=self.editor, brief=self.brief, flags_acknowledged_for=latest.number
        )
        workflow.brief_publish(actor=self.editor, brief=self.brief)
        self.brief.refresh_from_db()


def _day(offset: int) -> datetime.date:
    return datetime.date.today() + datetime.timedelta(days=offset)


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _latest_number(brief: Brief) -> int:
    number = brief.revisions.order_by("-number").values_list("number", flat=True).first()
    assert number is not None
    return number


# --- The review gate -------------------------------------------------------------------------


def test_approval_with_flags_outstanding_is_refused_unless_acknowledged() -> None:
    desk = Desk(body=FLAGGED_BODY)
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)

    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.brief_approve(actor=desk.editor, brief=desk.brief)
    assert refused.value.messages == [
        "The text has 2 estimative-language flags outstanding: have them fixed, or acknowledge "
        "them to approve the text as written."
    ]
    desk.brief.refresh_from_db()
    assert desk.brief.status == BriefStatus.IN_REVIEW

    # Acknowledged for an older revision: the text changed since the editor read the flags.
    read = _latest_number(desk.brief)
    brief_update(actor=desk.writer, brief=desk.brief, body=FLAGGED_BODY + " It could end.")
    with pytest.raises(workflow.TransitionRefused, match="saved again"):
        workflow.brief_approve(actor=desk.editor, brief=desk.brief, flags_acknowledged_for=read)

    current = _latest_number(desk.brief)
    workflow.brief_approve(actor=desk.editor, brief=desk.brief, flags_acknowledged_for=current)
    desk.brief.refresh_from_db()
    assert desk.brief.status == BriefStatus.APPROVED
    event = AuditEvent.objects.get(verb="brief.approve")
    assert event.actor == desk.editor
    assert [
        (flag["kind"], flag["field"], flag["text"], flag["line"], flag["column"], flag["start"])
        for flag in event.data["estimative_flags_acknowledged"]
    ] == [
        ("off_scale", "body", "probably", 1, 12, 11),
        ("off_scale", "body", "may well", 2, 11, 37),
        ("off_scale", "body", "could", 2, 31, 57),
    ]


def test_clean_text_is_approved_without_acknowledgment_and_judgments_are_checked_too() -> None:
    desk = Desk()
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    workflow.brief_approve(actor=desk.editor, brief=desk.brief)
    assert AuditEvent.objects.get(verb="brief.approve").data["estimative_flags_acknowledged"] == []

    other = brief_create(actor=desk.writer, title="Other", body=CLEAN_BODY)
    brief_parts_replace(
        actor=desk.writer,
        brief=other,
        key_judgments=[JudgmentSpec("Attacks could resume.", "unlikely", "low")],
        sources=[],
        mentions=[],
    )
    brief_revision_record(actor=desk.writer, brief=other)
    workflow.brief_submit(actor=desk.writer, brief=other)
    with pytest.raises(workflow.TransitionRefused, match="has 1 estimative-language flag "):
        workflow.brief_approve(actor=desk.editor, brief=other)


def test_the_editor_reads_the_flags_and_acknowledges_them_from_the_change_page() -> None:
    desk = Desk(body=FLAGGED_BODY)
    workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    change = reverse("admin:briefs_brief_change", args=[desk.brief.pk])
    transition = reverse("admin:briefs_brief_transition", args=[desk.brief.pk])
    editor = _as(desk.editor)

    page = editor.get(change).content.decode()
    assert "Estimative language: 2 flags" in page
    assert "Body, line 1, column 12" in page and "<mark>probably</mark>" in page
    assert "write “likely or probable” (55–75%)" in page
    number = _latest_number(desk.brief)
    assert f'name="flags_revision" value="{number}"' in page
    assert f"I have read the 2 estimative-language flags of revision {number}" in page

    response = editor.post(transition, {"action": "approve", "flags_revision": number})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The text has 2 estimative-language flags outstanding: have them fixed, or acknowledge "
        "them to approve the text as written."
    ]
    desk.brief.refresh_from_db()
    assert desk.brief.status == BriefStatus.IN_REVIEW
    editor.get(response["Location"])  # the page the editor is sent back to shows the message

    response = editor.post(
        transition, {"action": "approve", "flags_revision": number, "acknowledge_flags": "1"}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Approve: the brief is now approved."
    ]
    desk.brief.refresh_from_db()
    assert desk.brief.status == BriefStatus.APPROVED
    assert (
        len(AuditEvent.objects.get(verb="brief.approve").data["estimative_flags_acknowledged"]) == 2
    )


def test_the_writer_sees_the_flags_in_the_live_preview() -> None:
    writer = staff_user(role=Role.WRITER, username="writer")
    response = _as(writer).post(
        reverse("admin:briefs_brief_preview"),
        {
            "title": "Draft",
            "body": "## Outlook\n\nIt is believed the talks might fail.",
            "kind": "analysis",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Estimative language: 2 flags" in page
    assert "Body, line 3, column 1" in page and "<mark>It is believed</mark>" in page
    assert "Body, line 3, column 26" in page and "<mark>might</mark>" in page
    clean = _as(writer).post(
        reverse("admin:briefs_brief_preview"), {"title": "Draft", "body": CLEAN_BODY}
    )
    assert "Estimative language: no flags" in clean.content.decode()


# --- Judgment history: a change says what changed and why --------------------------------------


def test_a_published_judgment_changes_rating_only_with_a_reason() -> None:
    desk = Desk()
    desk.publish()
    judgment = desk.judgment()
    revisions = desk.brief.revisions.count()

    with pytest.raises(JudgmentChangeUnexplained) as refused:
        key_judgment_revise(
            actor=desk.writer, judgment=judgment, likelihood="highly_likely", confidence="moderate"
        )
    assert refused.value.messages == [
        "Clients read this judgment as “Likely or probable, moderate confidence”: say what "
        "changed and why before it becomes “Highly likely, moderate confidence”."
    ]
    judgment.refresh_from_db()
    assert (judgment.likelihood, desk.brief.revisions.count()) == ("likely", revisions)

    key_judgment_revise(
        actor=desk.writer,
        judgment=judgment,
        likelihood="highly_likely",
        confidence="moderate",
        change_reason="Port workers struck on Monday.",
    )
    judgment.refresh_from_db()
    assert judgment.likelihood == "highly_likely"
    assert desk.brief.revisions.count() == revisions + 1
    # Rewording alone needs no reason; an unpublished brief needs none either.
    key_judgment_revise(
        actor=desk.writer,
        judgment=desk.judgment(1),
        likelihood="unlikely",
        confidence="low",
        statement="The governor resigns before spring.",
    )


def test_the_reason_of_the_last_published_change_does_not_explain_a_new_one() -> None:
    desk = Desk()
    desk.publish()
    key_judgment_revise(
        actor=desk.writer,
        judgment=desk.judgment(),
        likelihood="highly_likely",
        confidence="moderate",
        change_reason="Port workers struck on Monday.",
    )
    desk.publish()
    with pytest.raises(JudgmentChangeUnexplained, match="published with this judgment's last"):
        key_judgment_revise(
            actor=desk.writer,
            judgment=desk.judgment(),
            likelihood="almost_certain",
            confidence="high",
            change_reason="Port workers struck on Monday.",
        )


def test_submission_of_an_unexplained_change_is_refused() -> None:
    desk = Desk()
    desk.publish()
    # A change saved by a path that did not ask for the reason (an import, a script).
    KeyJudgment.objects.filter(pk=desk.judgment().pk).update(confidence="high")
    brief_revision_record(actor=desk.writer, brief=desk.brief)

    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.brief_submit(actor=desk.writer, brief=desk.brief)
    assert (
        "say what changed and why before it becomes “Likely or probable, high confidence”"
        in (refused.value.messages[0])
    )
    desk.brief.refresh_from_db()
    assert desk.brief.status == BriefStatus.PUBLISHED


def _posted(value: object) -> object:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_posted(item) for item in value]
    return value


def _change_page_data(desk: Desk, client: Client) -> dict[str, Any]:
    """What a browser posts back from the change page as it stands."""
    desk.brief.refresh_from_db()
    page = client.get(reverse("admin:briefs_brief_change", args=[desk.brief.pk]))
    data: dict[str, Any] = brief_form(
        title=desk.brief.title, body=desk.brief.body, loaded_version=desk.brief.version
    )
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        rows = formset.initial_forms
        data.update(management(formset.prefix, total=len(rows), initial=len(rows)))
        for form in rows:
            for name in form.fields:
                value = form[name].value()
                if value is not None and value is not False and value != []:
                    data[form.add_prefix(name)] = _posted(value)
    return data


def test_the_admin_save_is_refused_with_the_writers_text_kept_until_a_reason_is_given() -> None:
    desk = Desk()
    desk.publish()
    writer = _as(desk.writer)
    url = reverse("admin:briefs_brief_change", args=[desk.brief.pk])
    data = _change_page_data(desk, writer)
    first = desk.judgment()
    prefix = next(
        key.removesuffix("-id")
        for key, value in data.items()
        if key.startswith("key_judgments-") and key.endswith("-id") and value == first.pk
    )
    data[f"{prefix}-likelihood"] = "highly_likely"
    data[f"{prefix}-statement"] = "Talks stall before spring, and the port closes."

    response = writer.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Clients read this judgment as “Likely or probable, moderate confidence”: say what "
        "changed and why before it becomes “Highly likely, moderate confidence”."
    ) in page
    assert "Talks stall before spring, and the port closes." in page, "the typed text is kept"
    first.refresh_from_db()
    assert (first.likelihood, first.statement) == ("likely", "Talks stall before spring.")

    data[f"{prefix}-change_reason"] = "The port authority announced a closure."
    response = writer.post(url, {**data, "loaded_version": desk.brief.version})
    assert response.status_code == 302, form_errors(response)
    first.refresh_from_db()
    assert (first.likelihood, first.change_reason) == (
        "highly_likely",
        "The port authority announced a closure.",
    )


def test_publishing_records_each_judgments_history_with_the_reason() -> None:
    desk = Desk()
    desk.publish()
    first = desk.judgment()
    assert list(
        JudgmentChange.objects.filter(judgment_pk=first.pk).values_list(
            "likelihood", "previous_likelihood", "reason"
        )
    ) == [("likely", "", "")]
    key_judgment_revise(
        actor=desk.writer,
        judgment=first,
        likelihood="highly_likely",
        confidence="high",
        change_reason="Port workers struck on Monday.",
    )
    assert JudgmentChange.objects.filter(judgment_pk=first.pk).count() == 1, "only when live"
    desk.publish()
    assert list(
        JudgmentChange.objects.filter(judgment_pk=first.pk)
        .order_by("published_at", "pk")
        .values_list(
            "likelihood", "confidence", "previous_likelihood", "previous_confidence", "reason"
        )
    ) == [
        ("likely", "moderate", "", "", ""),
        ("highly_likely", "high", "likely", "moderate", "Port workers struck on Monday."),
    ]
    # The unchanged judgment has its first rating only.
    assert JudgmentChange.objects.filter(judgment_pk=desk.judgment(1).pk).count() == 1


def test_a_brief_from_before_the_scale_is_saved_as_is_and_review_lists_what_is_unrated() -> None:
    desk = Desk()
    brief_parts_replace(
        actor=desk.writer,
        brief=desk.brief,
        key_judgments=["Talks stall before spring.", "The governor resigns."],
        sources=[SourceSpec("Port authority notice")],
        mentions=[],
    )
    brief_revision_record(actor=desk.writer, brief=desk.brief)
    writer = _as(desk.writer)
    url = reverse("admin:briefs_brief_change", args=[desk.brief.pk])

    page = _as(desk.editor).get(url).content.decode()
    assert (
        "Written before the desk's scale and grading: key judgments 1, 2 without a likelihood "
        "and confidence; source 1 without a grade;"
    ) in page

    data = _change_page_data(desk, writer)
    data["title"] = "Basra talks, revisited"
    response = writer.post(url, data)
    assert response.status_code == 302, form_errors(response)

    # A new judgment is rated, whatever the old ones are.
    data = _change_page_data(desk, writer)
    total = int(data["key_judgments-TOTAL_FORMS"])
    data[f"key_judgments-{total}-statement"] = "The port closes."
    data[f"key_judgments-{total}-position"] = "3"
    data["key_judgments-TOTAL_FORMS"] = str(total + 1)
    response = writer.post(url, data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][2].formset.forms[total].errors
    assert errors == {
        "likelihood": ["This field is required."],
        "confidence": ["This field is required."],
    }

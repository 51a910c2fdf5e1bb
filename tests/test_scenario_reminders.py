"""The daily reminder that a scenario's review date has come: to the editor who approved the
brief, once per scenario and date, through a real SMTP server; a failed send is tried again."""

import smtplib

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from advisory.accounts.models import Role
from advisory.accounts.services import membership_assign
from advisory.briefs.models import Scenario, ScenarioReviewReminder
from advisory.celery import app as celery_app
from advisory.workflow import services as workflow
from advisory.workflow.models import AuditEvent
from advisory.workflow.tasks import remind_scenario_reviews
from tests.factories import DeskFactory, staff_user
from tests.smtp import SITE, Inbox, subject_of
from tests.test_tradecraft_review import Desk, _day

pytestmark = pytest.mark.django_db


def _due(desk: Desk, days_ago: int = 1) -> Scenario:
    scenario = desk.brief.scenarios.get()
    Scenario.objects.filter(pk=scenario.pk).update(review_on=_day(-days_ago))
    scenario.refresh_from_db()
    return scenario


def test_the_task_is_on_the_daily_beat() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["remind-scenario-reviews"]
    assert entry["task"] == "advisory.workflow.tasks.remind_scenario_reviews"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {0})
    assert entry["task"] in celery_app.tasks


def test_the_approving_editor_is_reminded_once_per_scenario_and_date(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp_server
    desk = Desk()
    desk.publish()
    staff_user(role=Role.EDITOR, username="editor2")
    scenario = _due(desk)

    [reminder_id] = remind_scenario_reviews()

    inbox.wait_for(1)
    message = inbox.to(desk.editor)
    assert subject_of(message) == "Scenario to review: Deal by March (Basra talks)"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert f"was due for review on {scenario.review_on:%-d %B %Y}" in text
    assert "It is rated Realistic possibility (40–50%)." in text
    assert f"{SITE}/admin/briefs/brief/{desk.brief.pk}/change/" in text
    assert "You receive this as the editor who approved the brief." in text
    assert message["Message-ID"] == (
        f"<scenario-{scenario.pk}.{scenario.review_on:%Y%m%d}.{desk.editor.pk}"
        "@advisory.example.com>"
    )
    reminder = ScenarioReviewReminder.objects.get(pk=reminder_id)
    assert (reminder.scenario, reminder.review_on) == (scenario, scenario.review_on)
    assert reminder.recipients == [desk.editor.email]
    event = AuditEvent.objects.get(verb="brief.scenario_review_reminded")
    assert event.actor is None and event.data["scenario"] == scenario.pk

    # The next day's run, or a second beat by mistake: nothing more.
    assert remind_scenario_reviews() == []
    assert len(inbox.received) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ScenarioReviewReminder.objects.create(scenario=scenario, review_on=scenario.review_on)

    # A new review date that comes round is a new reminder.
    Scenario.objects.filter(pk=scenario.pk).update(review_on=_day(0))
    assert len(remind_scenario_reviews()) == 1
    inbox.wait_for(2)


def test_without_the_approving_editor_every_editor_is_reminded(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp_server
    desk = Desk()
    desk.publish()
    other = staff_user(role=Role.EDITOR, username="editor2")
    # The approver has moved to the writing desk.
    membership_assign(actor=None, user=desk.editor, organisation=DeskFactory(), role=Role.WRITER)
    _due(desk)

    remind_scenario_reviews()

    inbox.wait_for(1)
    assert inbox.received[0][0] == [other.email]
    assert "You receive this as an editor on the desk." in (
        inbox.received[0][1].get_body(preferencelist=("plain",)).get_content()
    )


def test_nothing_is_sent_before_the_date_or_for_a_brief_taken_out_of_the_workflow(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp_server
    desk = Desk()
    assert remind_scenario_reviews() == [], "the review date is a month away"
    _due(desk)
    workflow.brief_withdraw(actor=desk.writer, brief=desk.brief)
    assert remind_scenario_reviews() == []
    assert inbox.received == []


def test_a_send_the_server_refuses_leaves_the_reminder_to_send_again(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp_server
    desk = Desk()
    desk.publish()
    _due(desk)
    inbox.data_refusals.append("451 4.3.0 Try again later")

    with pytest.raises(smtplib.SMTPDataError):
        remind_scenario_reviews.run()
    assert not ScenarioReviewReminder.objects.exists()

    assert len(remind_scenario_reviews()) == 1
    inbox.wait_for(1)

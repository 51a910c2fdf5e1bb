import smtplib

from celery import shared_task
from django.contrib.contenttypes.models import ContentType

from advisory.briefs.models import Brief
from advisory.workflow.models import AuditEvent, Comment
from advisory.workflow.notifications import brief_event_notify, comment_mention_notify
from advisory.workflow.services import briefs_publish_due, scenario_reviews_remind


@shared_task(acks_late=True)
def publish_due_briefs() -> list[int]:
    """Beat runs this each minute; overlapping runs are safe (see briefs_publish_due)."""
    return briefs_publish_due()


# What a mail server or the network does for a while: worth trying again, later and later.
_MAIL_TROUBLE = (smtplib.SMTPException, ConnectionError, TimeoutError)
mail_task = shared_task(
    acks_late=True,
    autoretry_for=_MAIL_TROUBLE,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)


@mail_task
def notify_brief_event(event_id: int) -> int:
    """Email the people a workflow event on a brief concerns; returns how many were written to.

    A retry writes only to those the failed attempt did not reach (see notifications).
    """
    event = AuditEvent.objects.select_related("actor").get(
        pk=event_id, target_type=ContentType.objects.get_for_model(Brief)
    )
    brief = Brief.objects.get(pk=event.target_id)
    return brief_event_notify(brief=brief, event=event)


@mail_task
def notify_comment_mention(comment_id: int) -> int:
    """Email the desk members a comment @mentions; returns how many were written to."""
    comment = Comment.objects.select_related("brief", "author").get(pk=comment_id)
    return comment_mention_notify(comment)


@mail_task
def remind_scenario_reviews() -> list[int]:
    """Beat runs this daily: email each scenario's editor when its review date has come, once
    per scenario and date (see scenario_reviews_remind); a retry sends only what is left."""
    return scenario_reviews_remind()

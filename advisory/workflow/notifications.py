"""Who is told what by email about a brief in the workflow.

The editors hear of a brief submitted for review; its authors hear of changes requested, of
approval and of publication; anyone @mentioned in a comment hears of the comment. Nobody is
told of their own action, and only active desk members with an email address are written to.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.urls import reverse

from advisory.accounts.models import User
from advisory.briefs.models import Brief, Scenario
from advisory.lib.email import absolute_url, render_email, send_email, site_domain
from advisory.workflow.models import AuditEvent, Comment
from advisory.workflow.selectors import comment_thread_root, desk_users, editors

# A retried task skips whoever it already wrote to; the claim expires so that a worker that died
# mid-send does not keep the message from going out when the task is delivered again.
_CLAIM_SECONDS = 10 * 60
_SENT_SECONDS = 7 * 24 * 60 * 60


class Audience(StrEnum):
    EDITORS = "editors"
    AUTHORS = "authors"


@dataclass(frozen=True)
class Notice:
    template: str
    audience: Audience


BRIEF_NOTICES: dict[str, Notice] = {
    "brief.submit": Notice("brief_submitted", Audience.EDITORS),
    "brief.request_changes": Notice("brief_changes_requested", Audience.AUTHORS),
    "brief.approve": Notice("brief_approved", Audience.AUTHORS),
    "brief.publish": Notice("brief_published", Audience.AUTHORS),
    "brief.publish_due": Notice("brief_published", Audience.AUTHORS),
}
NOTIFIED_VERBS = frozenset(BRIEF_NOTICES)

_WHY = {
    Audience.EDITORS: "You receive this as an editor on the desk.",
    Audience.AUTHORS: "You receive this as an author of the brief.",
}


def _reachable(users: QuerySet[User], *, actor_id: int | None) -> list[User]:
    users = users.exclude(email="")
    if actor_id is not None:
        users = users.exclude(pk=actor_id)
    return list(users.order_by("pk"))


def brief_event_recipients(*, brief: Brief, event: AuditEvent) -> list[User]:
    """The people to email about the event, or nobody if the event is not one we tell of."""
    notice = BRIEF_NOTICES.get(event.verb)
    if notice is None:
        return []
    if notice.audience == Audience.EDITORS:
        audience = editors()
    else:
        # An author who has left the desk no longer hears of its internal work.
        audience = desk_users().filter(pk__in=brief.bylines.values("author_id"))
    return _reachable(audience, actor_id=event.actor_id)


def comment_mention_recipients(comment: Comment) -> list[User]:
    return _reachable(
        desk_users().filter(pk__in=comment.mentioned.values("pk")), actor_id=comment.author_id
    )


def _stamp(when: datetime.datetime) -> str:
    # Ids repeat when a database is recreated (a demo reset, a test run): the creation time
    # keeps each message's id, and so its send-once key, unique.
    return f"{when:%Y%m%d%H%M%S%f}"


def _send_once(
    *, recipient: User, brief: Brief, message_id: str, template: str, context: dict[str, Any]
) -> bool:
    """Send the message unless it already went out: retries and redeliveries must not email
    anyone twice. Returns whether it was sent now."""
    subject, text, html = render_email(
        template, {**context, "brief": brief, "recipient": recipient}
    )
    key = f"email-sent:{message_id}"
    if not cache.add(key, "sending", _CLAIM_SECONDS):
        return False
    try:
        send_email(
            to=[recipient.email],
            subject=subject,
            text=text,
            html=html,
            headers={
                "Message-ID": message_id,
                # Mail clients thread every message about one brief together.
                "References": f"<brief-{brief.pk}@{site_domain()}>",
            },
        )
    except BaseException:
        cache.delete(key)
        raise
    cache.set(key, "sent", _SENT_SECONDS)
    return True


def _brief_link(brief: Brief, fragment: str = "") -> str:
    return absolute_url(reverse("admin:briefs_brief_change", args=[brief.pk]) + fragment)


def brief_event_notify(*, brief: Brief, event: AuditEvent) -> int:
    """Email everyone the event concerns; returns how many messages went out now."""
    notice = BRIEF_NOTICES.get(event.verb)
    if notice is None:
        return 0
    data = event.data
    context = {
        "actor_name": event.actor.byline if event.actor else "The scheduler",
        "by_scheduler": event.verb == "brief.publish_due",
        "reason": event.reason,
        "revision": data.get("revision"),
        "is_update": data.get("from") == "published",
        "override": bool(data.get("four_eyes_override")),
        "publication": data.get("publication", ""),
        "link": _brief_link(brief),
        "why": _WHY[notice.audience],
    }
    domain = site_domain()
    return sum(
        _send_once(
            recipient=user,
            brief=brief,
            message_id=f"<event-{event.pk}.{user.pk}.{_stamp(event.created_at)}@{domain}>",
            template=notice.template,
            context=context,
        )
        for user in brief_event_recipients(brief=brief, event=event)
    )


def comment_mention_notify(comment: Comment) -> int:
    """Email the people the comment @mentions; returns how many messages went out now."""
    root = comment_thread_root(comment)
    context = {
        "comment": comment,
        "author_name": comment.author.byline,
        "anchor_number": root.anchor.removeprefix("p"),
        "anchor_text": root.anchor_text,
        "is_reply": comment.parent_id is not None,
        "link": _brief_link(comment.brief, f"#comment-{comment.pk}"),
        "why": "You receive this because you were mentioned in the comment.",
    }
    domain = site_domain()
    return sum(
        _send_once(
            recipient=user,
            brief=comment.brief,
            message_id=f"<comment-{comment.pk}.{user.pk}.{_stamp(comment.created_at)}@{domain}>",
            template="comment_mention",
            context=context,
        )
        for user in comment_mention_recipients(comment)
    )


def scenario_reminder_recipients(brief: Brief) -> tuple[list[User], str]:
    """Who hears that a scenario's review date has come, and why: the editor who last approved
    the brief, while still an editor on the desk; otherwise every editor."""
    if brief.approved_by_id is not None:
        approver = _reachable(editors().filter(pk=brief.approved_by_id), actor_id=None)
        if approver:
            return approver, "You receive this as the editor who approved the brief."
    return _reachable(editors(), actor_id=None), _WHY[Audience.EDITORS]


def scenario_review_send(
    *,
    scenario: Scenario,
    recipients: list[User],
    why: str,
    likelihood: str,
    indicators: tuple[str, ...],
) -> None:
    """Email each recipient the scenario's reminder (the caller records that it went out)."""
    brief = scenario.brief
    domain = site_domain()
    for user in recipients:
        subject, text, html = render_email(
            "scenario_review_due",
            {
                "brief": brief,
                "scenario": scenario,
                "recipient": user,
                "likelihood": likelihood,
                "indicators": indicators,
                "link": _brief_link(brief),
                "why": why,
            },
        )
        send_email(
            to=[user.email],
            subject=subject,
            text=text,
            html=html,
            headers={
                "Message-ID": f"<scenario-{scenario.pk}.{scenario.review_on:%Y%m%d}.{user.pk}"
                f"@{domain}>",
                "References": f"<brief-{brief.pk}@{domain}>",
            },
        )

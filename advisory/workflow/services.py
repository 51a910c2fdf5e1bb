import datetime
from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from advisory.accounts.models import STAFF_ROLES, Role, User
from advisory.accounts.selectors import user_role
from advisory.briefs.models import (
    Brief,
    BriefRevision,
    BriefStatus,
    CorrectionNote,
    Scenario,
    ScenarioReviewReminder,
)
from advisory.briefs.publication import (
    publication_remove,
    publication_retract,
    publication_write,
)
from advisory.briefs.readings import likelihood_of, listed_lines
from advisory.briefs.scales import active_scale
from advisory.briefs.selectors import (
    judgment_change_problems,
    snapshot_estimative_flags,
    snapshot_proposed_judgments,
)
from advisory.ops.queueing import task_enqueue_on_commit
from advisory.workflow.models import AuditEvent, Comment
from advisory.workflow.notifications import (
    NOTIFIED_VERBS,
    scenario_reminder_recipients,
    scenario_review_send,
)
from advisory.workflow.selectors import (
    brief_paragraphs,
    comment_thread_root,
    scenarios_due_for_review,
    users_mentioned,
)
from advisory.workflow.transitions import (
    SYSTEM,
    TRANSITIONS,
    Action,
    Transition,
    transition_for,
)

EDITOR_ROLES = frozenset({Role.EDITOR, Role.DESK_ADMIN})


def audit_event_record(
    *,
    actor: User | None,
    verb: str,
    target: models.Model,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the audit trail; called inside the service's own transaction."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        reason=reason,
        data=data or {},
    )


def _notify_on_commit(event: AuditEvent) -> None:
    """Queue the event's emails for when the transaction commits: a change rolled back tells
    nobody, and the worker finds the rows it reads committed."""
    if event.verb not in NOTIFIED_VERBS:
        return
    # tasks.py imports this module (publish_due_briefs): import the task only when it is used.
    from advisory.workflow.tasks import notify_brief_event

    # A broker outage must not turn a committed move into an error, nor lose the emails.
    task_enqueue_on_commit(notify_brief_event, event.pk)


class TransitionRefused(ValidationError):
    """The workflow refuses the move; the message says why, for the person who tried."""


def _brief_locked(brief: Brief) -> Brief:
    return Brief.objects.select_for_update().get(pk=brief.pk)


def _transition(action: Action, *, actor: User | None, brief: Brief) -> Transition:
    """The transition the actor may make on the brief, or TransitionRefused saying why not."""
    role = SYSTEM if actor is None else user_role(actor)
    transition = transition_for(action, status=brief.status, role=role)
    if transition is not None:
        return transition
    possible = TRANSITIONS[action]
    if brief.status not in possible.sources:
        raise TransitionRefused(
            f"{possible.label} is not possible for a brief that is "
            f"{BriefStatus(brief.status).label.lower()}."
        )
    raise TransitionRefused(f"{possible.label} is not open to your role.")


def _latest_revision(brief: Brief) -> BriefRevision:
    revision = brief.revisions.order_by("-number").first()
    if revision is None:
        raise TransitionRefused("The brief has no saved revision yet.")
    return revision


def _move(
    brief: Brief,
    transition: Transition,
    *,
    actor: User | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    fields: Sequence[str] = (),
) -> Brief:
    previous = brief.status
    brief.status = transition.target
    brief.full_clean()
    brief.save(update_fields=["status", "modified_at", *fields])
    event = audit_event_record(
        actor=actor,
        verb=f"brief.{transition.action.value}",
        target=brief,
        reason=reason,
        data={"from": previous, "to": brief.status, **(data or {})},
    )
    _notify_on_commit(event)
    return brief


@transaction.atomic
def brief_submit(*, actor: User, brief: Brief) -> Brief:
    """Send a draft, a revised brief, or an update of a published one, to the editors."""
    brief = _brief_locked(brief)
    transition = _transition(Action.SUBMIT, actor=actor, brief=brief)
    revision = _latest_revision(brief)
    live = brief.live_revision
    if live is not None and revision.content_hash == live.content_hash:
        raise TransitionRefused("Nothing has changed since the published version.")
    problems = judgment_change_problems(
        live=live.snapshot if live is not None else None,
        proposed=snapshot_proposed_judgments(revision.snapshot),
    )
    if problems:
        raise TransitionRefused(
            "A key judgment's likelihood or confidence changes from what clients read, without "
            "a reason: " + " ".join(problems.values())
        )
    brief.submitted_at = timezone.now()
    return _move(
        brief,
        transition,
        actor=actor,
        data={"revision": revision.number},
        fields=["submitted_at"],
    )


@transaction.atomic
def brief_review_claim(
    *,
    actor: User,
    brief: Brief,
    due_at: datetime.datetime | None = None,
    seen_reviewer_id: int | None = None,
) -> Brief:
    """An editor takes the review, so everyone sees who is on it, optionally with a due time.

    `seen_reviewer_id` is the reviewer the editor saw when deciding (None: unclaimed); a
    claim made since is not taken over silently.
    """
    brief = _brief_locked(brief)
    if user_role(actor) not in EDITOR_ROLES:
        raise TransitionRefused("Only editors review briefs.")
    if brief.status != BriefStatus.IN_REVIEW:
        raise TransitionRefused("Only a brief in review can be claimed.")
    if due_at is not None and due_at <= timezone.now():
        raise TransitionRefused("The due time has already passed: choose a later one.")
    if brief.reviewer_id not in (None, seen_reviewer_id, actor.pk):
        reviewer = brief.reviewer.byline if brief.reviewer else "Another editor"
        raise TransitionRefused(
            f"{reviewer} claimed the review of “{brief.title}” in the meantime: "
            "claim it again to take it over."
        )
    brief.reviewer = actor
    brief.review_due_at = due_at
    brief.save(update_fields=["reviewer", "review_due_at", "modified_at"])
    audit_event_record(
        actor=actor, verb="brief.review_claimed", target=brief, data={"due_at": due_at}
    )
    return brief


@transaction.atomic
def brief_request_changes(*, actor: User, brief: Brief, reason: str) -> Brief:
    brief = _brief_locked(brief)
    transition = _transition(Action.REQUEST_CHANGES, actor=actor, brief=brief)
    if not reason.strip():
        raise TransitionRefused("Say what should change: the writer needs the reason.")
    # The review is over; the resubmitted brief waits for whoever claims it next.
    brief.reviewer = None
    brief.review_due_at = None
    return _move(
        brief,
        transition,
        actor=actor,
        reason=reason.strip(),
        fields=["reviewer", "review_due_at"],
    )


@transaction.atomic
def brief_approve(
    *,
    actor: User,
    brief: Brief,
    override_reason: str = "",
    flags_acknowledged_for: int | None = None,
) -> Brief:
    """Approve the brief's current content. Nobody approves what they wrote or last edited;
    a desk admin may override that rule, only with a written reason, which is recorded.

    Estimative-language flags in the revision must be fixed, or acknowledged by the editor for
    that very revision (`flags_acknowledged_for`, its number): approving then records the flags
    the editor accepted as written.
    """
    brief = _brief_locked(brief)
    transition = _transition(Action.APPROVE, actor=actor, brief=brief)
    revision = _latest_revision(brief)
    flags = snapshot_estimative_flags(revision.snapshot, active_scale())
    if flags and flags_acknowledged_for is None:
        raise TransitionRefused(
            f"The text has {len(flags)} estimative-language flag{'s' if len(flags) != 1 else ''}"
            " outstanding: have them fixed, or acknowledge them to approve the text as written."
        )
    if flags and flags_acknowledged_for != revision.number:
        raise TransitionRefused(
            f"The brief was saved again (revision {revision.number}) after you read its flags: "
            "read them again before acknowledging them."
        )
    own = brief.bylines.filter(author=actor).exists() or brief.last_edited_by_id == actor.pk
    override = override_reason.strip()
    if own and not override:
        raise TransitionRefused(
            "You wrote or last edited this brief: another editor must approve it."
        )
    if own and user_role(actor) != Role.DESK_ADMIN:
        raise TransitionRefused("Only a desk admin may approve their own brief, with a reason.")
    if override and not own:
        override = ""
    brief.approved_hash = revision.content_hash
    brief.approved_by = actor
    return _move(
        brief,
        transition,
        actor=actor,
        reason=override,
        data={
            "revision": revision.number,
            "four_eyes_override": bool(override),
            "estimative_flags_acknowledged": [
                {
                    "kind": flag.kind.value,
                    "field": flag.field,
                    "line": flag.line,
                    "column": flag.column,
                    "start": flag.start,
                    "end": flag.end,
                    "text": flag.text,
                }
                for flag in flags
            ],
        },
        fields=["approved_hash", "approved_by"],
    )


@transaction.atomic
def brief_schedule(*, actor: User, brief: Brief, publish_at: datetime.datetime) -> Brief:
    """Schedule an approved brief for an exact time; nothing shows before it."""
    brief = _brief_locked(brief)
    transition = _transition(Action.SCHEDULE, actor=actor, brief=brief)
    if publish_at <= timezone.now():
        raise TransitionRefused("Choose a time in the future, or publish now.")
    brief.publish_at = publish_at
    return _move(
        brief,
        transition,
        actor=actor,
        data={"publish_at": publish_at.isoformat()},
        fields=["publish_at"],
    )


@transaction.atomic
def brief_unschedule(*, actor: User, brief: Brief) -> Brief:
    brief = _brief_locked(brief)
    transition = _transition(Action.UNSCHEDULE, actor=actor, brief=brief)
    brief.publish_at = None
    return _move(brief, transition, actor=actor, fields=["publish_at"])


def _publish(
    brief: Brief,
    transition: Transition,
    *,
    actor: User | None,
    correction_note: str = "",
) -> Brief:
    """Make the approved revision live: a first publication, an update or a correction."""
    revision = _latest_revision(brief)
    if revision.content_hash != brief.approved_hash:
        raise TransitionRefused("The content changed after approval: it must be approved again.")
    now = timezone.now()
    first = brief.live_revision_id is None
    if first:
        brief.published_at = now
        kind = "first"
    else:
        brief.content_updated_at = now
        kind = "correction" if correction_note.strip() else "update"
        if correction_note.strip():
            CorrectionNote.objects.create(
                brief=brief, note=correction_note.strip(), created_by=actor
            )
    brief.live_revision = revision
    publication_write(brief=brief, revision=revision, now=now)
    brief.publish_at = None
    brief.reviewer = None
    brief.review_due_at = None
    return _move(
        brief,
        transition,
        actor=actor,
        reason=correction_note.strip(),
        data={"revision": revision.number, "publication": kind},
        fields=[
            "published_at",
            "content_updated_at",
            "live_revision",
            "publish_at",
            "reviewer",
            "review_due_at",
        ],
    )


@transaction.atomic
def brief_publish(*, actor: User, brief: Brief, correction_note: str = "") -> Brief:
    """Publish an approved brief now; for a live brief, publish its update or correction."""
    brief = _brief_locked(brief)
    transition = _transition(Action.PUBLISH, actor=actor, brief=brief)
    return _publish(brief, transition, actor=actor, correction_note=correction_note)


def briefs_publish_due(*, now: datetime.datetime | None = None, batch: int = 50) -> list[int]:
    """Publish every scheduled brief whose time has come; returns the ids published.

    Each brief is published in its own transaction under a row lock taken with SKIP LOCKED,
    so runs that overlap (two workers, a slow minute) publish each brief exactly once.
    Approval is checked again just before publishing: a brief whose content changed since is
    sent back into review instead.
    """
    published: list[int] = []
    while True:
        with transaction.atomic():
            brief = (
                Brief.objects.select_for_update(skip_locked=True)
                .filter(status=BriefStatus.SCHEDULED, publish_at__lte=now or timezone.now())
                .order_by("publish_at", "pk")
                .first()
            )
            if brief is None:
                return published
            transition = _transition(Action.PUBLISH_DUE, actor=None, brief=brief)
            if _latest_revision(brief).content_hash != brief.approved_hash:
                brief.approved_hash = ""
                brief.status = BriefStatus.IN_REVIEW
                brief.submitted_at = timezone.now()
                brief.save(update_fields=["approved_hash", "status", "submitted_at", "modified_at"])
                audit_event_record(
                    actor=None,
                    verb="brief.approval_reset",
                    target=brief,
                    reason="The content changed after approval: it was not published.",
                )
                continue
            _publish(brief, transition, actor=None)
            published.append(brief.pk)
        if len(published) >= batch:
            return published


def scenario_reviews_remind(*, today: datetime.date | None = None) -> list[int]:
    """Remind the editor of each scenario whose review date has come; returns the reminders
    sent. Each scenario and date is reminded once: a unique row records it in the transaction
    that sends it, so a second run, overlapping or later, sends nothing again."""
    today = today or timezone.localdate()
    sent: list[int] = []
    for scenario_id in scenarios_due_for_review(today).values_list("pk", flat=True):
        with transaction.atomic():
            scenario = (
                Scenario.objects.select_for_update(of=("self",))
                .select_related("brief")
                .get(pk=scenario_id)
            )
            if (
                scenario.review_on > today
                or ScenarioReviewReminder.objects.filter(
                    scenario=scenario, review_on=scenario.review_on
                ).exists()
            ):
                continue
            recipients, why = scenario_reminder_recipients(scenario.brief)
            likelihood = likelihood_of(scenario.scale, scenario.likelihood)
            scenario_review_send(
                scenario=scenario,
                recipients=recipients,
                why=why,
                likelihood=(
                    f"{likelihood.label} ({likelihood.range_label})" if likelihood else "unrated"
                ),
                indicators=listed_lines(scenario.indicators),
            )
            reminder = ScenarioReviewReminder.objects.create(
                scenario=scenario,
                review_on=scenario.review_on,
                recipients=[user.email for user in recipients],
            )
            audit_event_record(
                actor=None,
                verb="brief.scenario_review_reminded",
                target=scenario.brief,
                data={
                    "scenario": scenario.pk,
                    "review_on": scenario.review_on.isoformat(),
                    "recipients": reminder.recipients,
                },
            )
            sent.append(reminder.pk)
    return sent


@transaction.atomic
def brief_withdraw(*, actor: User, brief: Brief, reason: str = "") -> Brief:
    """Take a brief out of the workflow before it is ever published."""
    brief = _brief_locked(brief)
    transition = _transition(Action.WITHDRAW, actor=actor, brief=brief)
    if brief.live_revision_id is not None:
        raise TransitionRefused(
            "This brief is live: retract it, or publish its update, instead of withdrawing it."
        )
    brief.publish_at = None
    brief.reviewer = None
    brief.review_due_at = None
    return _move(
        brief,
        transition,
        actor=actor,
        reason=reason.strip(),
        fields=["publish_at", "reviewer", "review_due_at"],
    )


@transaction.atomic
def brief_reopen(*, actor: User, brief: Brief) -> Brief:
    brief = _brief_locked(brief)
    transition = _transition(Action.REOPEN, actor=actor, brief=brief)
    brief.approved_hash = ""
    brief.approved_by = None
    return _move(brief, transition, actor=actor, fields=["approved_hash", "approved_by"])


@transaction.atomic
def brief_retract(*, actor: User, brief: Brief, notice: str) -> Brief:
    """Replace the brief for clients by a retraction notice; the record itself is kept."""
    brief = _brief_locked(brief)
    transition = _transition(Action.RETRACT, actor=actor, brief=brief)
    if not notice.strip():
        raise TransitionRefused("Write the retraction notice clients will read instead.")
    brief.retraction_notice = notice.strip()
    brief.retracted_at = timezone.now()
    publication_retract(brief=brief, notice=brief.retraction_notice, now=brief.retracted_at)
    # digests imports this module (audit events): import it only when it is used.
    from advisory.digests.services import retraction_notices_create
    from advisory.digests.tasks import send_retraction_notices

    # The notices are rows of this transaction, and so is the task that sends them: a broker
    # down at commit costs a delay (the sweep sends it), never the retraction.
    notices = retraction_notices_create(brief=brief)
    if notices:
        task_enqueue_on_commit(send_retraction_notices, brief.pk)
    return _move(
        brief,
        transition,
        actor=actor,
        reason=notice.strip(),
        data={"retraction_notices": notices},
        fields=["retraction_notice", "retracted_at"],
    )


@transaction.atomic
def brief_archive(*, actor: User, brief: Brief) -> Brief:
    brief = _brief_locked(brief)
    transition = _transition(Action.ARCHIVE, actor=actor, brief=brief)
    publication_remove(brief=brief)
    return _move(brief, transition, actor=actor)


class CommentRefused(ValidationError):
    """The comment cannot be added, resolved or reopened; the message says why."""


def _comment_actor_check(actor: User) -> None:
    if user_role(actor) not in STAFF_ROLES:
        raise CommentRefused("Only the desk takes part in the review discussion.")


def _anchor_checked(brief: Brief, anchor: str, anchor_text: str) -> tuple[str, str]:
    """The anchor and the paragraph's opening as the comment keeps them, or CommentRefused."""
    anchor = anchor.strip()
    if not anchor:
        return "", ""
    paragraphs = {paragraph.anchor: paragraph for paragraph in brief_paragraphs(brief.body)}
    if anchor not in paragraphs:
        raise CommentRefused(f"The brief has no paragraph {anchor}: choose one from the list.")
    # The opening is kept as it was, so the comment still makes sense after the text changes.
    text = anchor_text.strip() or paragraphs[anchor].opening
    return anchor, text[: Comment._meta.get_field("anchor_text").max_length]


@transaction.atomic
def comment_add(
    *,
    actor: User,
    brief: Brief,
    body: str,
    parent: Comment | None = None,
    anchor: str = "",
    anchor_text: str = "",
) -> Comment:
    """Comment on a brief, or reply in a thread; each desk member @mentioned is emailed."""
    _comment_actor_check(actor)
    body = body.strip()
    if not body:
        raise CommentRefused("Write the comment first.")
    if parent is not None:
        if parent.brief_id != brief.pk:
            raise CommentRefused("That comment is on another brief: reply on its own page.")
        if anchor.strip():
            raise CommentRefused("A reply is about its thread's paragraph: it has no anchor.")
        if comment_thread_root(parent).resolved_at is not None:
            raise CommentRefused("This thread is resolved: reopen it to reply.")
    anchor, anchor_text = _anchor_checked(brief, anchor, anchor_text)
    comment = Comment(
        brief=brief,
        author=actor,
        parent=parent,
        body=body,
        anchor=anchor,
        anchor_text=anchor_text,
    )
    comment.full_clean()
    comment.save()
    mentioned = users_mentioned(body)
    comment.mentioned.set(mentioned)
    audit_event_record(
        actor=actor,
        verb="comment.added",
        target=comment,
        data={
            "brief": brief.pk,
            "parent": parent.pk if parent is not None else None,
            "anchor": anchor,
            "mentioned": [user.pk for user in mentioned],
        },
    )
    if any(user.pk != actor.pk for user in mentioned):
        # Imported here for the reason given in _notify_on_commit.
        from advisory.workflow.tasks import notify_comment_mention

        task_enqueue_on_commit(notify_comment_mention, comment.pk)
    return comment


def _thread_root_locked(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().get(pk=comment_thread_root(comment).pk)


@transaction.atomic
def comment_resolve(*, actor: User, comment: Comment) -> Comment:
    """Resolve the thread the comment is in: the resolution is kept on the thread's root."""
    _comment_actor_check(actor)
    root = _thread_root_locked(comment)
    if root.resolved_at is not None:
        raise CommentRefused("This thread is already resolved.")
    root.resolved_at = timezone.now()
    root.resolved_by = actor
    root.save(update_fields=["resolved_at", "resolved_by"])
    audit_event_record(
        actor=actor, verb="comment.resolved", target=root, data={"brief": root.brief_id}
    )
    return root


@transaction.atomic
def comment_reopen(*, actor: User, comment: Comment) -> Comment:
    """Open the comment's thread again, to continue the discussion."""
    _comment_actor_check(actor)
    root = _thread_root_locked(comment)
    if root.resolved_at is None:
        raise CommentRefused("This thread is open already.")
    root.resolved_at = None
    root.resolved_by = None
    root.save(update_fields=["resolved_at", "resolved_by"])
    audit_event_record(
        actor=actor, verb="comment.reopened", target=root, data={"brief": root.brief_id}
    )
    return root

"""Reading the workflow: what the desk's review pages list, and the review's comment threads."""

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, When
from django.db.models.functions import Lower

from advisory.accounts.models import STAFF_ROLES, Role, User
from advisory.accounts.selectors import user_role
from advisory.briefs.models import (
    Brief,
    BriefRevision,
    BriefStatus,
    Scenario,
    ScenarioReviewReminder,
)
from advisory.briefs.selectors import briefs_with_bylines
from advisory.workflow.models import AuditEvent, Comment

# Review queue


class QueueSection(models.TextChoices):
    MINE = "mine", "Awaiting me"
    UNCLAIMED = "unclaimed", "Unclaimed"
    ALL = "all", "All in review"


def _queue_section_filter(section: str, user: User) -> Q:
    if section == QueueSection.MINE:
        return Q(reviewer=user)
    if section == QueueSection.UNCLAIMED:
        return Q(reviewer__isnull=True)
    return Q()


def review_queue(*, user: User, section: str, now: datetime.datetime) -> QuerySet[Brief]:
    """Briefs in review in one section of the queue, with reviewer and authors loaded.

    Overdue reviews come first, the longest overdue at the top, since they already hold up
    publication; then the briefs that have waited longest, so that nobody's work goes stale.
    """
    overdue_since = Case(When(review_due_at__lt=now, then=F("review_due_at")))
    in_review = Brief.objects.filter(
        _queue_section_filter(section, user), status=BriefStatus.IN_REVIEW
    )
    return (
        briefs_with_bylines(in_review)
        .select_related("reviewer")
        .order_by(overdue_since.asc(nulls_last=True), F("submitted_at").asc(nulls_last=True), "pk")
    )


def review_queue_counts(*, user: User, now: datetime.datetime) -> dict[str, int]:
    """How many briefs each section holds, keyed by section value, and how many are overdue."""
    counts: dict[str, int] = Brief.objects.filter(status=BriefStatus.IN_REVIEW).aggregate(
        mine=Count("pk", filter=Q(reviewer=user)),
        unclaimed=Count("pk", filter=Q(reviewer__isnull=True)),
        all=Count("pk"),
        overdue=Count("pk", filter=Q(review_due_at__lt=now)),
    )
    return counts


def brief_revisions_listed(brief: Brief) -> QuerySet[BriefRevision]:
    """The brief's revisions, newest first, with who saved each."""
    return brief.revisions.select_related("created_by").order_by("-number")


def brief_revision_before(brief: Brief, number: int) -> BriefRevision | None:
    """The revision saved just before revision `number`, which a summary compares it with."""
    return brief.revisions.filter(number__lt=number).order_by("-number").first()


def brief_revision_choices(brief: Brief) -> list[tuple[int, datetime.datetime]]:
    """Every revision's number and time, newest first, to pick two to compare."""
    return list(brief.revisions.order_by("-number").values_list("number", "created_at"))


def brief_revisions_numbered(brief: Brief, numbers: Iterable[int]) -> dict[int, BriefRevision]:
    """The brief's revisions with those numbers, by number; numbers it lacks are left out."""
    revisions = brief.revisions.filter(number__in=list(numbers)).select_related("created_by")
    return {revision.number: revision for revision in revisions}


def scenarios_due_for_review(today: datetime.date) -> QuerySet[Scenario]:
    """Scenarios whose review date has come and whose editor has not been reminded of it, in
    briefs the desk still works on (not withdrawn, retracted or archived)."""
    reminded = ScenarioReviewReminder.objects.filter(
        scenario=OuterRef("pk"), review_on=OuterRef("review_on")
    )
    return (
        Scenario.objects.filter(review_on__lte=today)
        .exclude(
            brief__status__in=[BriefStatus.WITHDRAWN, BriefStatus.RETRACTED, BriefStatus.ARCHIVED]
        )
        .exclude(Exists(reminded))
        .order_by("review_on", "pk")
    )


def brief_history(brief: Brief) -> QuerySet[AuditEvent]:
    """Every audit event about the brief, newest first, with who acted."""
    return (
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(Brief), target_id=str(brief.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


# Comments

EDITOR_ROLES = frozenset({Role.EDITOR, Role.DESK_ADMIN})
OPENING_WORDS = 8
MAX_INDENT = 4

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Markdown's block markers (heading, quote, list item) are not words of the paragraph.
_BLOCK_MARKER = re.compile(r"^[ \t]*(?:[#>*+\-]+|\d+[.)])[ \t]+", re.MULTILINE)


@dataclass(frozen=True)
class Paragraph:
    number: int
    opening: str

    @property
    def anchor(self) -> str:
        return f"p{self.number}"


@dataclass(frozen=True)
class ThreadEntry:
    comment: Comment
    depth: int
    in_reply_to: str

    @property
    def indent(self) -> int:
        # Deeper replies line up with the last level: the panel stays readable at any depth.
        return min(self.depth, MAX_INDENT)


@dataclass(frozen=True)
class CommentThread:
    """A root comment and every reply under it, in reading order (each reply after its parent)."""

    root: Comment
    entries: tuple[ThreadEntry, ...]

    @property
    def is_resolved(self) -> bool:
        return self.root.resolved_at is not None

    @property
    def anchor_number(self) -> str:
        return self.root.anchor.removeprefix("p")


def desk_users(*, roles: frozenset[str] = STAFF_ROLES) -> QuerySet[User]:
    """Active users acting in one of the roles; a superuser acts as a desk admin (user_role)."""
    in_role = Q(membership__role__in=roles)
    if Role.DESK_ADMIN in roles:
        in_role |= Q(is_superuser=True)
    return User.objects.filter(in_role, is_active=True)


def editors() -> QuerySet[User]:
    return desk_users(roles=EDITOR_ROLES)


def may_comment(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether the user may take part in a brief's review discussion."""
    return (
        isinstance(user, User)
        and user_role(user) in STAFF_ROLES
        and (user.has_perm("briefs.change_brief") or user.has_perm("briefs.view_brief"))
    )


def paragraph_opening(text: str, *, words: int = OPENING_WORDS) -> str:
    """The first words of a paragraph, to recognise it by: "Protesters gathered in Basra…"."""
    found = _BLOCK_MARKER.sub("", text).split()
    opening = " ".join(found[:words])
    return f"{opening}…" if len(found) > words else opening


def brief_paragraphs(body: str) -> list[Paragraph]:
    """The body's blocks as the writer sees them in the editor: text between blank lines."""
    blocks = _BLANK_LINE.split(body.replace("\r\n", "\n"))
    openings = [paragraph_opening(block) for block in blocks if block.strip()]
    return [Paragraph(number, opening) for number, opening in enumerate(openings, start=1)]


def brief_comment_threads(brief: Brief) -> list[CommentThread]:
    """The brief's threads, open ones first, each oldest first; one query whatever their size."""
    comments = list(
        Comment.objects.filter(brief=brief)
        .select_related("author", "resolved_by")
        .order_by("created_at", "id")
    )
    by_id = {comment.pk: comment for comment in comments}
    children: dict[int | None, list[Comment]] = defaultdict(list)
    for comment in comments:
        children[comment.parent_id].append(comment)

    def walk(comment: Comment, depth: int) -> list[ThreadEntry]:
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        entry = ThreadEntry(comment, depth, parent.author.byline if parent else "")
        below = [e for child in children[comment.pk] for e in walk(child, depth + 1)]
        return [entry, *below]

    threads = [CommentThread(root, tuple(walk(root, 0))) for root in children[None]]
    return sorted(threads, key=lambda thread: thread.is_resolved)


# Django's username characters. Never right after a word character, so that an email address in
# a comment ("ops@example.org") mentions nobody; a full stop after the name is not part of it.
_MENTION = re.compile(r"(?<![\w.+@-])@([\w.+-]*[\w+-])")


def users_mentioned(text: str) -> list[User]:
    """The desk members the text @mentions by username, whatever the case; others are ignored."""
    names = {name.lower() for name in _MENTION.findall(text)}
    if not names:
        return []
    return list(
        desk_users()
        .annotate(username_lower=Lower("username"))
        .filter(username_lower__in=names)
        .order_by("pk")
    )


def comment_thread_root(comment: Comment) -> Comment:
    """The comment that opened the thread: it carries the thread's anchor and resolution."""
    while comment.parent is not None:
        comment = comment.parent
    return comment

"""Every move a brief can make through the editorial workflow, in one table.

Each transition names the states it may start from, the state it leads to and the roles that
may make it; `SYSTEM` marks what the scheduler does on its own. One service per transition in
workflow/services.py applies it; nothing else changes a brief's status.
"""

from dataclasses import dataclass
from enum import StrEnum

from advisory.accounts.models import Role
from advisory.briefs.models import BriefStatus as S

SYSTEM = "system"
_DESK = frozenset({Role.WRITER, Role.EDITOR, Role.DESK_ADMIN})
_EDITORS = frozenset({Role.EDITOR, Role.DESK_ADMIN})


class Action(StrEnum):
    SUBMIT = "submit"
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    PUBLISH = "publish"
    PUBLISH_DUE = "publish_due"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"
    RETRACT = "retract"
    ARCHIVE = "archive"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: str


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        # A published brief goes back into review to publish an update or a correction;
        # clients keep reading its live revision meanwhile.
        Transition(
            Action.SUBMIT,
            frozenset({S.DRAFT, S.CHANGES_REQUESTED, S.PUBLISHED}),
            S.IN_REVIEW,
            _DESK,
            "Submit for review",
        ),
        Transition(
            Action.REQUEST_CHANGES,
            frozenset({S.IN_REVIEW}),
            S.CHANGES_REQUESTED,
            _EDITORS,
            "Request changes",
        ),
        Transition(Action.APPROVE, frozenset({S.IN_REVIEW}), S.APPROVED, _EDITORS, "Approve"),
        Transition(Action.SCHEDULE, frozenset({S.APPROVED}), S.SCHEDULED, _EDITORS, "Schedule"),
        Transition(Action.UNSCHEDULE, frozenset({S.SCHEDULED}), S.APPROVED, _EDITORS, "Unschedule"),
        Transition(Action.PUBLISH, frozenset({S.APPROVED}), S.PUBLISHED, _EDITORS, "Publish now"),
        Transition(
            Action.PUBLISH_DUE,
            frozenset({S.SCHEDULED}),
            S.PUBLISHED,
            frozenset({SYSTEM}),
            "Publish at the scheduled time",
        ),
        Transition(
            Action.WITHDRAW,
            frozenset({S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED, S.SCHEDULED}),
            S.WITHDRAWN,
            _DESK,
            "Withdraw",
        ),
        Transition(Action.REOPEN, frozenset({S.WITHDRAWN}), S.DRAFT, _DESK, "Reopen as draft"),
        Transition(Action.RETRACT, frozenset({S.PUBLISHED}), S.RETRACTED, _EDITORS, "Retract"),
        Transition(
            Action.ARCHIVE,
            frozenset({S.PUBLISHED, S.RETRACTED, S.WITHDRAWN}),
            S.ARCHIVED,
            _EDITORS,
            "Archive",
        ),
    )
}


def transition_for(action: Action, *, status: str, role: str | None) -> Transition | None:
    """The transition if someone of that role may make it from that status, else None."""
    transition = TRANSITIONS[action]
    if status in transition.sources and role in transition.roles:
        return transition
    return None


def actions_available(*, status: str, role: str | None) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources and role in t.roles]

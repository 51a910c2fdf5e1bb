"""The editors' review pages in the admin: the review queue, revisions compared, the history.

Each view is wrapped by `admin.site.admin_view`, so anyone who is not active staff is sent to
the admin's login page, as for the rest of the admin.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_safe

from advisory.accounts.admin import acting_user
from advisory.accounts.models import User
from advisory.briefs.models import Brief, BriefRevision
from advisory.lib.diff import snapshot_diff, snapshot_summary
from advisory.workflow import services as workflow
from advisory.workflow.models import AuditEvent
from advisory.workflow.selectors import (
    QueueSection,
    brief_history,
    brief_revision_before,
    brief_revision_choices,
    brief_revisions_listed,
    brief_revisions_numbered,
    review_queue_counts,
)
from advisory.workflow.selectors import review_queue as review_queue_briefs

PAGE_SIZE = 50
# Revision numbers are a PostgreSQL integer: a larger one is no revision, not a query error.
_MAX_REVISION_NUMBER = 2**31 - 1

_VERB_WORDS = {
    "brief.created": "Created the brief",
    "brief.edited": "Edited",
    "brief.parts_replaced": "Replaced key judgments, sources, scenarios and entity links",
    "brief.judgment_revised": "Re-rated a key judgment",
    "brief.judgment_resolved": "Resolved a key judgment",
    "brief.scenario_review_reminded": "Reminded the editor of a scenario's review date",
    "brief.submit": "Submitted for review",
    "brief.review_claimed": "Claimed the review",
    "brief.request_changes": "Requested changes",
    "brief.approve": "Approved",
    "brief.approval_reset": "Approval lifted: the content changed",
    "brief.schedule": "Scheduled",
    "brief.unschedule": "Unscheduled",
    "brief.publish": "Published",
    "brief.publish_due": "Published at the scheduled time",
    "brief.withdraw": "Withdrew",
    "brief.reopen": "Reopened as a draft",
    "brief.retract": "Retracted",
    "brief.archive": "Archived",
    "brief.back_catalogue_status_set": "Loaded from the back catalogue",
}
_PUBLICATION_WORDS = {"first": "first publication", "update": "update", "correction": "correction"}


def _local(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "j M Y H:i")


def _time_zone() -> str:
    return timezone.get_current_timezone_name()


def _bad_request(
    request: HttpRequest, message: str, *, back_url: str, back_label: str
) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": "That page cannot be shown",
        "message": message,
        "back_url": back_url,
        "back_label": back_label,
    }
    return render(request, "admin/workflow/bad_request.html", context, status=400)


# Review queue ----------------------------------------------------------------------------


def waiting_label(waited: datetime.timedelta) -> str:
    """How long a brief has waited, as an editor reads it: "3 h 20 min", "2 d 4 h"."""
    minutes = max(int(waited.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else "under 1 min"


@dataclass(frozen=True)
class QueueRow:
    brief: Brief
    authors: str
    waiting: str | None
    overdue_by: str | None
    mine: bool


def _queue_row(brief: Brief, *, user: User, now: datetime.datetime) -> QueueRow:
    due = brief.review_due_at
    return QueueRow(
        brief=brief,
        authors=", ".join(byline.author.byline for byline in brief.bylines.all()),
        waiting=waiting_label(now - brief.submitted_at) if brief.submitted_at else None,
        overdue_by=waiting_label(now - due) if due is not None and due < now else None,
        mine=brief.reviewer_id == user.pk,
    )


class ClaimForm(forms.Form):
    brief = forms.ModelChoiceField(
        queryset=Brief.objects.select_related("reviewer"),
        error_messages={"invalid_choice": "That brief no longer exists."},
    )
    # The reviewer the editor saw on the page: a claim made since is not silently taken over.
    claimed_by = forms.IntegerField(required=False)
    due_at = forms.DateTimeField(
        required=False, error_messages={"invalid": "Give a valid due time."}
    )

    def clean_due_at(self) -> datetime.datetime | None:
        due_at: datetime.datetime | None = self.cleaned_data["due_at"]
        if due_at is not None and due_at <= timezone.now():
            raise forms.ValidationError("The due time has already passed: choose a later one.")
        return due_at


def _queue_url(section: str) -> str:
    return f"{reverse('review-queue')}?show={section}"


def _claim(request: HttpRequest, user: User) -> HttpResponse:
    shown = request.POST.get("show", "")
    back = _queue_url(shown if shown in QueueSection.values else QueueSection.ALL)
    form = ClaimForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(map(str, errors)))
        return redirect(back)
    brief: Brief = form.cleaned_data["brief"]
    due_at: datetime.datetime | None = form.cleaned_data["due_at"]
    previous = brief.reviewer
    try:
        workflow.brief_review_claim(
            actor=user,
            brief=brief,
            due_at=due_at,
            seen_reviewer_id=form.cleaned_data["claimed_by"],
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect(back)
    due = f", due {_local(due_at)} ({_time_zone()})" if due_at is not None else ""
    if previous is not None and previous.pk != user.pk:
        done = f"You took over the review of “{brief.title}” from {previous.byline}"
    else:
        done = f"You are reviewing “{brief.title}”"
    messages.success(request, f"{done}{due}.")
    return redirect(back)


@admin.site.admin_view
@require_http_methods(["GET", "HEAD", "POST"])
def review_queue(request: HttpRequest) -> HttpResponse:
    """Briefs in review: who is on each, how long it has waited, and what is overdue."""
    if not request.user.has_perm("briefs.change_brief"):
        raise PermissionDenied
    user = acting_user(request)
    if request.method == "POST":
        return _claim(request, user)
    section = request.GET.get("show", QueueSection.ALL)
    if section not in QueueSection.values:
        return _bad_request(
            request,
            f"The review queue has no section “{section}”.",
            back_url=reverse("review-queue"),
            back_label="Back to the review queue",
        )
    now = timezone.now()
    counts = review_queue_counts(user=user, now=now)
    rows = [
        _queue_row(brief, user=user, now=now)
        for brief in review_queue_briefs(user=user, section=section, now=now)
    ]
    context = {
        **admin.site.each_context(request),
        "title": "Review queue",
        "section": QueueSection(section),
        "sections": [(choice, counts[choice.value], choice == section) for choice in QueueSection],
        "overdue": counts["overdue"],
        "rows": rows,
        "time_zone": _time_zone(),
    }
    return render(request, "admin/workflow/review_queue.html", context)


# Revisions and history ---------------------------------------------------------------


def _viewable_brief(request: HttpRequest, object_id: int) -> Brief:
    """The brief, for staff who may view briefs; others are refused before it is looked up."""
    if not admin.site.get_model_admin(Brief).has_view_or_change_permission(request):
        raise PermissionDenied
    return get_object_or_404(Brief.objects.select_related("approved_by"), pk=object_id)


@dataclass(frozen=True)
class RevisionRow:
    revision: BriefRevision
    previous_number: int | None
    summary: str
    live: bool
    approved: bool


@admin.site.admin_view
@require_safe
def brief_revisions(request: HttpRequest, object_id: int) -> HttpResponse:
    """The brief's revisions, each summarised against the one before, and a pair to compare."""
    brief = _viewable_brief(request, object_id)
    page = Paginator(brief_revisions_listed(brief), PAGE_SIZE).get_page(request.GET.get("page"))
    revisions = list(page.object_list)
    # The oldest revision on the page is summarised against one on the next page.
    before_page = brief_revision_before(brief, revisions[-1].number) if revisions else None
    rows = [
        RevisionRow(
            revision=revision,
            previous_number=previous.number if previous else None,
            summary=(
                snapshot_summary(snapshot_diff(previous.snapshot, revision.snapshot))
                if previous
                else "first revision"
            ),
            live=revision.pk == brief.live_revision_id,
            approved=bool(brief.approved_hash) and revision.content_hash == brief.approved_hash,
        )
        for revision, previous in zip(revisions, [*revisions[1:], before_page], strict=True)
    ]
    choices = brief_revision_choices(brief)
    context = {
        **admin.site.each_context(request),
        "title": f"Revisions of “{brief.title}”",
        "brief": brief,
        "rows": rows,
        "page": page,
        "choices": choices,
        "selected_from": choices[1][0] if len(choices) > 1 else None,
        "selected_to": choices[0][0] if choices else None,
        "time_zone": _time_zone(),
    }
    return render(request, "admin/workflow/revisions.html", context)


def _revision_number(raw: str | None, side: str) -> int:
    """The revision number asked for; a ValueError says why the parameter is none."""
    if raw is None or not raw.strip():
        raise ValueError(
            f"Choose the revision to compare {side}: the “{side}” parameter is missing."
        )
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(f"“{raw}” is not a revision number (parameter “{side}”).")
    return int(raw)


@admin.site.admin_view
@require_safe
def brief_revisions_compare(request: HttpRequest, object_id: int) -> HttpResponse:
    """Two revisions of the brief compared field by field."""
    brief = _viewable_brief(request, object_id)
    listed = reverse("brief-revisions", args=[brief.pk])
    try:
        numbers = {side: _revision_number(request.GET.get(side), side) for side in ("from", "to")}
    except ValueError as error:
        return _bad_request(
            request, str(error), back_url=listed, back_label="Back to the revisions"
        )
    found = brief_revisions_numbered(
        brief, [n for n in numbers.values() if n <= _MAX_REVISION_NUMBER]
    )
    for side, number in numbers.items():
        if number not in found:
            return _bad_request(
                request,
                f"“{brief.title}” has no revision {number} (parameter “{side}”).",
                back_url=listed,
                back_label="Back to the revisions",
            )
    old, new = found[numbers["from"]], found[numbers["to"]]
    context = {
        **admin.site.each_context(request),
        "title": f"Revision {old.number} → revision {new.number} of “{brief.title}”",
        "brief": brief,
        "old": old,
        "new": new,
        "changes": snapshot_diff(old.snapshot, new.snapshot),
        "choices": brief_revision_choices(brief),
        "selected_from": old.number,
        "selected_to": new.number,
        "time_zone": _time_zone(),
    }
    return render(request, "admin/workflow/revisions_compare.html", context)


def _event_data(event: AuditEvent) -> dict[str, Any]:
    # Services record a dict; anything else written to the trail has no details to show.
    return event.data if isinstance(event.data, dict) else {}


def _recorded_moment(value: object) -> datetime.datetime | None:
    """A time the trail recorded as ISO text; one that cannot be read is left out, not a 500."""
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and timezone.is_aware(moment) else None


@dataclass(frozen=True)
class HistoryRow:
    event: AuditEvent
    words: str
    revision: int | None


def event_words(event: AuditEvent) -> str:
    """What the event records, in words, with the details an editor looks for."""
    words = (
        _VERB_WORDS.get(event.verb) or event.verb.rpartition(".")[2].replace("_", " ").capitalize()
    )
    data = _event_data(event)
    details: list[str] = []
    if isinstance(fields := data.get("fields"), list) and fields:
        details.append(", ".join(str(field).replace("_", " ") for field in fields))
    if publication := _PUBLICATION_WORDS.get(str(data.get("publication"))):
        details.append(publication)
    for key, label in (("due_at", "due"), ("publish_at", "for")):
        if (moment := _recorded_moment(data.get(key))) is not None:
            details.append(f"{label} {_local(moment)}")
    return f"{words} ({'; '.join(details)})" if details else words


@admin.site.admin_view
@require_safe
def brief_workflow_history(request: HttpRequest, object_id: int) -> HttpResponse:
    """Every audit event of the brief, newest first."""
    brief = _viewable_brief(request, object_id)
    page = Paginator(brief_history(brief), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        HistoryRow(
            event=event,
            words=event_words(event),
            revision=revision
            if isinstance(revision := _event_data(event).get("revision"), int)
            else None,
        )
        for event in page.object_list
    ]
    context = {
        **admin.site.each_context(request),
        "title": f"History of “{brief.title}”",
        "brief": brief,
        "rows": rows,
        "page": page,
        "time_zone": _time_zone(),
    }
    return render(request, "admin/workflow/history.html", context)

"""The desk's track record in the admin: how its likelihood terms fared, and what came of each
published judgment. Editors record outcomes here; the rest of the desk reads."""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from advisory.accounts.admin import acting_user
from advisory.accounts.selectors import user_role
from advisory.briefs.models import KeyJudgment, Outcome
from advisory.briefs.readings import Likelihood, confidence_label, likelihood_of
from advisory.briefs.scales import active_scale
from advisory.briefs.selectors import desk_calibration, judgments_open, resolutions_listed
from advisory.briefs.services import judgment_resolve
from advisory.workflow.services import EDITOR_ROLES


class ResolveForm(forms.Form):
    judgment = forms.ModelChoiceField(
        queryset=KeyJudgment.objects.all(),
        error_messages={"invalid_choice": "That judgment no longer exists."},
    )
    outcome = forms.ChoiceField(
        choices=Outcome.choices, error_messages={"required": "Choose what came of it."}
    )
    note = forms.CharField(required=False, max_length=2000)


@dataclass(frozen=True)
class OpenRow:
    judgment: KeyJudgment
    likelihood: Likelihood | None
    confidence: str


def _resolve(request: HttpRequest) -> HttpResponse:
    form = ResolveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(map(str, errors)))
        return redirect("track-record")
    data = form.cleaned_data
    try:
        resolution = judgment_resolve(
            actor=acting_user(request),
            judgment=data["judgment"],
            outcome=data["outcome"],
            note=data["note"],
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(
            request,
            f"Resolved as “{resolution.get_outcome_display().lower()}”: "
            f"{resolution.statement[:120]}",
        )
    return redirect("track-record")


@admin.site.admin_view
@require_http_methods(["GET", "HEAD", "POST"])
def track_record(request: HttpRequest) -> HttpResponse:
    """The calibration table, the Brier score, the judgments awaiting an outcome."""
    if not request.user.has_perm("briefs.view_brief"):
        raise PermissionDenied
    if request.method == "POST":
        return _resolve(request)
    context = {
        **admin.site.each_context(request),
        "title": "Track record",
        "calibration": desk_calibration(),
        "scale": active_scale(),
        "open_rows": [
            OpenRow(
                judgment=judgment,
                likelihood=likelihood_of(judgment.scale, judgment.likelihood),
                confidence=confidence_label(judgment.confidence),
            )
            for judgment in judgments_open()
        ],
        "resolutions": [
            (resolution, likelihood_of(resolution.scale, resolution.likelihood))
            for resolution in resolutions_listed()
        ],
        "outcomes": Outcome.choices,
        "may_resolve": user_role(acting_user(request)) in EDITOR_ROLES,
    }
    return render(request, "admin/briefs/track_record.html", context)

"""The review discussion's forms on the brief's change page: comment, reply, resolve, reopen.

Each view is wrapped by `admin.site.admin_view` (active staff only, as for the rest of the
admin), takes a POST, calls a service and goes back to the comments with a message.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from advisory.accounts.admin import acting_user
from advisory.briefs.models import Brief
from advisory.workflow import services
from advisory.workflow.models import Comment
from advisory.workflow.selectors import may_comment

app_name = "brief_comments"

BODY_MAX_LENGTH = 10_000


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=BODY_MAX_LENGTH,
        error_messages={"required": "Write the comment first."},
    )
    anchor = forms.CharField(
        max_length=Comment._meta.get_field("anchor").max_length, required=False
    )
    parent = forms.IntegerField(required=False, min_value=1)


def _back(brief_id: int) -> HttpResponseRedirect:
    return redirect(reverse("admin:briefs_brief_change", args=[brief_id]) + "#comments")


def _brief_for(request: HttpRequest, brief_id: int) -> Brief:
    if not may_comment(request.user):
        raise PermissionDenied
    return get_object_or_404(Brief, pk=brief_id)


@require_POST
def comment_add(request: HttpRequest, brief_id: int) -> HttpResponse:
    brief = _brief_for(request, brief_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(map(str, errors)))
        return _back(brief.pk)
    data = form.cleaned_data
    parent = None
    if data["parent"] is not None:
        parent = Comment.objects.filter(pk=data["parent"]).first()
        if parent is None:
            messages.error(request, "The comment you replied to no longer exists.")
            return _back(brief.pk)
    try:
        services.comment_add(
            actor=acting_user(request),
            brief=brief,
            body=data["body"],
            parent=parent,
            anchor=data["anchor"],
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, "Reply posted." if parent else "Comment posted.")
    return _back(brief.pk)


def _thread_change(
    request: HttpRequest,
    brief_id: int,
    comment_id: int,
    change: Callable[..., Comment],
    done: str,
) -> HttpResponse:
    brief = _brief_for(request, brief_id)
    comment = get_object_or_404(Comment, pk=comment_id, brief=brief)
    try:
        change(actor=acting_user(request), comment=comment)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, done)
    return _back(brief.pk)


@require_POST
def comment_resolve(request: HttpRequest, brief_id: int, comment_id: int) -> HttpResponse:
    return _thread_change(
        request, brief_id, comment_id, services.comment_resolve, "Thread resolved."
    )


@require_POST
def comment_reopen(request: HttpRequest, brief_id: int, comment_id: int) -> HttpResponse:
    return _thread_change(
        request, brief_id, comment_id, services.comment_reopen, "Thread reopened."
    )


urlpatterns = [
    path("", admin.site.admin_view(comment_add), name="add"),
    path("<int:comment_id>/resolve/", admin.site.admin_view(comment_resolve), name="resolve"),
    path("<int:comment_id>/reopen/", admin.site.admin_view(comment_reopen), name="reopen"),
]

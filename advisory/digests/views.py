from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from advisory.lib.outbox import outbox_message, outbox_messages


def _folder() -> Path | None:
    if settings.EMAIL_BACKEND != "django.core.mail.backends.filebased.EmailBackend":
        return None
    return Path(settings.EMAIL_FILE_PATH)


@staff_member_required
def outbox(request: HttpRequest) -> HttpResponse:
    folder = _folder()
    context = {
        **admin.site.each_context(request),
        "title": "Outbox",
        "folder": folder,
        "messages_sent": outbox_messages(folder) if folder else [],
    }
    return render(request, "admin/outbox/list.html", context)


@staff_member_required
def outbox_detail(request: HttpRequest, key: str) -> HttpResponse:
    folder = _folder()
    message = outbox_message(folder, key) if folder else None
    if message is None:
        raise Http404("No such message in the outbox.")
    context = {**admin.site.each_context(request), "title": message.subject, "message": message}
    return render(request, "admin/outbox/detail.html", context)

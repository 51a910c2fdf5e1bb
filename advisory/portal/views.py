from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from advisory.briefs.selectors import brief_reading, preview_link_resolve
from advisory.briefs.services import preview_link_used
from advisory.portal import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {"briefs": selectors.publications_for(request.user).filter(retracted_at__isnull=True)[:20]},
    )


def preview_link(request: HttpRequest, token: str) -> HttpResponse:
    """A brief shown through an editor's expiring, revocable preview link: read-only."""
    link = preview_link_resolve(token)
    if link is None:
        response = render(request, "portal/preview_link_gone.html", status=404)
    else:
        preview_link_used(link=link)
        context = {"brief": brief_reading(link.brief), "link": link}
        response = render(request, "portal/preview_link.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token is the credential: never pass the URL on to sites the brief links to.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response

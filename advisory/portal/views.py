from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from advisory.portal import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"briefs": selectors.public_briefs_latest()})

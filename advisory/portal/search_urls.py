"""Search pages: see advisory.portal.search."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

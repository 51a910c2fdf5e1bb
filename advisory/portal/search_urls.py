"""Search pages: see advisory.portal.search."""

from django.urls import path

from advisory.portal import search_views

urlpatterns = [
    path("search/", search_views.search, name="search"),
]

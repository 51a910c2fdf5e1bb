"""Mounted at /api/: version 1 of the client API, its OpenAPI schema and its reference."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from advisory.api import errors, graph, views

app_name = "api"

urlpatterns = [
    path("v1/briefs/", views.BriefList.as_view(), name="brief-list"),
    path("v1/briefs/<slug:slug>/", views.BriefDetail.as_view(), name="brief-detail"),
    path("v1/entities/", views.EntityList.as_view(), name="entity-list"),
    path("v1/entities/<slug:slug>/", views.EntityDetail.as_view(), name="entity-detail"),
    path("v1/entities/<slug:slug>/graph/", graph.EntityGraph.as_view(), name="entity-graph"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path("docs/", views.docs, name="docs"),
    # Anything else under the API answers in the API's error shape, not with the portal's page.
    re_path(r"^.*$", errors.not_found),
]

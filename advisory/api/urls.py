"""Mounted at /api/: version 1 of the API, its OpenAPI schema and its reference.

One table, grouped by who the endpoints are for; each group's views live in their own module.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from advisory.api import account_views, desk_views, errors, graph, views

app_name = "api"

urlpatterns = [
    # Reading: what the user may read, through the portal's entitlement rule (views.py).
    path("v1/briefs/", views.BriefList.as_view(), name="brief-list"),
    path("v1/briefs/<slug:slug>/", views.BriefDetail.as_view(), name="brief-detail"),
    path("v1/entities/", views.EntityList.as_view(), name="entity-list"),
    path("v1/entities/<slug:slug>/", views.EntityDetail.as_view(), name="entity-detail"),
    path("v1/entities/<slug:slug>/graph/", graph.EntityGraph.as_view(), name="entity-graph"),
    path("v1/tags/", views.TagList.as_view(), name="tag-list"),
    path("v1/regions/", views.RegionList.as_view(), name="region-list"),
    # The signed-in user's own (account_views.py).
    path("v1/me/", account_views.MeView.as_view(), name="me"),
    path("v1/me/follows/", account_views.FollowList.as_view(), name="follow-list"),
    path(
        "v1/me/follows/<str:kind>/<str:slug>/",
        account_views.FollowDetail.as_view(),
        name="follow-detail",
    ),
    path(
        "v1/me/subscriptions/",
        account_views.SubscriptionList.as_view(),
        name="subscription-list",
    ),
    path(
        "v1/me/subscriptions/<str:frequency>/",
        account_views.SubscriptionDetail.as_view(),
        name="subscription-detail",
    ),
    # The desk's integrations: staff, by role (desk_views.py).
    path("v1/desk/briefs/", desk_views.DeskBriefList.as_view(), name="desk-brief-list"),
    path(
        "v1/desk/briefs/<int:pk>/", desk_views.DeskBriefDetail.as_view(), name="desk-brief-detail"
    ),
    path(
        "v1/desk/briefs/<int:pk>/mentions/",
        desk_views.DeskBriefMentions.as_view(),
        name="desk-brief-mentions",
    ),
    # The schema and its reference.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path("docs/", views.docs, name="docs"),
    # Anything else under the API answers in the API's error shape, not with the portal's page.
    re_path(r"", errors.not_found),
]

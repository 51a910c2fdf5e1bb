from django.urls import include, path

from advisory.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("briefs/", views.brief_list, name="brief-list"),
    path("briefs/<slug:slug>/", views.brief_detail, name="brief-detail"),
    path("briefs/<slug:slug>/print/", views.brief_print, name="brief-print"),
    path("entities/<slug:slug>/", views.entity_detail, name="entity-detail"),
    path("topics/<str:slug>/", views.tag_detail, name="tag-detail"),
    path("regions/<slug:slug>/", views.region_detail, name="region-detail"),
    path("follow/", views.follow, name="follow"),
    path("following/", views.following, name="following"),
    path("preview/<str:token>/", views.preview_link, name="preview-link"),
    path("", include("advisory.portal.search_urls")),
    path("", include("advisory.portal.feed_urls")),
]

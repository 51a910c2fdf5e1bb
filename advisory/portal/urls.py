from django.urls import include, path

from advisory.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("preview/<str:token>/", views.preview_link, name="preview-link"),
    path("", include("advisory.portal.search_urls")),
    path("", include("advisory.portal.feed_urls")),
]

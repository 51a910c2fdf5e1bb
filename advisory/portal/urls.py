from django.urls import path

from advisory.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("preview/<str:token>/", views.preview_link, name="preview-link"),
]

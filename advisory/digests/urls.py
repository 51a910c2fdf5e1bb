from django.urls import path

from advisory.digests import views

app_name = "digests"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("<uuid:public_id>/unsubscribe/", views.manage_unsubscribe, name="manage-unsubscribe"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/sent/", views.subscribe_sent, name="subscribe-sent"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
]

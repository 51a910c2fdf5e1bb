from django.contrib import admin
from django.urls import include, path

from advisory.digests import views as digest_views

admin.site.site_header = "Advisory desk"
admin.site.site_title = "Advisory"
admin.site.index_title = "Desk"

urlpatterns = [
    path("admin/outbox/", digest_views.outbox, name="outbox"),
    path("admin/outbox/<str:key>/", digest_views.outbox_detail, name="outbox-detail"),
    path("admin/", admin.site.urls),
    path("", include("advisory.portal.urls")),
]

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Advisory desk"
admin.site.site_title = "Advisory"
admin.site.index_title = "Desk"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("advisory.portal.urls")),
]

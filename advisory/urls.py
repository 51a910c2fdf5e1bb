from django.contrib import admin
from django.urls import include, path

from advisory.accounts import two_factor
from advisory.briefs import admin_views as tradecraft_views
from advisory.digests import views as digest_views
from advisory.ops import views as ops_views
from advisory.workflow import admin_views as review_views

admin.site.site_header = "Advisory desk"
admin.site.site_title = "Advisory"
admin.site.index_title = "Desk"

urlpatterns = [
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("admin/operations/", ops_views.operations, name="operations"),
    path("admin/two-factor/", two_factor.two_factor, name="two-factor"),
    path("admin/outbox/", digest_views.outbox, name="outbox"),
    path("admin/outbox/<str:key>/", digest_views.outbox_detail, name="outbox-detail"),
    path("admin/review-queue/", review_views.review_queue, name="review-queue"),
    path("admin/track-record/", tradecraft_views.track_record, name="track-record"),
    path(
        "admin/briefs/brief/<int:object_id>/revisions/",
        review_views.brief_revisions,
        name="brief-revisions",
    ),
    path(
        "admin/briefs/brief/<int:object_id>/revisions/compare/",
        review_views.brief_revisions_compare,
        name="brief-revisions-compare",
    ),
    path(
        "admin/briefs/brief/<int:object_id>/history/workflow/",
        review_views.brief_workflow_history,
        name="brief-workflow-history",
    ),
    path(
        "admin/briefs/brief/<int:brief_id>/comments/", include("advisory.workflow.admin_comments")
    ),
    path("admin/", admin.site.urls),
    path("account/", include("advisory.accounts.urls")),
    path("digests/", include("advisory.digests.urls")),
    path("api/", include("advisory.api.urls")),
    path("", include("advisory.portal.urls")),
]

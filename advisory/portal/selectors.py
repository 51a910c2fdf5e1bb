from django.db.models import QuerySet
from django.utils import timezone

from advisory.accounts.models import AccessTier
from advisory.briefs.models import Brief, BriefStatus


def public_briefs_latest(limit: int = 20) -> QuerySet[Brief]:
    """Published public-tier briefs, newest first: what anyone, signed in or not, may read."""
    return Brief.objects.filter(
        status=BriefStatus.PUBLISHED,
        access_tier=AccessTier.PUBLIC,
        published_at__lte=timezone.now(),
    ).order_by("-published_at")[:limit]

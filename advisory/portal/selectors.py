from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from advisory.accounts.models import AccessTier
from advisory.briefs.models import Brief, BriefStatus

# A live brief stays readable while its next update goes through review.
_OFF_THE_RECORD = (BriefStatus.RETRACTED, BriefStatus.WITHDRAWN, BriefStatus.ARCHIVED)


@dataclass(frozen=True)
class BriefTeaser:
    title: str
    summary: str
    kind: str
    published_at: datetime


def public_briefs_latest(limit: int = 20) -> list[BriefTeaser]:
    """The live version of public-tier briefs, newest first: what anyone may read.

    Clients see the published revision, never the text being edited for the next update.
    """
    briefs = (
        Brief.objects.filter(
            live_revision__isnull=False,
            published_at__lte=timezone.now(),
            live_revision__snapshot__access_tier=AccessTier.PUBLIC.label,
        )
        .exclude(status__in=_OFF_THE_RECORD)
        .select_related("live_revision")
        .order_by("-published_at")[:limit]
    )
    return [
        BriefTeaser(
            title=brief.live_revision.snapshot["title"],
            summary=brief.live_revision.snapshot["summary"],
            kind=brief.live_revision.snapshot["kind"],
            published_at=brief.published_at,
        )
        for brief in briefs
        if brief.live_revision is not None and brief.published_at is not None
    ]

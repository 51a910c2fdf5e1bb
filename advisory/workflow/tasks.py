from celery import shared_task

from advisory.workflow.services import briefs_publish_due


@shared_task(acks_late=True)
def publish_due_briefs() -> list[int]:
    """Beat runs this each minute; overlapping runs are safe (see briefs_publish_due)."""
    return briefs_publish_due()

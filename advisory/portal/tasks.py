from celery import shared_task

from advisory.portal.selectors import reading_memo_build


@shared_task(acks_late=True)
def build_reading_memo(publication_id: int) -> bool:
    """Queued when a brief is published, so that its first reader finds the reading made.
    Safe to run twice or late: a memo is rebuilt whenever what it shows has changed."""
    return reading_memo_build(publication_id)

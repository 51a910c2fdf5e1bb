from celery import shared_task

from advisory.portal.selectors import reading_memo_build, related_rankings_renew


@shared_task(acks_late=True)
def build_reading_memo(publication_id: int) -> bool:
    """Queued when a brief is published or updated, so that its first reader finds the
    reading made, and the briefs sharing what it covers list it among their related briefs.
    Safe to run twice or late: a memo is rebuilt whenever what it shows has changed, and a
    ranking made again is the same or newer."""
    built = reading_memo_build(publication_id)
    related_rankings_renew(publication_id)
    return built

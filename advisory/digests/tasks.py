from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from advisory.digests.delivery import run_deliver
from advisory.digests.models import Delivery, DeliveryStatus
from advisory.digests.services import deliveries_reclaim_stale, digest_runs_create

# Far shorter than the broker's visibility timeout (an hour): a task that dies is redelivered
# long before anyone would wait for it, and one that lives never is.
SEND_BUDGET_SECONDS = 60


@shared_task(acks_late=True)
def create_digest_runs() -> list[int]:
    """Beat's tick, each minute: create the runs that are due and have them sent. Sends
    nothing itself. Also picks up runs with deliveries to retry or left by a dead worker."""
    deliveries_reclaim_stale()
    digest_runs_create()
    now = timezone.now()
    waiting = sorted(
        set(
            Delivery.objects.filter(status=DeliveryStatus.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .values_list("run_id", flat=True)
        )
    )
    for run_id in waiting:
        send_digest_run.delay(run_id)
    return waiting


@shared_task(acks_late=True, time_limit=SEND_BUDGET_SECONDS * 5)
def send_digest_run(run_id: int) -> dict[str, int]:
    """Send what is pending in the run for a minute, then hand the rest to a fresh task."""
    progress = run_deliver(run_id=run_id, time_budget=SEND_BUDGET_SECONDS)
    if not progress.finished:
        send_digest_run.delay(run_id)
    return {"sent": progress.sent, "skipped": progress.skipped, "failed": progress.failed}

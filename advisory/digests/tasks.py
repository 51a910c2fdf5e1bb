import logging

from celery import Task, shared_task
from django.db.models import Q
from django.utils import timezone

from advisory.digests.delivery import RunProgress, retraction_notices_deliver, run_deliver
from advisory.digests.models import Delivery, DeliveryStatus, RetractionNotice
from advisory.digests.services import (
    deliveries_reclaim_stale,
    digest_runs_create,
    subscription_confirmation_send,
)
from advisory.ops.logs import log_context
from advisory.workflow.tasks import mail_task

logger = logging.getLogger(__name__)

# Far shorter than the broker's visibility timeout (an hour): a task that dies is redelivered
# long before anyone would wait for it, and one that lives never is.
SEND_BUDGET_SECONDS = 60


@shared_task(acks_late=True)
def create_digest_runs() -> list[int]:
    """Beat's tick, each minute: create the runs that are due and have them sent. Sends
    nothing itself. Also picks up deliveries and retraction notices to retry or left by a
    dead worker."""
    deliveries_reclaim_stale()
    digest_runs_create()
    now = timezone.now()
    due = Q(status=DeliveryStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    waiting = sorted(set(Delivery.objects.filter(due).values_list("run_id", flat=True)))
    for run_id in waiting:
        send_digest_run.delay(run_id)
    for brief_id in set(RetractionNotice.objects.filter(due).values_list("brief_id", flat=True)):
        send_retraction_notices.delay(brief_id)
    return waiting


def _counts(progress: RunProgress) -> dict[str, int]:
    return {"sent": progress.sent, "skipped": progress.skipped, "failed": progress.failed}


def _again(task: Task, *args: int) -> None:
    """Hand the rest to a fresh task, on the queue this one came from, so mail stays with the
    workers that send it."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    if queue:
        task.apply_async(args, queue=queue)
    else:
        task.apply_async(args)


@shared_task(bind=True, acks_late=True, time_limit=SEND_BUDGET_SECONDS * 5)
def send_digest_run(self: Task, run_id: int) -> dict[str, int]:
    """Send what is pending in the run for a minute, then hand the rest to a fresh task."""
    with log_context(run_id=run_id):
        progress = run_deliver(run_id=run_id, time_budget=SEND_BUDGET_SECONDS)
        logger.info("digest run %s: %s", run_id, _counts(progress))
    if not progress.finished:
        _again(self, run_id)
    return _counts(progress)


@shared_task(bind=True, acks_late=True, time_limit=SEND_BUDGET_SECONDS * 5)
def send_retraction_notices(self: Task, brief_id: int) -> dict[str, int]:
    """Tell everyone a digest brought the retracted brief to, as a run's deliveries are sent."""
    with log_context(brief_id=brief_id):
        progress = retraction_notices_deliver(brief_id=brief_id, time_budget=SEND_BUDGET_SECONDS)
        logger.info("retraction notices of brief %s: %s", brief_id, _counts(progress))
    if not progress.finished:
        _again(self, brief_id)
    return _counts(progress)


@mail_task
def send_subscription_confirmation(subscription_id: int) -> str | None:
    """Email an external subscriber the link that confirms their subscription."""
    return subscription_confirmation_send(subscription_id=subscription_id)

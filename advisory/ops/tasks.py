import datetime
import logging

from celery import Task, current_app, shared_task
from django.db import transaction
from django.utils import timezone

from advisory.ops.models import TaskFailure, WorkerHeartbeat
from advisory.ops.selectors import unsent_tasks

logger = logging.getLogger(__name__)

# How long the operations page shows a failed task.
FAILURES_KEPT = datetime.timedelta(days=30)


@shared_task(bind=True)
def record_heartbeat(self: Task) -> str:
    """Beat sends one to each queue every 30 seconds; /readyz reads how long ago one ran."""
    queue = (self.request.delivery_info or {}).get("routing_key") or "celery"
    WorkerHeartbeat.objects.update_or_create(
        queue=queue, defaults={"hostname": self.request.hostname or "", "seen_at": timezone.now()}
    )
    TaskFailure.objects.filter(failed_at__lt=timezone.now() - FAILURES_KEPT).delete()
    return queue


@shared_task
def send_unsent_tasks() -> int:
    """Beat's sweep, each minute: hand the broker the tasks it refused earlier, and those
    whose process died before handing them over, oldest first.

    Rows are locked while sent, so two sweeps never send one twice; if the broker still
    refuses, the rest wait for the next sweep.
    """
    sent = 0
    with transaction.atomic():
        for unsent in unsent_tasks().select_for_update(skip_locked=True)[:500]:
            try:
                # By name: the process running the sweep need not have imported the task.
                current_app.send_task(
                    unsent.task, args=list(unsent.args), queue=unsent.queue or None
                )
            except Exception:  # the transport's own errors, as in task_send
                logger.warning("broker still unavailable: unsent tasks wait", exc_info=True)
                break
            unsent.delete()
            sent += 1
    if sent:
        logger.info("sent %d tasks the broker had refused", sent)
    return sent

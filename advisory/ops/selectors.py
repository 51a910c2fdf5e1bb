"""What the operations page reads: queue depths, the last digest runs, recent failures."""

from dataclasses import dataclass
from pathlib import Path

import redis
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from advisory.digests.models import Delivery, DeliveryStatus
from advisory.digests.selectors import CountedRun, digest_runs_counted
from advisory.ops.models import TaskFailure, UnsentTask, WorkerHeartbeat
from advisory.ops.queueing import HANDOVER_GRACE


@dataclass(frozen=True)
class QueueDepth:
    queue: str
    waiting: int | None
    error: str = ""


def queue_depths() -> list[QueueDepth]:
    """Messages waiting on each queue: Redis list lengths, or the filesystem broker's files."""
    queues = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("filesystem://"):
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
        names = [path.name for path in folder.glob("*.msg")] if folder.is_dir() else []
        return [
            QueueDepth(queue, sum(name.endswith(f".{queue}.msg") for name in names))
            for queue in queues
        ]
    if not broker.startswith(("redis://", "rediss://")):
        return [QueueDepth(queue, None, "not a Redis broker") for queue in queues]
    try:
        client = redis.Redis.from_url(broker, socket_connect_timeout=1, socket_timeout=2)
        with client.pipeline(transaction=False) as pipe:
            for queue in queues:
                pipe.llen(queue)
            lengths = pipe.execute()
    except redis.RedisError as error:
        return [QueueDepth(queue, None, str(error)) for queue in queues]
    return [QueueDepth(queue, int(length)) for queue, length in zip(queues, lengths, strict=True)]


def heartbeats() -> QuerySet[WorkerHeartbeat]:
    return WorkerHeartbeat.objects.order_by("queue")


def recent_digest_runs(limit: int = 10) -> list[CountedRun]:
    return list(digest_runs_counted().order_by("-window_end", "-pk")[:limit])


def failed_deliveries(limit: int = 20) -> list[Delivery]:
    """Deliveries given up on, and those waiting to be retried after an error, newest first."""
    failing = Delivery.objects.filter(status=DeliveryStatus.FAILED) | Delivery.objects.filter(
        status=DeliveryStatus.PENDING, attempts__gt=0
    )
    return list(failing.select_related("subscription", "run").order_by("-pk")[:limit])


def task_failures(limit: int = 20) -> list[TaskFailure]:
    return list(TaskFailure.objects.order_by("-failed_at")[:limit])


def unsent_tasks() -> QuerySet[UnsentTask]:
    """Tasks left for the sweep: refused by the broker, or not handed over by the process
    whose transaction queued them within the grace it has to do so."""
    handed_over_by_now = timezone.now() - HANDOVER_GRACE
    return UnsentTask.objects.filter(Q(created_at__lt=handed_over_by_now) | ~Q(error="")).order_by(
        "pk"
    )

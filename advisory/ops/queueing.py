"""Hand tasks to the broker once the transaction commits, without losing them if it is down
or if the process dies between the commit and the hand-over."""

import datetime
import logging
from typing import Any

from celery import Task
from django.db import transaction

from advisory.ops.logs import log_context_get
from advisory.ops.models import UnsentTask

logger = logging.getLogger(__name__)

# A row this young may still be handed over by the process whose transaction wrote it: the
# sweep leaves it alone, so that a task is not sent twice in the ordinary course.
HANDOVER_GRACE = datetime.timedelta(seconds=60)


def task_apply(task: Task, args: list[Any], *, queue: str = "") -> None:
    """Publish to the broker; raises whatever the transport raises when it is down."""
    if queue:
        task.apply_async(tuple(args), queue=queue)
    else:
        task.apply_async(tuple(args))


def task_send(task: Task, args: list[Any], *, queue: str = "") -> None:
    """Send now; if the broker refuses, keep the task in the database for the beat's sweep.

    A committed change must not turn into an error page because Redis is away, and the emails
    it causes must still go out: they do, at the first sweep after Redis is back.
    """
    try:
        task_apply(task, args, queue=queue)
    except Exception as error:  # whatever the transport raises: kombu, redis, socket errors
        UnsentTask.objects.create(
            task=task.name,
            args=args,
            queue=queue,
            error=f"{type(error).__name__}: {error}"[:2000],
            request_id=str(log_context_get().get("request_id", "")),
        )
        logger.warning("broker unavailable: %s kept to send later", task.name, exc_info=True)


def task_enqueue_on_commit(task: Task, *args: Any) -> None:
    """Send `task(*args)` when the current transaction commits (now, outside one).

    The task is first written in the transaction itself, as an UnsentTask row, and the row is
    deleted once the broker has the task. If the process dies between the commit and the
    hand-over (a deploy, the out-of-memory killer), or the broker is down, the row outlives it
    and the beat's sweep sends the task. It is sent at least once: a death in the instant
    between the hand-over and the delete sends it twice, which the tasks queued this way
    (emails sent once per message id) absorb.
    """
    arguments = list(args)
    kept = UnsentTask.objects.create(
        task=task.name, args=arguments, request_id=str(log_context_get().get("request_id", ""))
    )
    transaction.on_commit(lambda: _hand_over(kept.pk, task, arguments))


def _hand_over(kept_id: int, task: Task, arguments: list[Any]) -> None:
    try:
        task_apply(task, arguments)
    except Exception as error:  # whatever the transport raises, as in task_send
        UnsentTask.objects.filter(pk=kept_id).update(
            error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.warning("broker unavailable: %s kept to send later", task.name, exc_info=True)
        return
    UnsentTask.objects.filter(pk=kept_id).delete()

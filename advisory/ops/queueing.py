"""Hand tasks to the broker once the transaction commits, without losing them if it is down."""

import logging
from typing import Any

from celery import Task
from django.db import transaction

from advisory.ops.logs import log_context_get
from advisory.ops.models import UnsentTask

logger = logging.getLogger(__name__)


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
    """Send `task(*args)` when the current transaction commits (now, outside one)."""
    arguments = list(args)
    transaction.on_commit(lambda: task_send(task, arguments))

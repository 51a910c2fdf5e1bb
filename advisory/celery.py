import logging.config
import os
from typing import Any

from celery import Celery, Task
from celery.signals import (
    before_task_publish,
    setup_logging,
    task_failure,
    task_postrun,
    task_prerun,
)

from advisory.ops.logs import log_context_get, log_context_pop, log_context_push

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings")

app = Celery("advisory")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _logging_from_settings(**kwargs: Any) -> None:
    """Workers and beat log as the web processes do (settings.LOGGING), JSON or plain."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@before_task_publish.connect
def _pass_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """A task enqueued while serving a request carries that request's id into its logs."""
    request_id = log_context_get().get("request_id")
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


_contexts: dict[str, Any] = {}


@task_prerun.connect
def _task_log_context(task_id: str, task: Task, **kwargs: Any) -> None:
    context = {"task": task.name, "task_id": task_id}
    request_id = getattr(task.request, "request_id", None)
    if request_id:
        context["request_id"] = request_id
    _contexts[task_id] = log_context_push(**context)


@task_postrun.connect
def _task_log_context_end(task_id: str, **kwargs: Any) -> None:
    token = _contexts.pop(task_id, None)
    if token is not None:
        log_context_pop(token)


@task_failure.connect
def _record_failure(
    sender: Task, task_id: str, exception: BaseException, args: Any = None, **kwargs: Any
) -> None:
    """Kept for the operations page: a task that raised after its last retry."""
    from advisory.ops.models import TaskFailure

    try:
        TaskFailure.objects.create(
            task=sender.name,
            task_id=task_id,
            args=repr(args)[:1000],
            error=f"{type(exception).__name__}: {exception}"[:2000],
        )
    except Exception:  # the database may be what failed: the worker's log has the error anyway
        logging.getLogger(__name__).exception("could not record the failure of %s", task_id)

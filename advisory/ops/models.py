from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a worker took a heartbeat task off each queue: /readyz reads its age."""

    queue = models.CharField(max_length=100, primary_key=True)
    hostname = models.CharField(max_length=255)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.queue} · {self.hostname} · {self.seen_at:%Y-%m-%d %H:%M:%S}"


class UnsentTask(models.Model):
    """A task to hand to the broker: written in the transaction that queues it and deleted
    once the broker has it. One that outlives the hand-over (the broker was down, or the
    process died) is sent by the beat's sweep; `error` says why it was kept, if known."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    queue = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class TaskFailure(models.Model):
    """A task that raised after its last retry, for the operations page."""

    task = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64)
    args = models.TextField(blank=True)
    error = models.TextField()
    failed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.task} [{self.task_id}]"

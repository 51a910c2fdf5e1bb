import datetime
import time

import pytest
from django.utils import timezone

from advisory.briefs.models import Brief, BriefStatus
from advisory.briefs.services import brief_create
from advisory.workflow import services as workflow
from advisory.workflow.models import AuditEvent
from advisory.workflow.tasks import publish_due_briefs
from tests.celery_workers import celery_workers
from tests.factories import staff_user

BRIEFS = 30


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_real_workers_publish_each_due_brief_exactly_once() -> None:
    writer = staff_user(role="writer", username="writer")
    editor = staff_user(role="editor", username="editor")
    soon = timezone.now() + datetime.timedelta(minutes=5)
    for number in range(BRIEFS):
        brief = brief_create(actor=writer, title=f"Due {number}", body=f"Text {number}.")
        workflow.brief_submit(actor=writer, brief=brief)
        workflow.brief_approve(actor=editor, brief=brief)
        workflow.brief_schedule(actor=editor, brief=brief, publish_at=soon)
    # Arrange: the time has come (a schedule must be set in the future).
    Brief.objects.update(publish_at=timezone.now() - datetime.timedelta(seconds=1))

    with celery_workers(2, concurrency=2) as queue:
        for _ in range(12):  # many overlapping runs, as after a beat backlog
            publish_due_briefs.apply_async(queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not Brief.objects.exclude(status=BriefStatus.PUBLISHED).exists():
                break
            time.sleep(0.5)
        time.sleep(2)  # let the remaining runs finish: they must find nothing to do

    assert Brief.objects.filter(status=BriefStatus.PUBLISHED).count() == BRIEFS
    events = AuditEvent.objects.filter(verb="brief.publish_due")
    assert events.count() == BRIEFS
    assert set(events.values_list("target_id", flat=True)) == {
        str(pk) for pk in Brief.objects.values_list("pk", flat=True)
    }

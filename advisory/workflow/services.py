from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from advisory.accounts.models import User
from advisory.workflow.models import AuditEvent


def audit_event_record(
    *,
    actor: User | None,
    verb: str,
    target: models.Model,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the audit trail; called inside the service's own transaction."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        reason=reason,
        data=data or {},
    )

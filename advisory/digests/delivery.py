"""Sending a run: claim deliveries, choose and render each one's briefs, hand it over once."""

import smtplib
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from advisory.digests.compose import digest_message
from advisory.digests.models import Delivery
from advisory.digests.selectors import delivery_publications
from advisory.digests.services import (
    deliveries_claim,
    delivery_failed,
    delivery_sent,
    delivery_skipped,
)
from advisory.lib.smtp import (
    HandoverAbandoned,
    SmtpSession,
    is_transient,
    message_bytes,
)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class _BackendSession(AbstractContextManager["_BackendSession"]):
    """Any other email backend (files in the demo, memory in tests): no SMTP handover, so
    the commit point comes first and the message is written after it."""

    def __init__(self) -> None:
        self._connection = get_connection()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._connection.close()

    def handover(self, *, message: EmailMessage, commit_point: Callable[[], bool]) -> None:
        if not commit_point():
            raise HandoverAbandoned
        message.connection = self._connection
        message.send()


class _SmtpHandover(AbstractContextManager["_SmtpHandover"]):
    def __init__(self) -> None:
        self._session = SmtpSession()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._session.__exit__(kind, error, traceback)

    def handover(self, *, message: EmailMessage, commit_point: Callable[[], bool]) -> None:
        self._session.handover(
            sender=message.from_email,
            recipients=message.recipients(),
            data=message_bytes(message),
            commit_point=commit_point,
        )


def _mail_session() -> _SmtpHandover | _BackendSession:
    return _SmtpHandover() if settings.EMAIL_BACKEND == SMTP_BACKEND else _BackendSession()


@dataclass
class RunProgress:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    finished: bool = False


def run_deliver(*, run_id: int, time_budget: float = 60.0) -> RunProgress:
    """Send the run's pending deliveries until none is due or the time budget is spent.

    The budget keeps each task far shorter than the broker's visibility timeout; whatever is
    left is picked up by the next task for the run.
    """
    progress = RunProgress()
    started = time.monotonic()
    with _mail_session() as session:
        while time.monotonic() - started < time_budget:
            claimed = deliveries_claim(run_id=run_id)
            if not claimed:
                progress.finished = True
                break
            for delivery in claimed:
                _deliver(session, delivery, progress)
    return progress


def _deliver(
    session: _SmtpHandover | _BackendSession, delivery: Delivery, progress: RunProgress
) -> None:
    chosen = delivery_publications(delivery)
    message = digest_message(delivery=delivery, publications=chosen)
    if message is None:
        delivery_skipped(delivery=delivery)
        progress.skipped += 1
        return
    try:
        session.handover(
            message=message.email,
            commit_point=lambda: delivery_sent(delivery=delivery, brief_ids=message.brief_ids),
        )
    except HandoverAbandoned:
        return
    except (smtplib.SMTPException, OSError) as error:
        transient = is_transient(error)
        bounce = isinstance(error, smtplib.SMTPRecipientsRefused) and not transient
        delivery_failed(delivery=delivery, error=str(error), transient=transient, bounce=bounce)
        progress.failed += 1
        return
    progress.sent += 1

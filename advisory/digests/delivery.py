"""Sending a run: claim deliveries, choose and render each one's briefs, hand it over once."""

import smtplib
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from advisory.briefs.models import Publication
from advisory.digests.compose import digest_items, digest_message, retraction_message
from advisory.digests.models import Delivery, RetractionNotice, SubscriptionStatus
from advisory.digests.rendering import DigestItem
from advisory.digests.selectors import ChoiceMemo, deliveries_publications
from advisory.digests.services import (
    deliveries_claim,
    delivery_failed,
    delivery_sent,
    delivery_skipped,
    retraction_notice_failed,
    retraction_notice_sent,
    retraction_notice_skipped,
    retraction_notices_claim,
)
from advisory.lib.smtp import (
    HandoverAbandoned,
    SmtpSession,
    is_transient,
    message_bytes,
)

Claimed = TypeVar("Claimed", Delivery, RetractionNotice)

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
    memo = ChoiceMemo()
    # By the id of a chosen list: the memo keeps each list alive for the run, so ids stay theirs.
    items: dict[int, list[DigestItem]] = {}

    def send_chunk(
        session: _SmtpHandover | _BackendSession,
        deliveries: Sequence[Delivery],
        progress: RunProgress,
    ) -> None:
        chosen = deliveries_publications(deliveries, memo=memo)
        for delivery in deliveries:
            publications = chosen[delivery.pk]
            if id(publications) not in items:
                items[id(publications)] = digest_items(publications)
            _deliver(session, delivery, publications, items[id(publications)], progress)

    return _send_claimed(
        claim=lambda: deliveries_claim(run_id=run_id),
        send_chunk=send_chunk,
        time_budget=time_budget,
    )


def retraction_notices_deliver(*, brief_id: int, time_budget: float = 60.0) -> RunProgress:
    """Send the brief's pending retraction notices, like a run's deliveries."""

    def send_chunk(
        session: _SmtpHandover | _BackendSession,
        notices: Sequence[RetractionNotice],
        progress: RunProgress,
    ) -> None:
        for notice in notices:
            _notify_retraction(session, notice, progress)

    return _send_claimed(
        claim=lambda: retraction_notices_claim(brief_id=brief_id),
        send_chunk=send_chunk,
        time_budget=time_budget,
    )


def _send_claimed(
    *,
    claim: Callable[[], Sequence[Claimed]],
    send_chunk: Callable[[_SmtpHandover | _BackendSession, Sequence[Claimed], RunProgress], None],
    time_budget: float,
) -> RunProgress:
    progress = RunProgress()
    started = time.monotonic()
    with _mail_session() as session:
        while time.monotonic() - started < time_budget:
            claimed = claim()
            if not claimed:
                progress.finished = True
                break
            send_chunk(session, claimed, progress)
    return progress


def _failure(error: smtplib.SMTPException | OSError) -> tuple[bool, bool]:
    """Whether the failure is transient, and whether it is a hard bounce of the address."""
    transient = is_transient(error)
    return transient, isinstance(error, smtplib.SMTPRecipientsRefused) and not transient


def _deliver(
    session: _SmtpHandover | _BackendSession,
    delivery: Delivery,
    chosen: Sequence[Publication],
    items: Sequence[DigestItem],
    progress: RunProgress,
) -> None:
    message = digest_message(delivery=delivery, publications=chosen, items=items)
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
        transient, bounce = _failure(error)
        delivery_failed(delivery=delivery, error=str(error), transient=transient, bounce=bounce)
        progress.failed += 1
        return
    progress.sent += 1


def _notify_retraction(
    session: _SmtpHandover | _BackendSession, notice: RetractionNotice, progress: RunProgress
) -> None:
    if notice.subscription.status == SubscriptionStatus.SUPPRESSED:
        retraction_notice_skipped(notice=notice)
        progress.skipped += 1
        return
    try:
        session.handover(
            message=retraction_message(notice),
            commit_point=lambda: retraction_notice_sent(notice=notice),
        )
    except HandoverAbandoned:
        return
    except (smtplib.SMTPException, OSError) as error:
        transient, bounce = _failure(error)
        retraction_notice_failed(
            notice=notice, error=str(error), transient=transient, bounce=bounce
        )
        progress.failed += 1
        return
    progress.sent += 1

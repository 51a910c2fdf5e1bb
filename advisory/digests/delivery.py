"""Sending a run: claim deliveries, choose and render each one's briefs, hand it over once."""

import logging
import smtplib
import time
from collections.abc import Callable, Sequence, Sized
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from threading import Lock
from types import TracebackType
from typing import TypeVar

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connections, transaction

from advisory.briefs.models import Publication
from advisory.digests.compose import (
    DigestComposer,
    digest_message,
    retraction_message,
)
from advisory.digests.models import RetractionNotice, SubscriptionStatus
from advisory.digests.selectors import ChoiceMemo, ClaimedDelivery, deliveries_publications
from advisory.digests.services import (
    EditionMemo,
    deliveries_claim,
    deliveries_sent,
    deliveries_skipped,
    delivery_failed,
    retraction_notice_failed,
    retraction_notice_sent,
    retraction_notice_skipped,
    retraction_notices_claim,
)
from advisory.lib.smtp import (
    HandoverAbandoned,
    SmtpPool,
    SmtpSession,
    is_transient,
    message_bytes,
)

logger = logging.getLogger(__name__)

Chunk = TypeVar("Chunk", bound=Sized)
Result = TypeVar("Result")

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class _BackendSession(AbstractContextManager["_BackendSession"]):
    """Any other email backend (files in the demo, memory in tests): no SMTP handover, so
    the commit point comes first and the message is written after it."""

    def __init__(self) -> None:
        self._connection = get_connection()

    def in_background(self, work: Callable[[SmtpPool | None], None]) -> None:
        work(None)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._connection.close()

    def handover(
        self, *, message: EmailMessage, commit_point: Callable[[Callable[[], None]], bool]
    ) -> None:
        def finish() -> None:
            message.connection = self._connection
            message.send()

        if not commit_point(finish):
            raise HandoverAbandoned

    def handover_many(
        self,
        pool: SmtpPool | None,
        messages: Sequence[tuple[int, EmailMessage | bytes]],
        *,
        commit_point: Callable[[list[int], Callable[[set[int]], set[int]]], set[int]],
        recipients: dict[int, str],
    ) -> dict[int, BaseException | None]:
        by_key: dict[int, EmailMessage] = {}
        for key, message in messages:
            assert isinstance(message, EmailMessage), "composed for SMTP: send with SMTP"
            by_key[key] = message
        outcome: dict[int, BaseException | None] = {}

        def finish(keys: set[int]) -> set[int]:
            unsent = set()
            for key in keys:
                by_key[key].connection = self._connection
                try:
                    by_key[key].send()
                except (smtplib.SMTPException, OSError) as error:
                    outcome[key] = error
                    unsent.add(key)
                    continue
                outcome[key] = None
            return unsent

        commit_point(list(by_key), finish)
        return outcome


class _Lane(AbstractContextManager["_Lane"]):
    """A thread of the worker's with a database connection of its own, doing one piece of work
    at a time, in order: the database and the SMTP server keep it waiting most of the time,
    which the worker's main thread spends composing."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._executor: ThreadPoolExecutor | None = None

    def submit(self, work: Callable[[], Result]) -> "Future[Result]":
        if transaction.get_connection().in_atomic_block:
            # Inside the caller's transaction (a test's) only this thread's connection sees
            # the rows: the work is done here and now.
            done: Future[Result] = Future()
            try:
                done.set_result(work())
            except Exception as error:
                done.set_exception(error)
            return done
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        return self._executor.submit(work)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            # After the work queued before it; only the thread may close its own connection.
            self._executor.submit(connections.close_all).result()
            self._executor.shutdown()


# Threads handing groups over: while one waits for its commit point's disk flush, another's
# group goes out, and the database flushes their commits together.
SENDER_LANES = 2


class _SmtpHandover(AbstractContextManager["_SmtpHandover"]):
    """The configured SMTP server, with DIGEST_SMTP_CONNECTIONS connections shared among
    sender threads: each hands a group over (one message per connection, one commit point)
    while the caller composes the next."""

    def __init__(self) -> None:
        lanes = max(1, min(SENDER_LANES, settings.DIGEST_SMTP_CONNECTIONS))
        size = settings.DIGEST_SMTP_CONNECTIONS // lanes
        self._pools = [SmtpPool(size) for _ in range(lanes)]
        self._senders = [_Lane(f"digest-sender-{n}") for n in range(lanes)]
        self._sending: list[Future[None] | None] = [None] * lanes
        self._next = 0
        self._single = SmtpSession()

    @property
    def group_size(self) -> int:
        return self._pools[0].size

    def in_background(self, work: Callable[["SmtpPool"], None]) -> None:
        """Run `work` with the next sender thread's pool once that thread's previous work is
        done; its errors are raised then, or on leaving the session."""
        lane = self._next
        self._next = (lane + 1) % len(self._senders)
        self._wait(lane)
        self._sending[lane] = self._senders[lane].submit(partial(work, self._pools[lane]))

    def _wait(self, lane: int) -> None:
        sending, self._sending[lane] = self._sending[lane], None
        if sending is not None:
            sending.result()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            for lane in range(len(self._senders)):
                self._wait(lane)
        finally:
            for sender, pool in zip(self._senders, self._pools, strict=True):
                sender.__exit__(kind, error, traceback)
                pool.__exit__(kind, error, traceback)
            self._single.__exit__(kind, error, traceback)

    def handover(
        self, *, message: EmailMessage, commit_point: Callable[[Callable[[], None]], bool]
    ) -> None:
        self._single.handover(
            sender=message.from_email,
            recipients=message.recipients(),
            data=message_bytes(message),
            commit_point=commit_point,
        )

    def handover_many(
        self,
        pool: SmtpPool | None,
        messages: Sequence[tuple[int, EmailMessage | bytes]],
        *,
        commit_point: Callable[[list[int], Callable[[set[int]], set[int]]], set[int]],
        recipients: dict[int, str],
    ) -> dict[int, BaseException | None]:
        assert pool is not None
        return pool.handover_many(
            [
                (key, settings.DEFAULT_FROM_EMAIL, [recipients[key]], message)
                if isinstance(message, bytes)
                else (key, message.from_email, message.recipients(), message_bytes(message))
                for key, message in messages
            ],
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
    # Sender threads count what their groups did.
    _counting: Lock = field(default_factory=Lock, repr=False, compare=False)

    def count(self, *, sent: int = 0, failed: int = 0) -> None:
        with self._counting:
            self.sent += sent
            self.failed += failed


def run_deliver(*, run_id: int, time_budget: float = 60.0) -> RunProgress:
    """Send the run's pending deliveries until none is due or the time budget is spent.

    The budget keeps each task far shorter than the broker's visibility timeout; whatever is
    left is picked up by the next task for the run.
    """
    memo = ChoiceMemo()
    composer = DigestComposer()
    editions = EditionMemo()
    # The memo keeps each chosen list alive for the run: the composer's ids of them stay theirs.

    def composed(
        session: _SmtpHandover | _BackendSession,
        delivery: ClaimedDelivery,
        publications: list[Publication],
    ) -> tuple[EmailMessage | bytes, Sequence[int]] | None:
        if isinstance(session, _SmtpHandover):
            return composer.message(delivery=delivery, publications=publications)
        # Another backend (files, memory) takes Django's messages.
        message = digest_message(
            delivery=delivery, publications=publications, items=composer.items(publications)
        )
        return None if message is None else (message.email, message.brief_ids)

    def claim() -> list[tuple[ClaimedDelivery, list[Publication]]]:
        deliveries = deliveries_claim(run_id=run_id)
        chosen = deliveries_publications(deliveries, memo=memo) if deliveries else {}
        return [(delivery, chosen[delivery.pk]) for delivery in deliveries]

    def send_chunk(
        session: _SmtpHandover | _BackendSession,
        claimed: Sequence[tuple[ClaimedDelivery, list[Publication]]],
        progress: RunProgress,
    ) -> None:
        group: list[_Composed] = []
        nothing_new: list[ClaimedDelivery] = []
        for delivery, publications in claimed:
            message = composed(session, delivery, publications)
            if message is None:
                nothing_new.append(delivery)
                continue
            group.append((delivery, *message))
            if len(group) == _group_size(session):
                session.in_background(partial(_deliver_group, session, group, progress, editions))
                group = []
        if group:
            session.in_background(partial(_deliver_group, session, group, progress, editions))
        deliveries_skipped(deliveries=nothing_new)
        progress.skipped += len(nothing_new)

    return _send_claimed(
        claim=claim,
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
    claim: Callable[[], Chunk],
    send_chunk: Callable[[_SmtpHandover | _BackendSession, Chunk, RunProgress], None],
    time_budget: float,
) -> RunProgress:
    """Claim chunks and send them until none is left or the budget is spent. The next chunk
    is claimed (and its briefs chosen) on a thread of its own while this one is sent; none
    is claimed once the budget is spent, so nothing claimed is left unsent."""
    progress = RunProgress()
    started = time.monotonic()
    with _mail_session() as session, _Lane("digest-claims") as claims:
        upcoming: Future[Chunk] | None = claims.submit(claim)
        while upcoming is not None:
            claimed = upcoming.result()
            if not claimed:
                progress.finished = True
                break
            upcoming = claims.submit(claim) if time.monotonic() - started < time_budget else None
            send_chunk(session, claimed, progress)
    return progress


def _failure(error: smtplib.SMTPException | OSError) -> tuple[bool, bool]:
    """Whether the failure is transient, and whether it is a hard bounce of the address."""
    transient = is_transient(error)
    return transient, isinstance(error, smtplib.SMTPRecipientsRefused) and not transient


def _group_size(session: _SmtpHandover | _BackendSession) -> int:
    return session.group_size if isinstance(session, _SmtpHandover) else 1


# A delivery, its message and the briefs the message shows.
_Composed = tuple[ClaimedDelivery, EmailMessage | bytes, Sequence[int]]


def _deliver_group(
    session: _SmtpHandover | _BackendSession,
    group: Sequence[_Composed],
    progress: RunProgress,
    editions: EditionMemo,
    pool: SmtpPool | None,
) -> None:
    """Hand a group of digests over with one commit point for all of them, on `pool` (SMTP)."""
    by_key = {delivery.pk: (delivery, brief_ids) for delivery, _, brief_ids in group}
    outcome = session.handover_many(
        pool,
        [(delivery.pk, message) for delivery, message, _ in group],
        commit_point=lambda keys, finish: deliveries_sent(
            sent=[by_key[key] for key in keys], finish=finish, editions=editions
        ),
        recipients={delivery.pk: delivery.subscription.email for delivery, _, _ in group},
    )
    for key, error in outcome.items():
        if error is None:
            progress.count(sent=1)
            continue
        if not isinstance(error, smtplib.SMTPException | OSError):
            raise error
        transient, bounce = _failure(error)
        logger.warning(
            "delivery %s failed (%s): %s",
            key,
            "will retry" if transient else "given up",
            error,
            extra={"delivery_id": key, "transient": transient},
        )
        delivery_failed(
            delivery=by_key[key][0], error=str(error), transient=transient, bounce=bounce
        )
        progress.count(failed=1)


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
            commit_point=lambda finish: retraction_notice_sent(notice=notice, finish=finish),
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

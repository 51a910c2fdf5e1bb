"""Handing a message to the SMTP server with a commit point: how digests are sent exactly once.

An SMTP server takes responsibility for a message only when it receives the final "." of the
DATA phase; a connection that drops before it makes the server discard the message. So we
send everything but that final line, let the caller record the message as sent (the commit
point), and only then send the "." — once it is in the socket the kernel delivers it even if
the process dies. A worker killed at any moment therefore leaves either a message the server
never accepted, with its ledger row not marked sent (safe to send again), or a row marked sent.
Never a message delivered and still owed.
"""

import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from types import TracebackType

from django.conf import settings
from django.core.mail import EmailMessage

_LEADING_DOT = re.compile(rb"(?m)^\.")


class HandoverAbandoned(Exception):
    """The commit point refused (another worker owns the row): the message was not sent."""


class RefusedAfterCommit(smtplib.SMTPResponseException):
    """The server refused the message after the commit point: the caller must undo it."""


def is_transient(error: BaseException) -> bool:
    """A failure worth retrying: a 4xx reply, or the connection itself failing."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (smtplib.SMTPServerDisconnected, OSError))


_LINE_END = re.compile(rb"\r\n|\n|\r")


def message_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it: every line ending CRLF."""
    return _LINE_END.sub(b"\r\n", message.message().as_bytes())


class SmtpSession:
    """One connection to the configured SMTP server, for many messages."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "SmtpSession":
        return self

    def _connected(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        host, port, timeout = settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT
        smtp: smtplib.SMTP
        if settings.EMAIL_USE_SSL:
            smtp = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            if settings.EMAIL_USE_TLS:
                smtp.starttls(context=ssl.create_default_context())
        if settings.EMAIL_HOST_USER:
            smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None

    def handover(
        self,
        *,
        sender: str,
        recipients: Sequence[str],
        data: bytes,
        commit_point: Callable[[], bool],
    ) -> None:
        """Send one message; `commit_point` runs just before the server may accept it.

        Raises the smtplib error for a refusal before the commit point (nothing was sent),
        HandoverAbandoned when the commit point returns False, and RefusedAfterCommit when
        the server refuses the finished message.
        """
        try:
            self._handover(
                smtp=self._connected(),
                sender=sender,
                recipients=recipients,
                data=data,
                commit_point=commit_point,
            )
        except (smtplib.SMTPServerDisconnected, OSError):
            # The next message starts on a fresh connection.
            self._drop()
            raise

    def _handover(
        self,
        *,
        smtp: smtplib.SMTP,
        sender: str,
        recipients: Sequence[str],
        data: bytes,
        commit_point: Callable[[], bool],
    ) -> None:
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender)
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                smtp.rset()
                raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        code, reply = smtp.docmd("DATA")
        if code != 354:
            smtp.rset()
            raise smtplib.SMTPDataError(code, reply)
        body = _LEADING_DOT.sub(b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        smtp.send(body)
        if not commit_point():
            # Dropping the connection mid-DATA makes the server discard the message.
            self._drop()
            raise HandoverAbandoned
        smtp.send(b".\r\n")
        code, reply = smtp.getreply()
        if code != 250:
            raise RefusedAfterCommit(code, reply)

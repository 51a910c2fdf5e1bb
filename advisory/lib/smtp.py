"""Handing a message to the SMTP server with a commit point: how digests are sent exactly once.

An SMTP server takes responsibility for a message only when it receives the final "." of the
DATA phase; a connection that drops before it makes the server discard the message. So we
send everything but that final line, and the caller's commit point records the message as
sent in a database transaction and, inside that transaction, just before its COMMIT, has the
"." sent. A worker killed before the COMMIT reaches the database leaves the row unsent and,
at most, a message the server discarded or one whose "." left microseconds before (the only
window for a duplicate); a worker killed after it leaves the row sent and the "." already in
the kernel's hands, which delivers it whatever happens to the process.
"""

import binascii
import re
import secrets
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from types import TracebackType

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives

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


def _crlf(data: bytes) -> bytes:
    """Every line ending CRLF (str.replace: a regular expression costs a millisecond a body)."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")


def message_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it: every line ending CRLF.

    A plain-text message with one HTML alternative, as every digest is, is written directly:
    Python's email generator costs milliseconds a message, more than rendering the digest.
    """
    if (
        isinstance(message, EmailMultiAlternatives)
        and not message.attachments
        and not message.cc
        and not message.bcc
        and len(message.alternatives) == 1
        and message.alternatives[0][1] == "text/html"
    ):
        return _alternative_bytes(message, str(message.alternatives[0][0]))
    return _crlf(message.message().as_bytes())


def _header_value(value: str) -> str:
    if value.isascii() and "\n" not in value and "\r" not in value:
        return value
    # RFC 2047 for anything else; a header never spans lines of its own making.
    return Header(" ".join(value.split()), "utf-8").encode()


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _address(value: str) -> str:
    if _PLAIN_ADDRESS.fullmatch(value):
        # A bare address, as every digest recipient's is, is its own header value.
        return value
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")


def _envelope_address(value: str) -> str:
    """`smtplib.quoteaddr`, which parses every address with the email package: a bare
    address, as every digest's is, is only bracketed."""
    return f"<{value}>" if _PLAIN_ADDRESS.fullmatch(value) else smtplib.quoteaddr(value)


def _quoted_printable(content: str) -> bytes:
    """The text quoted-printable, lines ending CRLF, and no line starting with "." (written
    "=2E", which any decoder reads back): SMTP's dot-stuffing then has nothing to do."""
    encoded = _crlf(binascii.b2a_qp(content.encode(), istext=True))
    encoded = encoded.replace(b"\n.", b"\n=2E")
    return b"=2E" + encoded[1:] if encoded.startswith(b".") else encoded


_SOFT_BREAK = b"=\r\n"


def _part_encoded(parts: Sequence[str]) -> tuple[bytes | str, ...]:
    """Literal text and slot names alternating (even indexes text): the text encoded, each
    piece before a slot ending in a soft line break, so that every slot starts a line of its
    own and its value can be encoded alone."""
    return tuple(
        part
        if index % 2
        else _quoted_printable(part) + (_SOFT_BREAK if index + 1 < len(parts) else b"")
        for index, part in enumerate(parts)
    )


class DotFree(bytes):
    """Message data no line of which starts with ".", as `MessageTemplate` writes it: SMTP's
    dot-stuffing has nothing to do, so the whole message is not searched for one."""


class MessageTemplate:
    """A message of plain text with one HTML alternative, encoded for SMTP once and sent to
    many recipients: each one's headers and slots (greeting, links) are encoded on their own
    and joined in, so a recipient costs microseconds, not a MIME generation of the body.

    `text_parts` and `html_parts` alternate literal text and slot names (even indexes text).
    """

    def __init__(
        self,
        *,
        sender: str,
        subject: str,
        headers: dict[str, str],
        text_parts: Sequence[str],
        html_parts: Sequence[str],
    ) -> None:
        # "=" is always encoded in quoted-printable, so "==" never occurs in a part.
        boundary = f"=={secrets.token_hex(16)}=="
        head = {
            "From": _address(sender),
            "Subject": _header_value(subject),
            "MIME-Version": "1.0",
            "Content-Type": f'multipart/alternative; boundary="{boundary}"',
        }
        head |= {name: _header_value(value) for name, value in headers.items()}
        self._head = "".join(f"{name}: {value}\r\n" for name, value in head.items()).encode()
        self._text_start = (
            f"\r\n--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode()
        self._html_start = (
            f"\r\n--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode()
        self._end = f"\r\n--{boundary}--\r\n".encode()
        self._text = _part_encoded(text_parts)
        self._html = _part_encoded(html_parts)

    def message(
        self,
        *,
        to: Sequence[str],
        headers: dict[str, str],
        text_values: dict[str, str],
        html_values: dict[str, str],
    ) -> DotFree:
        """The whole message for one recipient, as SMTP's DATA carries it."""
        own = {
            "To": ", ".join(map(_address, to)),
            "Date": formatdate(usegmt=True),
            **{name: _header_value(value) for name, value in headers.items()},
        }
        if not any(name.lower() == "message-id" for name in own):
            own["Message-ID"] = make_msgid()
        pieces = [self._head, "".join(f"{n}: {v}\r\n" for n, v in own.items()).encode()]
        pieces.append(self._text_start)
        pieces += _filled(self._text, text_values)
        pieces.append(self._html_start)
        pieces += _filled(self._html, html_values)
        pieces.append(self._end)
        return DotFree(b"".join(pieces))


def _filled(parts: tuple[bytes | str, ...], values: dict[str, str]) -> list[bytes]:
    encoded = {slot: _quoted_printable(value) + _SOFT_BREAK for slot, value in values.items()}
    return [encoded[part] if isinstance(part, str) else part for part in parts]


def _alternative_bytes(message: EmailMultiAlternatives, html: str) -> bytes:
    headers = {name: str(value) for name, value in message.extra_headers.items()}
    return MessageTemplate(
        sender=message.from_email,
        subject=str(message.subject),
        headers={},
        text_parts=[str(message.body)],
        html_parts=[html],
    ).message(to=message.to, headers=headers, text_values={}, html_values={})


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
        # The final "." is a small write right after the body: with Nagle's algorithm it waits
        # for the server's delayed ACK, some 40 ms a message.
        if smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
        commit_point: Callable[[Callable[[], None]], bool],
    ) -> None:
        """Send one message. `commit_point(finish)` records it and calls `finish` (which
        sends the final ".") inside its transaction, just before committing.

        Raises the smtplib error for a refusal before the commit point (nothing was sent),
        HandoverAbandoned when the commit point returns False, and RefusedAfterCommit when
        the server refuses the finished message.
        """
        self._stage(sender=sender, recipients=recipients, data=data)
        if not commit_point(self._finish):
            # Dropping the connection mid-DATA makes the server discard the message.
            self._drop()
            raise HandoverAbandoned
        self._reply()

    def _stage(self, *, sender: str, recipients: Sequence[str], data: bytes) -> None:
        """Everything of the message but its final ".": the server holds it, not accepted."""
        smtp = self._connected()
        try:
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
            self._body_send(data)
        except (smtplib.SMTPServerDisconnected, OSError):
            # The next message starts on a fresh connection.
            self._drop()
            raise

    def _body_send(self, data: bytes) -> None:
        assert self._smtp is not None
        # A line starting with "." is doubled; a message MessageTemplate wrote has none.
        stuffing = not isinstance(data, DotFree) and (data.startswith(b".") or b"\n." in data)
        body = _LEADING_DOT.sub(b"..", data) if stuffing else data
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self._smtp.send(body)

    def _envelope_pipelined(self, *, sender: str, recipients: Sequence[str]) -> bool:
        """Send MAIL, RCPT and DATA at once (RFC 2920) where the server allows it, for one
        recipient; `_stage_pipelined` reads the replies. False: stage it step by step."""
        smtp = self._connected()
        try:
            smtp.ehlo_or_helo_if_needed()
            if len(recipients) != 1 or not smtp.has_extn("pipelining"):
                return False
            [recipient] = recipients
            smtp.send(
                f"MAIL FROM:{_envelope_address(sender)}\r\n"
                f"RCPT TO:{_envelope_address(recipient)}\r\nDATA\r\n"
            )
        except (smtplib.SMTPServerDisconnected, OSError):
            self._drop()
            raise
        return True

    def _stage_pipelined(self, *, sender: str, recipient: str, data: bytes) -> None:
        assert self._smtp is not None
        try:
            mail, rcpt, data_reply = (self._smtp.getreply() for _ in range(3))
            if data_reply[0] == 354 and (mail[0] != 250 or rcpt[0] not in (250, 251)):
                # A server in DATA without a valid envelope: dropping the line discards it.
                self._drop()
                raise smtplib.SMTPDataError(*data_reply)
            if mail[0] != 250:
                self._smtp.rset()
                raise smtplib.SMTPSenderRefused(mail[0], mail[1], sender)
            if rcpt[0] not in (250, 251):
                self._smtp.rset()
                raise smtplib.SMTPRecipientsRefused({recipient: rcpt})
            if data_reply[0] != 354:
                self._smtp.rset()
                raise smtplib.SMTPDataError(*data_reply)
            self._body_send(data)
        except (smtplib.SMTPServerDisconnected, OSError):
            self._drop()
            raise

    def _finish(self) -> None:
        """The final ".": once it is in the socket the kernel delivers it, come what may."""
        assert self._smtp is not None
        try:
            self._smtp.send(b".\r\n")
        except (smtplib.SMTPServerDisconnected, OSError):
            self._drop()
            raise

    def _reply(self) -> None:
        assert self._smtp is not None
        try:
            code, reply = self._smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError):
            self._drop()
            raise
        if code != 250:
            raise RefusedAfterCommit(code, reply)


class SmtpPool:
    """Several connections to the SMTP server, so that several messages wait at their final
    "." together and one commit point, one database commit, covers them all: the commit's
    disk flush costs more than sending a digest."""

    def __init__(self, size: int) -> None:
        self._sessions = [SmtpSession() for _ in range(size)]

    @property
    def size(self) -> int:
        return len(self._sessions)

    def __enter__(self) -> "SmtpPool":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for session in self._sessions:
            session.__exit__(kind, error, traceback)

    def handover_many(
        self,
        messages: Sequence[tuple[int, str, Sequence[str], bytes]],
        *,
        commit_point: Callable[[list[int], Callable[[set[int]], set[int]]], set[int]],
    ) -> dict[int, BaseException | None]:
        """Send up to `size` messages (key, sender, recipients, data), one per connection.

        `commit_point(keys, finish)` gets the keys of the messages the server is holding,
        records those it may as sent, calls `finish` with them inside its transaction just
        before committing (`finish` returns those whose "." could not be sent, which it must
        not record), and returns the keys it recorded. Returns, for each key, None when
        the server accepted the message, or the error: before the commit point nothing was
        sent; a RefusedAfterCommit the caller must undo. A key the commit point declined is
        left out, its message discarded by the server.
        """
        if len(messages) > self.size:
            raise ValueError(f"At most {self.size} messages at once.")
        outcome: dict[int, BaseException | None] = {}
        staged: list[tuple[SmtpSession, int]] = []
        # Each connection's envelope goes out before any reply is read: the round trips of
        # the group overlap instead of adding up.
        pipelined: list[tuple[SmtpSession, int, str, str, bytes]] = []
        for session, (key, sender, recipients, data) in zip(self._sessions, messages, strict=False):
            try:
                if session._envelope_pipelined(sender=sender, recipients=recipients):
                    pipelined.append((session, key, sender, recipients[0], data))
                    continue
                session._stage(sender=sender, recipients=recipients, data=data)
            except (smtplib.SMTPException, OSError) as error:
                outcome[key] = error
                continue
            staged.append((session, key))
        for session, key, sender, recipient, data in pipelined:
            try:
                session._stage_pipelined(sender=sender, recipient=recipient, data=data)
            except (smtplib.SMTPException, OSError) as error:
                outcome[key] = error
                continue
            staged.append((session, key))
        sessions = {key: session for session, key in staged}
        finished: list[int] = []

        def finish(keys: set[int]) -> set[int]:
            """The final "." of each of these messages; returns those it could not send."""
            unsent = set()
            for key in keys:
                try:
                    sessions[key]._finish()
                except (smtplib.SMTPException, OSError) as error:
                    outcome[key] = error
                    unsent.add(key)
                    continue
                finished.append(key)
            return unsent

        committed = commit_point(list(sessions), finish) if staged else set()
        for key, session in sessions.items():
            if key not in committed and key not in outcome:
                session._drop()
        for key in finished:
            try:
                sessions[key]._reply()
            except (smtplib.SMTPException, OSError) as error:
                outcome[key] = error
                continue
            outcome[key] = None
        return outcome

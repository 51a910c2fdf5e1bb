"""A real SMTP server on loopback (aiosmtpd) for tests that read what was sent."""

import email
import email.policy
import logging
import socket
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pytest_django.fixtures import Settings as SettingsWrapper

from advisory.accounts.models import User

SITE = "https://advisory.example.com"

# aiosmtpd logs every SMTP command at INFO: thousands of lines in the fault test.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Inbox:
    """An aiosmtpd handler keeping what it is sent.

    A test can make it refuse: each reply queued in `data_refusals` answers one message's
    DATA instead of accepting it, each in `rcpt_refusals` one recipient.
    """

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.data_refusals: list[str] = []
        self.rcpt_refusals: list[str] = []

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        # aiosmtpd reads commands one after another from the stream, so it takes pipelined
        # ones (RFC 2920) as they come; saying so lets the tests exercise that path.
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.rcpt_refusals:
            return self.rcpt_refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_refusals:
            return self.data_refusals.pop(0)
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(self.received) == count

    def to(self, user: User) -> EmailMessage:
        [message] = [message for rcpt, message in self.received if rcpt == [user.email]]
        return message

    def with_subject(self, start: str) -> list[EmailMessage]:
        return [message for _, message in self.received if subject_of(message).startswith(start)]


def subject_of(message: EmailMessage) -> str:
    # A non-ASCII subject is folded onto the next line, and Python's parser keeps the space
    # that unfolding leaves at its start; mail clients drop it.
    return str(message["Subject"]).strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_server(settings: SettingsWrapper) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.SITE_URL = SITE
    try:
        yield inbox, port
    finally:
        controller.stop()

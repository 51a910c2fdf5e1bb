"""Read the messages Django's file-based email backend wrote, for the demo's outbox page."""

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

# What django.core.mail.backends.filebased writes after each message.
_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass(frozen=True)
class OutboxMessage:
    key: str
    subject: str
    sender: str
    recipients: str
    date: str
    text: str
    html: str | None


def _parse(key: str, raw: bytes) -> OutboxMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return OutboxMessage(
        key=key,
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        recipients=", ".join(str(message.get(h, "")) for h in ("To", "Cc") if message.get(h)),
        date=str(message.get("Date", "")),
        text=text_part.get_content() if isinstance(text_part, EmailMessage) else "",
        html=html_part.get_content() if isinstance(html_part, EmailMessage) else None,
    )


def outbox_messages(folder: Path, limit: int = 200) -> list[OutboxMessage]:
    """The newest messages first; each keyed by its file and position in that file."""
    if not folder.is_dir():
        return []
    messages: list[OutboxMessage] = []
    # One file per connection, named to the second: the write time orders them exactly.
    files = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for path in files:
        chunks = [chunk for chunk in path.read_bytes().split(_SEPARATOR) if chunk.strip()]
        for index in reversed(range(len(chunks))):
            messages.append(_parse(f"{path.stem}:{index}", chunks[index]))
            if len(messages) >= limit:
                return messages
    return messages


def outbox_message(folder: Path, key: str) -> OutboxMessage | None:
    stem, _, position = key.partition(":")
    path = folder / f"{stem}.log"
    # The key comes from a URL: accept only a plain file name inside the folder.
    if not position.isdigit() or path.parent != folder or not path.is_file():
        return None
    chunks = [chunk for chunk in path.read_bytes().split(_SEPARATOR) if chunk.strip()]
    index = int(position)
    return _parse(key, chunks[index]) if index < len(chunks) else None

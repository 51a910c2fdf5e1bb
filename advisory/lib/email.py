"""The one way Advisory writes and sends email: workflow notifications, mentions and digests.

Every message is rendered from three templates, `templates/email/<base>.subject.txt`, `.txt`
and `.html`, and sent as plain text with an HTML alternative.
"""

from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
from django.template.backends.django import DjangoTemplates


def _render(name: str, context: dict[str, Any], *, autoescape: bool) -> str:
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)
    # The subject and the plain text are not HTML: escaping would show "&amp;" to the reader.
    return backend.engine.get_template(name).render(Context(context, autoescape=autoescape))


def render_email(template_base: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """The subject, plain text and HTML of the message `email/<template_base>`."""
    name = f"email/{template_base}"
    subject = _render(f"{name}.subject.txt", context, autoescape=False)
    text = _render(f"{name}.txt", context, autoescape=False)
    html = _render(f"{name}.html", context, autoescape=True)
    # One line, whatever the template or the data hold: a header cannot span lines.
    return " ".join(subject.split()), text.strip() + "\n", html


def absolute_url(path: str) -> str:
    """A link that works from a mail client: the site's public address and the path."""
    return f"{settings.SITE_URL}{path}"


def site_domain() -> str:
    """The site's host name, which identifies Advisory's Message-IDs and references."""
    return urlsplit(settings.SITE_URL).hostname or "advisory.invalid"


def send_email(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    headers: dict[str, str] | None = None,
) -> str:
    """Send one message; returns its Message-ID (the caller's, if it set one)."""
    # Auto-Submitted (RFC 3834) keeps out-of-office robots from answering a machine's message.
    # Header names are case-insensitive: a caller's "message-id" replaces the default one
    # rather than adding a second header.
    merged = {"auto-submitted": ("Auto-Submitted", "auto-generated")}
    merged |= {name.lower(): (name, value) for name, value in (headers or {}).items()}
    if "message-id" not in merged:
        merged["message-id"] = ("Message-ID", make_msgid(domain=site_domain()))
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=dict(merged.values()),
    )
    message.attach_alternative(html, "text/html")
    message.send()
    return merged["message-id"][1]

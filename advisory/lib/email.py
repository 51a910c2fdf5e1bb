"""The one way Advisory writes and sends email: workflow notifications, mentions and digests.

Every message is rendered from three templates, `templates/email/<base>.subject.txt`, `.txt`
and `.html`, and sent as plain text with an HTML alternative. The HTML's stylesheet is
inlined into style attributes: Gmail and Outlook ignore most of a <style> block.
"""

from email.utils import make_msgid
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
from django.template.backends.django import DjangoTemplates

# One inliner for the process: building it parses its options once. Remote stylesheets stay
# off (a template must never make the renderer fetch a URL); @media rules cannot be inlined,
# so they stay in a <style> block for the small-screen clients that read it.
_INLINER = css_inline.CSSInliner(
    load_remote_stylesheets=False,
    keep_link_tags=False,
    keep_at_rules=True,
    minify_css=True,
)


class RenderedEmail(NamedTuple):
    subject: str
    text: str
    html: str


def css_inlined(html: str) -> str:
    """The document with its <style> rules moved into each element's style attribute."""
    return _INLINER.inline(html)


def render_template(name: str, context: dict[str, Any], *, autoescape: bool) -> str:
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)
    # The subject and the plain text are not HTML: escaping would show "&amp;" to the reader.
    return backend.engine.get_template(name).render(Context(context, autoescape=autoescape))


def render_email(template_base: str, context: dict[str, Any]) -> RenderedEmail:
    """The subject, plain text and HTML (styles inlined) of the message `email/<template_base>`."""
    name = f"email/{template_base}"
    subject = render_template(f"{name}.subject.txt", context, autoescape=False)
    text = render_template(f"{name}.txt", context, autoescape=False)
    html = css_inlined(render_template(f"{name}.html", context, autoescape=True))
    return RenderedEmail(one_line(subject), text.strip() + "\n", html)


def one_line(subject: str) -> str:
    """The subject on one line, whatever the template or the data hold: a header cannot span
    lines."""
    return " ".join(subject.split())


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

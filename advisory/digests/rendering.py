"""The digest email: one body rendered and inlined per distinct set of briefs, personalised
cheaply for each recipient.

Many subscribers share a preference set and so receive the same briefs. Rendering the
templates and inlining the CSS is the costly part (milliseconds); it happens once per item set
(`digest_body`, cached). The recipient's name and links go in afterwards (`DigestBody.
personalise`, microseconds) by substituting placeholders that carry a random nonce, so no
brief's text can forge one, and that survive CSS inlining untouched.
"""

import datetime
import html
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import dateformat

from advisory.lib.email import RenderedEmail, css_inlined, one_line, render_template

# More than this and a digest stops being read: the rest are counted and linked.
MAX_ITEMS = 25
# Gmail clips a message's HTML past 102 KB and hides the rest (the unsubscribe link with it).
HTML_BYTE_LIMIT = 90_000
PERIOD_LABEL_LIMIT = 120
TITLE_LIMIT = 200
SUBJECT_TITLE_LIMIT = 80
SUMMARY_LIMIT = 480
JUDGMENT_LIMIT = 240
MAX_JUDGMENTS = 3
MAX_REGIONS = 4
NAME_LIMIT = 60
RECIPIENT_NAME_LIMIT = 100
# Links are never cut (a cut link is a broken one): longer ones are refused.
LINK_LIMIT = 2048
# The room kept in the size cap for each personalised value (a link of up to this many bytes,
# once escaped; the greeting is always shorter).
SLOT_BYTE_LIMIT = 1024
# Distinct item sets kept rendered. One body is ~20-90 KB in two parts, so this bounds the
# cache to a few tens of MB per worker whatever the number of preference sets.
BODY_CACHE_SIZE = 256

_SLOTS = ("greeting", "preferences_url", "unsubscribe_url")


@dataclass(frozen=True)
class DigestItem:
    """One brief as a subscriber sees it in a digest; already chosen for what they may read."""

    title: str
    summary: str
    url: str
    kind: str
    regions: tuple[str, ...]
    published_at: datetime.datetime
    updated: bool = False
    key_judgments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Tuples, even when given lists: an item set is the cache key of its rendered body.
        object.__setattr__(self, "regions", tuple(self.regions))
        object.__setattr__(self, "key_judgments", tuple(self.key_judgments))
        _check_link(self.url, what="A brief's link")
        if self.published_at.utcoffset() is None:
            raise ValueError("A brief's publication time must be timezone-aware.")


@dataclass(frozen=True)
class _ShownItem:
    title: str
    summary: str
    url: str
    meta: str
    key_judgments: tuple[str, ...]


@dataclass(frozen=True)
class DigestBody:
    """A digest rendered for one item set, waiting for its recipient.

    The parts alternate literal text and slot names: even indexes are text, odd are slots.
    """

    subject: str
    text_parts: tuple[str, ...]
    html_parts: tuple[str, ...]
    shown_count: int
    total_count: int

    def personalise(
        self, *, recipient_name: str, preferences_url: str, unsubscribe_url: str
    ) -> RenderedEmail:
        """The message for one recipient: their greeting and their own links."""
        values, escaped = personal_values(
            recipient_name=recipient_name,
            preferences_url=preferences_url,
            unsubscribe_url=unsubscribe_url,
        )
        return RenderedEmail(
            self.subject, _filled(self.text_parts, values), _filled(self.html_parts, escaped)
        )


def personal_values(
    *, recipient_name: str, preferences_url: str, unsubscribe_url: str
) -> tuple[dict[str, str], dict[str, str]]:
    """What fills a body's slots for one recipient: for the text, and escaped for the HTML."""
    _check_link(preferences_url, what="The preferences link")
    _check_link(unsubscribe_url, what="The unsubscribe link")
    name = " ".join(recipient_name.split())[:RECIPIENT_NAME_LIMIT]
    values = {
        "greeting": f"Hello {name}," if name else "Hello,",
        "preferences_url": preferences_url,
        "unsubscribe_url": unsubscribe_url,
    }
    escaped = {slot: html.escape(value) for slot, value in values.items()}
    for slot in ("preferences_url", "unsubscribe_url"):
        if len(escaped[slot].encode()) > SLOT_BYTE_LIMIT:
            raise ValueError(f"The {slot.replace('_url', ' link')} is too long for a digest.")
    return values, escaped


def digest_body(
    *,
    items: Sequence[DigestItem],
    period_label: str,
    more_url: str,
    time_zone: str | None = None,
) -> DigestBody:
    """The digest of these briefs, rendered once and reused for every recipient of the same
    set; `period_label` names the digest ("Daily digest, 12 March 2025"), `more_url` opens
    the portal listing that holds the briefs not shown, dates read in `time_zone`."""
    if not items:
        raise ValueError("A digest needs at least one brief: with nothing new, send nothing.")
    _check_link(more_url, what="The link to more briefs")
    zone = time_zone or settings.TIME_ZONE
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"“{zone}” is not a timezone we know.") from None
    return _digest_body_cached(
        tuple(items),
        _trimmed(period_label, PERIOD_LABEL_LIMIT),
        more_url,
        zone,
    )


def digest_render(
    *,
    recipient_name: str,
    items: Sequence[DigestItem],
    period_label: str,
    more_url: str,
    preferences_url: str,
    unsubscribe_url: str,
    time_zone: str | None = None,
) -> RenderedEmail:
    """One recipient's digest: the shared body of these items, personalised."""
    body = digest_body(
        items=items, period_label=period_label, more_url=more_url, time_zone=time_zone
    )
    return body.personalise(
        recipient_name=recipient_name,
        preferences_url=preferences_url,
        unsubscribe_url=unsubscribe_url,
    )


@lru_cache(maxsize=BODY_CACHE_SIZE)
def _digest_body_cached(
    items: tuple[DigestItem, ...], period_label: str, more_url: str, time_zone: str
) -> DigestBody:
    zone = ZoneInfo(time_zone)
    shown = [_shown(item, zone) for item in items[:MAX_ITEMS]]
    nonce = secrets.token_hex(8)
    placeholders = {slot: f"digest{nonce}{slot.replace('_', '')}" for slot in _SLOTS}
    updates = sum(item.updated for item in items)
    context: dict[str, Any] = {
        "period_label": period_label,
        "more_url": more_url,
        "slots": placeholders,
        "intro": _intro(new=len(items) - updates, updates=updates),
        "lead_title": _trimmed(items[0].title, SUBJECT_TITLE_LIMIT),
        "others": len(items) - 1,
    }
    while True:
        context |= {"items": shown, "hidden_count": len(items) - len(shown)}
        page = css_inlined(render_template("email/digest.html", context, autoescape=True))
        slots_in_page = sum(page.count(token) for token in placeholders.values())
        size = len(page.encode()) + slots_in_page * SLOT_BYTE_LIMIT
        if size <= HTML_BYTE_LIMIT or len(shown) == 1:
            break
        # Shrink in proportion to the excess (at least one item), then measure again.
        fitting = len(shown) * HTML_BYTE_LIMIT // size
        shown = shown[: max(1, min(fitting, len(shown) - 1))]
    text = re.sub(r"\n{3,}", "\n\n", render_template("email/digest.txt", context, autoescape=False))
    subject = one_line(render_template("email/digest.subject.txt", context, autoescape=False))
    pattern = re.compile(f"({'|'.join(map(re.escape, placeholders.values()))})")
    slot_of = {token: slot for slot, token in placeholders.items()}
    return DigestBody(
        subject=subject,
        text_parts=_split(pattern, text.strip() + "\n", slot_of),
        html_parts=_split(pattern, page, slot_of),
        shown_count=len(shown),
        total_count=len(items),
    )


def _shown(item: DigestItem, zone: ZoneInfo) -> _ShownItem:
    day = dateformat.format(item.published_at.astimezone(zone), "j F Y")
    regions = ", ".join(_trimmed(name, NAME_LIMIT) for name in item.regions[:MAX_REGIONS])
    if len(item.regions) > MAX_REGIONS:
        regions += f" and {len(item.regions) - MAX_REGIONS} more"
    meta = [_trimmed(item.kind, NAME_LIMIT), regions, f"Updated {day}" if item.updated else day]
    return _ShownItem(
        title=_trimmed(item.title, TITLE_LIMIT),
        summary=_trimmed(item.summary, SUMMARY_LIMIT),
        url=item.url,
        meta=" · ".join(part for part in meta if part),
        key_judgments=tuple(
            _trimmed(judgment, JUDGMENT_LIMIT) for judgment in item.key_judgments[:MAX_JUDGMENTS]
        ),
    )


def _intro(*, new: int, updates: int) -> str:
    counts = []
    if new:
        counts.append(f"{new} new brief{'s' if new != 1 else ''}")
    if updates:
        counts.append(f"{updates} updated brief{'s' if updates != 1 else ''}")
    return f"Since your last digest: {' and '.join(counts)}."


def _trimmed(text: str, limit: int) -> str:
    """The text on one line, cut at a word boundary with an ellipsis if longer than `limit`."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


_ABSOLUTE_LINK = re.compile(r"https?://[^\s/]+\S*")


def _check_link(url: str, *, what: str) -> None:
    # A mail client opens links outside any page: only absolute web addresses work there.
    if not _ABSOLUTE_LINK.fullmatch(url):
        raise ValueError(f"{what} must be an absolute http(s) address, not {url[:80]!r}.")
    if len(url) > LINK_LIMIT:
        raise ValueError(f"{what} is too long for an email ({len(url)} characters).")


def _split(pattern: re.Pattern[str], document: str, slot_of: dict[str, str]) -> tuple[str, ...]:
    # One capturing group: re.split alternates literal text and the placeholder it found.
    pieces = pattern.split(document)
    return tuple(slot_of[piece] if index % 2 else piece for index, piece in enumerate(pieces))


def _filled(parts: tuple[str, ...], values: dict[str, str]) -> str:
    return "".join(values[part] if index % 2 else part for index, part in enumerate(parts))

"""One delivery's message: its briefs rendered, its recipient's links and the list headers."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from advisory.briefs.models import BriefKind, Publication
from advisory.briefs.readings import judgment_line
from advisory.digests.models import Delivery, Frequency, RetractionNotice, Subscription
from advisory.digests.rendering import DigestItem, digest_body, personal_values
from advisory.digests.selectors import (
    ClaimedDelivery,
    subscription_publications,
    subscription_signer,
    subscription_token,
)
from advisory.lib.email import absolute_url, render_email, site_domain
from advisory.lib.smtp import MessageTemplate

_PERIOD = {
    Frequency.IMMEDIATE: "Flash alert",
    Frequency.DAILY: "Daily digest",
    Frequency.WEEKLY: "Weekly digest",
}


@dataclass(frozen=True)
class DigestMessage:
    email: EmailMultiAlternatives
    brief_ids: tuple[int, ...]


def digest_items(rows: Sequence[Publication]) -> list[DigestItem]:
    """The briefs as the email shows them; `rows` come from the digest selectors."""
    return [
        DigestItem(
            title=row.title,
            summary=row.summary,
            url=absolute_url(reverse("portal:brief-detail", args=[row.slug])),
            kind=BriefKind(row.kind).label,
            regions=tuple(region.name for region in row.regions.all()),
            published_at=row.published_at,
            updated=row.updated_at is not None and row.visible_at == row.updated_at,
            key_judgments=tuple(map(judgment_line, getattr(row, "judgments", None) or ())),
        )
        for row in rows
    ]


def digest_message(
    *,
    delivery: Delivery | ClaimedDelivery,
    publications: Sequence[Publication],
    items: Sequence[DigestItem] | None = None,
) -> DigestMessage | None:
    """The email for this delivery, or None when there is nothing new to send.

    `items` are `digest_items(publications)`, when the caller already has them.
    """
    rows = publications
    items = digest_items(publications) if items is None else items
    if not items:
        return None
    subscription = delivery.subscription
    zone = ZoneInfo(subscription.timezone)
    label = _PERIOD[Frequency(subscription.frequency)]
    body = digest_body(
        items=items,
        period_label=f"{label}, {delivery.window_end.astimezone(zone):%-d %B %Y}",
        more_url=absolute_url(reverse("portal:brief-list")),
        time_zone=subscription.timezone,
    )
    token = subscription_token(subscription)
    unsubscribe_url = absolute_url(reverse("digests:unsubscribe", args=[token]))
    user = subscription.user
    rendered = body.personalise(
        recipient_name=user.byline if user is not None else "",
        preferences_url=absolute_url(reverse("digests:preferences", args=[token])),
        unsubscribe_url=unsubscribe_url,
    )
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
        headers={
            "Message-ID": delivery.message_id,
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            **_list_headers(subscription.frequency, label),
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return DigestMessage(
        email=message, brief_ids=tuple(row.brief_id for row in rows[: body.shown_count])
    )


@dataclass(frozen=True)
class _Edition:
    template: MessageTemplate
    brief_ids: tuple[int, ...]


class DigestComposer:
    """A run's digests as SMTP carries them, for a worker: the same email as `digest_message`,
    but each distinct edition (briefs, period, list) is encoded once and each recipient's
    message is that edition with their address, Message-ID, greeting and links joined in.
    """

    def __init__(self) -> None:
        # By the id of a chosen list, which the caller keeps alive (see ChoiceMemo).
        self._editions: dict[tuple[object, ...], _Edition | None] = {}
        self._items: dict[int, list[DigestItem]] = {}
        self._more_url = absolute_url(reverse("portal:brief-list"))
        self._unsubscribe = _url_around_token("digests:unsubscribe")
        self._preferences = _url_around_token("digests:preferences")
        self._signer = subscription_signer()

    def message(
        self, *, delivery: ClaimedDelivery, publications: Sequence[Publication]
    ) -> tuple[bytes, tuple[int, ...]] | None:
        """The message for this delivery and the briefs it shows, or None when nothing is new."""
        subscription = delivery.subscription
        key = (id(publications), subscription.frequency, subscription.timezone, delivery.window_end)
        if key not in self._editions:
            self._editions[key] = self._edition(delivery, publications)
        edition = self._editions[key]
        if edition is None:
            return None
        token = subscription_token(subscription, signer=self._signer)
        user = subscription.user
        text_values, html_values = personal_values(
            recipient_name=user.byline if user is not None else "",
            preferences_url=token.join(self._preferences),
            unsubscribe_url=token.join(self._unsubscribe),
        )
        data = edition.template.message(
            to=[subscription.email],
            headers={
                "Message-ID": delivery.message_id,
                "List-Unsubscribe": f"<{text_values['unsubscribe_url']}>",
            },
            text_values=text_values,
            html_values=html_values,
        )
        return data, edition.brief_ids

    def items(self, publications: Sequence[Publication]) -> list[DigestItem]:
        """`digest_items(publications)`, made once per chosen list."""
        if id(publications) not in self._items:
            self._items[id(publications)] = digest_items(publications)
        return self._items[id(publications)]

    def _edition(
        self, delivery: ClaimedDelivery, publications: Sequence[Publication]
    ) -> _Edition | None:
        items = self.items(publications)
        if not items:
            return None
        subscription = delivery.subscription
        label = _PERIOD[Frequency(subscription.frequency)]
        zone = ZoneInfo(subscription.timezone)
        body = digest_body(
            items=items,
            period_label=f"{label}, {delivery.window_end.astimezone(zone):%-d %B %Y}",
            more_url=self._more_url,
            time_zone=subscription.timezone,
        )
        template = MessageTemplate(
            sender=settings.DEFAULT_FROM_EMAIL,
            subject=body.subject,
            headers=_list_headers(subscription.frequency, label),
            text_parts=body.text_parts,
            html_parts=body.html_parts,
        )
        return _Edition(template, tuple(row.brief_id for row in publications[: body.shown_count]))


def _url_around_token(name: str) -> tuple[str, str]:
    """The absolute link of a view that takes a token, cut where the token goes: joining the
    halves with a token costs nothing, where `reverse` costs tens of microseconds."""
    marker = "0token0"
    before, after = absolute_url(reverse(name, args=[marker])).split(marker)
    return before, after


def _list_headers(frequency: str, label: str) -> dict[str, str]:
    return {
        "List-Id": f"Advisory {label.lower()} <{frequency}.digests.{site_domain()}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


@dataclass(frozen=True)
class DigestPreview:
    subject: str
    text: str
    html: str
    brief_ids: tuple[int, ...]


def digest_preview(
    *, subscription: Subscription, now: datetime.datetime | None = None
) -> DigestPreview | None:
    """The email the subscriber would get if their window, from the watermark, closed now.

    The delivery is never saved: a preview leaves the ledger as it was.
    """
    delivery = Delivery(
        subscription=subscription,
        window_start=subscription.watermark,
        window_end=now or timezone.now(),
        message_id=make_msgid(domain=site_domain()),
    )
    publications = subscription_publications(
        subscription, window_start=delivery.window_start, window_end=delivery.window_end
    )
    message = digest_message(delivery=delivery, publications=publications)
    if message is None:
        return None
    [(html, _)] = message.email.alternatives
    return DigestPreview(
        subject=str(message.email.subject),
        text=str(message.email.body),
        html=str(html),
        brief_ids=message.brief_ids,
    )


def retraction_message(notice: RetractionNotice) -> EmailMultiAlternatives:
    """The notice to a subscriber that a brief a digest brought them has been retracted.

    It links to the brief's page, which now shows the retraction notice to every reader.
    """
    brief, subscription = notice.brief, notice.subscription
    token = subscription_token(subscription)
    unsubscribe_url = absolute_url(reverse("digests:unsubscribe", args=[token]))
    rendered = render_email(
        "retraction",
        {
            "title": brief.title,
            "notice": brief.retraction_notice,
            "retracted_at": brief.retracted_at,
            "recipient_name": subscription.user.byline if subscription.user else "",
            "link": absolute_url(reverse("portal:brief-detail", args=[brief.slug])),
            "why": "You receive this because an Advisory digest brought you this brief.",
            "unsubscribe_url": unsubscribe_url,
        },
    )
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
        headers={
            "Message-ID": notice.message_id,
            "References": f"<brief-{brief.pk}@{site_domain()}>",
            "List-Id": f"Advisory {subscription.frequency} digest "
            f"<{subscription.frequency}.digests.{site_domain()}>",
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message

"""The digest email: both parts, inlined CSS in a 600 px table layout, the size cap, escaping,
and one shared body personalised for each recipient without leaking another's links."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisory.digests import rendering
from advisory.digests.rendering import (
    HTML_BYTE_LIMIT,
    MAX_ITEMS,
    DigestItem,
    digest_body,
    digest_render,
)
from advisory.lib.email import render_email

SITE = "https://advisory.example"
PUBLISHED = datetime.datetime(2025, 3, 12, 9, 30, tzinfo=datetime.UTC)
LABEL = "Daily digest, 12 March 2025"
MORE = f"{SITE}/briefs/?since=2025-03-11"


def item(number: int = 1, **fields: object) -> DigestItem:
    values: dict[str, object] = {
        "title": f"Basra oil fields, part {number}",
        "summary": f"Protests at the fields are spreading; summary {number}.",
        "url": f"{SITE}/briefs/basra-oil-{number}/",
        "kind": "Analysis",
        "regions": ("Iraq", "Middle East"),
        "published_at": PUBLISHED,
        "key_judgments": (f"Output falls this quarter ({number}).",),
    }
    return DigestItem(**(values | fields))


def render(items: list[DigestItem], *, name: str = "Ann Reader", token: str = "ann") -> tuple:
    return digest_render(
        recipient_name=name,
        items=items,
        period_label=LABEL,
        more_url=MORE,
        preferences_url=f"{SITE}/digests/preferences/?s={token}",
        unsubscribe_url=f"{SITE}/digests/unsubscribe/{token}/",
    )


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order, and the text of <style>."""

    def __init__(self, document: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)

    def with_class(self, name: str) -> list[dict[str, str]]:
        return [attrs for _, attrs in self.tags if name in attrs.get("class", "").split()]


def test_both_parts_carry_the_same_briefs_links_and_counts() -> None:
    subject, text, html = render([item(1), item(2, updated=True), item(3)])

    assert subject == f"{LABEL}: Basra oil fields, part 1 and 2 more"
    for number in (1, 2, 3):
        for part in (text, html):
            assert f"Basra oil fields, part {number}" in part
            assert f"{SITE}/briefs/basra-oil-{number}/" in part
            assert f"Output falls this quarter ({number})." in part
    for part in (text, html):
        assert "Since your last digest: 2 new briefs and 1 updated brief." in part
        assert "Hello Ann Reader," in part
        assert "Analysis · Iraq, Middle East · Updated 12 March 2025" in part
        assert f"{SITE}/digests/preferences/?s=ann" in part.replace("&amp;", "&")
        assert f"{SITE}/digests/unsubscribe/ann/" in part
        assert MORE in part
        assert "more brief" not in part
    assert text.index("part 1") < text.index("part 2") < text.index("part 3")
    assert html.index("part 1") < html.index("part 2") < html.index("part 3")
    assert "<p" not in text and "&amp;" not in text


def test_the_html_is_inlined_with_no_stylesheet_left_but_the_small_screen_rules() -> None:
    _, _, html = render([item(1), item(2)])
    page = Elements(html)

    assert not [attrs for tag, attrs in page.tags if tag == "link"]
    # Every element styled by a class carries its style itself: Gmail and Outlook drop classes.
    classed = [(tag, attrs) for tag, attrs in page.tags if attrs.get("class")]
    assert {attrs["class"] for _, attrs in classed} >= {
        "container", "masthead", "main", "heading", "item-title", "item-link", "summary",
        "judgment", "footer", "footer-link", "button",
    }  # fmt: skip
    assert [(tag, attrs["class"]) for tag, attrs in classed if not attrs.get("style")] == []
    (title_link,) = page.with_class("item-link")[:1]
    assert "color:#0b5394" in title_link["style"]
    assert "font-size:16px" in page.with_class("main")[0]["style"]
    # What is left of the stylesheet is the @media block, for the clients that read it.
    remaining = "".join(page.styles).strip()
    assert remaining.startswith("@media") and remaining.endswith("}")
    assert "max-width: 620px" in remaining


def test_the_layout_is_a_centred_600px_table_of_presentation_tables() -> None:
    _, _, html = render([item()])
    page = Elements(html)

    tables = [attrs for tag, attrs in page.tags if tag == "table"]
    assert tables and all(attrs.get("role") == "presentation" for attrs in tables)
    (container,) = page.with_class("container")
    assert "max-width:600px" in container["style"]
    assert container["bgcolor"] == "#ffffff" and container["align"] == "center"
    assert page.with_class("page")[0]["bgcolor"] == "#f3f6fa"
    # Outlook's Word engine ignores max-width: it gets a fixed 600 px table of its own.
    assert '<!--[if mso]><table role="presentation" width="600"' in html
    assert page.tags[0] == ("html", {"lang": "en", "dir": "ltr"})
    assert "flex" not in html and "grid" not in html
    assert not re.search(r"<img|@import|@font-face|url\(", html)
    assert page.with_class("button-cell")[0]["bgcolor"] == "#0b5394"


def test_a_single_brief_links_to_the_portal_and_says_nothing_of_more() -> None:
    subject, text, html = render([item()])

    assert subject == f"{LABEL}: Basra oil fields, part 1"
    assert "Since your last digest: 1 new brief." in text
    assert "See all your briefs in the portal" in html
    assert f"All your briefs in the portal: {MORE}" in text
    assert "more brief" not in html


def test_more_than_the_cap_shows_the_first_and_links_to_the_rest() -> None:
    items = [item(number) for number in range(1, MAX_ITEMS + 6)]
    body = digest_body(items=items, period_label=LABEL, more_url=MORE)
    _, text, html = body.personalise(
        recipient_name="Ann", preferences_url=f"{SITE}/p/", unsubscribe_url=f"{SITE}/u/"
    )

    assert (body.shown_count, body.total_count) == (MAX_ITEMS, MAX_ITEMS + 5)
    assert f"part {MAX_ITEMS}<" in html and f"part {MAX_ITEMS + 1}<" not in html
    assert f"{MAX_ITEMS}. Basra oil fields, part {MAX_ITEMS}\n" in text
    assert f"part {MAX_ITEMS + 1}\n" not in text
    assert f'<a href="{MORE}" style="color:#0b5394;text-decoration:underline">5 more briefs' in html
    assert f"5 more briefs in the portal: {MORE}" in text
    assert "Since your last digest: 30 new briefs." in text


def _long(text: str, words: int) -> str:
    return " ".join([text] * words)


def test_500_long_briefs_stay_under_the_size_cap_with_long_personal_links() -> None:
    items = [
        item(
            number,
            title=_long(f"نوري المالكي and the Basra <oil> fields {number}", 40),
            summary=_long("The protests at the southern fields & ports spread «fast».", 200),
            key_judgments=tuple(_long(f"Judgment {j} is “likely”.", 80) for j in range(12)),
            regions=tuple(f"Region {r}" for r in range(30)),
            # Links are never cut: long ones leave room for fewer briefs.
            url=f"{SITE}/briefs/{'x' * 2000}-{number}/?a=1&b=2",
        )
        for number in range(500)
    ]
    long_link = f"{SITE}/digests/unsubscribe/{'&' * 180}/"
    assert len(long_link.replace("&", "&amp;")) < rendering.SLOT_BYTE_LIMIT

    body = digest_body(items=items, period_label=LABEL, more_url=MORE)
    _, text, html = body.personalise(
        recipient_name='"<&>"' * 40, preferences_url=long_link, unsubscribe_url=long_link
    )

    assert len(html.encode()) < HTML_BYTE_LIMIT
    assert 1 <= body.shown_count < MAX_ITEMS
    hidden = 500 - body.shown_count
    assert f"{hidden} more briefs in the portal" in html
    assert f"{hidden} more briefs in the portal: {MORE}" in text
    # Trimmed at a word, marked, and the footer links survive whole.
    assert "…" in html and "and 26 more" in html
    assert html.count(long_link.replace("&", "&amp;")) == 2
    assert html.rstrip().endswith("</html>")


_any_text = st.text(max_size=3000)


@settings(max_examples=40)
@given(
    items=st.lists(
        st.builds(
            item,
            title=_any_text,
            summary=_any_text,
            kind=_any_text,
            regions=st.lists(_any_text, max_size=8).map(tuple),
            key_judgments=st.lists(_any_text, max_size=8).map(tuple),
            updated=st.booleans(),
        ),
        min_size=1,
        max_size=40,
    ),
    name=st.text(max_size=500),
)
def test_whatever_the_text_the_html_stays_under_the_cap_and_inert(
    items: list[DigestItem], name: str
) -> None:
    body = digest_body(items=items, period_label=LABEL, more_url=MORE)
    _, text, html = body.personalise(
        recipient_name=name,
        preferences_url=f"{SITE}/digests/preferences/?s=ann&t=1",
        unsubscribe_url=f"{SITE}/digests/unsubscribe/ann/",
    )

    assert len(html.encode()) < HTML_BYTE_LIMIT
    page = Elements(html)
    assert {tag for tag, _ in page.tags} <= {
        "html", "head", "style", "meta", "title", "body", "div", "table", "tbody", "tr", "td",
        "h1", "h2", "p", "a", "ul", "li", "strong",
    }  # fmt: skip
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert all(href.startswith(SITE) for href in hrefs)
    assert hrefs.count(f"{SITE}/digests/unsubscribe/ann/") == 1
    assert text.count(f"{SITE}/digests/unsubscribe/ann/") == 1
    assert 1 <= body.shown_count <= min(len(items), MAX_ITEMS)


def test_long_texts_are_cut_at_a_word_with_an_ellipsis() -> None:
    words = " ".join(f"word{n}" for n in range(400))
    _, text, _ = render([item(summary=words, title=words)])

    title_line, summary_line = [line for line in text.splitlines() if "word0 " in line]
    assert re.fullmatch(r"1\. word0 .* word\d+…", title_line)
    assert len(title_line) <= len("1. ") + rendering.TITLE_LIMIT
    assert re.fullmatch(r"word0 .* word\d+…", summary_line)
    assert len(summary_line) <= rendering.SUMMARY_LIMIT


def test_markup_and_quotes_in_any_field_stay_inert() -> None:
    attack = '"><script>alert("x")</script><a href="javascript:alert(1)">'
    subject, text, html = render(
        [item(title=f"Title {attack}", summary=attack, kind=attack, regions=(attack,),
              key_judgments=(attack,))],
        name=f"Eve {attack}",
    )  # fmt: skip

    page = Elements(html)
    assert not [tag for tag, _ in page.tags if tag == "script"]
    assert all(not attrs.get("href", "").startswith("javascript") for _, attrs in page.tags)
    (title_link,) = page.with_class("item-link")
    assert title_link["href"] == f"{SITE}/briefs/basra-oil-1/"
    assert "Title &quot;&gt;&lt;script&gt;" in html or 'Title "&gt;&lt;script&gt;' in html
    assert f"Title {attack}" in text and f"Hello Eve {attack}," in text
    assert subject == f"{LABEL}: Title {attack}"


def test_a_brief_cannot_forge_a_recipient_slot() -> None:
    trap = "digest0123456789abcdefunsubscribeurl {{ slots.unsubscribe_url }} %(unsubscribe_url)s"
    _, text, html = render([item(title=trap, summary=trap)], token="victim")

    assert text.count(f"{SITE}/digests/unsubscribe/victim/") == 1
    assert html.count(f"{SITE}/digests/unsubscribe/victim/") == 1
    assert text.count(trap) == 2


def test_one_body_serves_every_recipient_each_with_their_own_links() -> None:
    items = [item(1), item(2)]
    body = digest_body(items=items, period_label=LABEL, more_url=MORE)
    assert digest_body(items=list(items), period_label=LABEL, more_url=MORE) is body
    assert digest_body(items=[item(1)], period_label=LABEL, more_url=MORE) is not body

    recipients = {token: f"Reader {token}" for token in ("ann", "bob", "cyd")}
    mails = {
        token: body.personalise(
            recipient_name=name,
            preferences_url=f"{SITE}/digests/preferences/?s={token}",
            unsubscribe_url=f"{SITE}/digests/unsubscribe/{token}/",
        )
        for token, name in recipients.items()
    }
    for token, (_, text, html) in mails.items():
        for part in (text, html):
            assert f"Hello Reader {token}," in part
            assert f"/digests/unsubscribe/{token}/" in part
            assert f"s={token}" in part
            others = set(recipients) - {token}
            assert not [o for o in others if f"/{o}/" in part or f"Reader {o}" in part]
    assert len({mail.html for mail in mails.values()}) == 3
    assert len({mail.subject for mail in mails.values()}) == 1


def test_no_name_reads_as_a_plain_greeting() -> None:
    _, text, html = render([item()], name="   ")
    assert "\nHello,\n" in text and ">Hello,</p>" in html


def test_dates_read_in_the_subscribers_time_zone() -> None:
    late = item(published_at=datetime.datetime(2025, 3, 1, 23, 30, tzinfo=datetime.UTC))
    in_utc = digest_body(items=[late], period_label=LABEL, more_url=MORE, time_zone="UTC")
    in_baghdad = digest_body(
        items=[late], period_label=LABEL, more_url=MORE, time_zone="Asia/Baghdad"
    )
    assert "1 March 2025" in "".join(in_utc.text_parts)
    assert "2 March 2025" in "".join(in_baghdad.text_parts)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"items": []}, "at least one brief"),
        ({"more_url": "/briefs/"}, "link to more briefs"),
        ({"unsubscribe_url": "javascript:alert(1)"}, "unsubscribe link"),
        ({"preferences_url": f"{SITE}/p/ x"}, "preferences link"),
        ({"unsubscribe_url": f"{SITE}/{'u' * 2000}"}, "too long"),
    ],
)
def test_bad_input_is_refused_clearly(change: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "recipient_name": "Ann",
        "items": [item()],
        "period_label": LABEL,
        "more_url": MORE,
        "preferences_url": f"{SITE}/p/",
        "unsubscribe_url": f"{SITE}/u/",
    }
    with pytest.raises(ValueError, match=message):
        digest_render(**(arguments | change))


def test_a_brief_link_must_be_absolute_and_its_time_aware() -> None:
    with pytest.raises(ValueError, match="A brief's link must be an absolute"):
        item(url="/briefs/basra/")
    with pytest.raises(ValueError, match="timezone-aware"):
        item(published_at=datetime.datetime(2025, 3, 12, 9, 30))


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="not a timezone we know"):
        digest_body(items=[item()], period_label=LABEL, more_url=MORE, time_zone="Mars/Base")


def test_workflow_emails_share_the_inlined_layout() -> None:
    class Person:
        byline = "Ann <Writer>"

    class Brief:
        title = 'Basra & the "oil" fields'

    subject, text, html = render_email(
        "brief_approved",
        {
            "brief": Brief(),
            "recipient": Person(),
            "actor_name": "Ed",
            "link": f"{SITE}/admin/briefs/brief/1/change/?a=1&b=2",
            "why": "You are an author of this brief.",
        },
    )
    page = Elements(html)

    assert subject == 'Approved: Basra & the "oil" fields'
    assert "Hello Ann <Writer>," in text
    assert "Hello Ann &lt;Writer&gt;," in html
    (button,) = page.with_class("button")
    assert button["href"] == f"{SITE}/admin/briefs/brief/1/change/?a=1&b=2"
    assert "background-color" not in button["style"] or "#0b5394" in button["style"]
    assert "You are an author of this brief." in html
    assert "max-width:600px" in page.with_class("container")[0]["style"]
    assert [
        (tag, attrs["class"])
        for tag, attrs in page.tags
        if attrs.get("class") and not attrs.get("style")
    ] == []


# The wire: an edition encoded once, each recipient's parts joined in.


@given(
    name=st.text(min_size=0, max_size=120),
    path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_:.", min_size=1, max_size=900),
)
@settings(max_examples=60, deadline=None)
def test_a_template_message_decodes_to_its_text_with_each_recipients_parts(
    name: str, path: str
) -> None:
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    from advisory.lib.smtp import MessageTemplate

    body = digest_body(
        items=[item(1), item(2, title=".A title that starts with a dot")],
        period_label=LABEL,
        more_url=MORE,
    )
    template = MessageTemplate(
        sender="Advisory <desk@advisory.example>",
        subject=body.subject,
        headers={"List-Id": "Advisory daily digest <daily.digests.advisory.example>"},
        text_parts=body.text_parts,
        html_parts=body.html_parts,
    )
    link = f"{SITE}/digests/unsubscribe/{path}/"
    rendered = body.personalise(
        recipient_name=name, preferences_url=f"{link}prefs", unsubscribe_url=link
    )
    values, escaped = rendering.personal_values(
        recipient_name=name, preferences_url=f"{link}prefs", unsubscribe_url=link
    )
    data = template.message(
        to=["claire@example.com"],
        headers={"Message-ID": "<digest.1.2@advisory.example>"},
        text_values=values,
        html_values=escaped,
    )
    lines = data.split(b"\r\n")
    # SMTP's limits: no bare line feed, no line over 998 octets, none a lone "." or starting
    # with one (so the sender has no dot-stuffing to do).
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 998
    assert not any(line.startswith(b".") for line in lines)
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "claire@example.com"
    assert message["Message-ID"] == "<digest.1.2@advisory.example>"
    assert message["Subject"] == rendered.subject
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    assert text.get_content().replace("\r\n", "\n") == rendered.text
    assert html.get_content().replace("\r\n", "\n") == rendered.html.replace("\r\n", "\n")

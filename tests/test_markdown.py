from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from advisory.accounts.models import AccessTier
from advisory.lib.markdown import reading_minutes, render_markdown, word_count
from tests.factories import PublishedBriefFactory

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src='https://evil.example'></iframe>",
    "<style>body{display:none}</style>",
    '<p style="position:fixed">x</p>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](data:image/svg+xml;base64,PHN2Zz4=)",
    '![x](javascript:alert(1) "caption")',
    '<a href="javascript:alert(1)">x</a>',
    "[x](vbscript:msgbox(1))",
    "<object data=x></object>",
    "<form action=x><input></form>",
    "[^1]\n\n[^1]: <script>x</script>",
    '<div onclick="x">',
]
MARKDOWN_BITS = [
    "# ",
    "## ",
    "- ",
    "> ",
    "*",
    "**",
    "`",
    "[",
    "]",
    "(",
    ")",
    "!",
    "\n",
    "\n\n",
    "|",
    "---",
]

ALLOWED_SCHEMES = {"", "http", "https", "mailto"}
FORBIDDEN_TAGS = {"script", "style", "iframe", "svg", "object", "embed", "form", "input", "math"}


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"attribute {name} on {tag}")
            if name in {"href", "src"}:
                scheme = urlparse((value or "").strip()).scheme.lower()
                if scheme not in ALLOWED_SCHEMES:
                    self.problems.append(f"{name} scheme {scheme!r} on {tag}")


def _problems(html: str) -> list[str]:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


@pytest.mark.parametrize("payload", HOSTILE)
def test_known_attacks_never_reach_the_page(payload: str) -> None:
    assert _problems(render_markdown(payload)) == []


@given(st.lists(st.sampled_from(HOSTILE + MARKDOWN_BITS) | st.text(max_size=20), max_size=25))
def test_generated_hostile_markdown_is_always_clean(parts: list[str]) -> None:
    assert _problems(render_markdown("".join(parts))) == []


def test_the_inspector_would_catch_an_attack() -> None:
    assert _problems('<a href="javascript:x" onclick="y" style="z">') != []


def test_shapes_a_brief_needs_render() -> None:
    html = render_markdown(
        "# Heading one\n\n## Section\n\nText with a note.[^1]\n\n"
        "- first\n- second\n\n> A quoted line.\n\n"
        "| Actor | Role |\n|---|---|\n| KH | militia |\n\n"
        '![Map of Diyala](/static/demo/map.svg "Reported positions, 2026")\n\n'
        "[^1]: The footnote."
    )
    assert "<h2>Heading one</h2>" in html  # the page's only h1 is the title
    assert "<h2>Section</h2>" in html
    assert "<ul>" in html and "<li>second</li>" in html
    assert "<blockquote>" in html
    assert "<table>" in html and "<td>militia</td>" in html
    assert '<figure><img src="/static/demo/map.svg" alt="Map of Diyala"' in html
    assert "<figcaption>Reported positions, 2026</figcaption></figure>" in html
    assert 'class="footnote-ref"' in html and 'id="fn1"' in html
    assert 'class="footnotes"' in html


def test_an_image_without_title_stays_inline() -> None:
    assert "<figure>" not in render_markdown("![x](https://example.org/a.png)")


def test_word_count_and_reading_time() -> None:
    body = "## Heading\n\n" + "word " * 440
    assert word_count(body) == 441
    assert reading_minutes(441) == 3
    assert reading_minutes(0) == 0
    assert reading_minutes(1) == 1


@pytest.mark.django_db
def test_plain_text_fields_are_escaped_on_pages(client: Client) -> None:
    PublishedBriefFactory(
        title='<script>alert("t")</script>',
        summary='<img src=x onerror="alert(1)"> <b style="color:red">x</b>',
        access_tier=AccessTier.PUBLIC,
    )
    page = client.get("/").content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in page

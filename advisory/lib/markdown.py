"""The one Markdown pipeline: admin preview, portal, feeds and emails all render through it.

markdown-it-py parses with raw HTML switched off (so HTML a writer pastes is shown as text), and
nh3 then cleans the output against an allow-list, so even a parser bug cannot let a script, an
event handler, a `javascript:`/`data:` URL or a style attribute through.
"""

import math
from collections.abc import Sequence
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.wordcount import wordcount_plugin

WORDS_PER_MINUTE = 220

_ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote",
    "figure", "figcaption", "img", "a", "table", "thead", "tbody", "tr", "th", "td",
    "code", "pre", "em", "strong", "s", "sup", "sub", "section",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "loading"},
    "li": {"id"},
    "ol": {"start"},
}
_ALLOWED_CLASSES = {
    "sup": {"footnote-ref"},
    "a": {"footnote-backref"},
    "section": {"footnotes"},
    "ol": {"footnotes-list"},
    "li": {"footnote-item"},
    "hr": {"footnotes-sep"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


def _figures_and_headings(state: StateCore) -> None:
    """A paragraph holding only a titled image becomes a figure whose caption is the title.

    A level-one heading in a body becomes level two: the page's only h1 is the brief's title.
    """
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
        if token.type != "paragraph_open" or index + 2 >= len(tokens):
            continue
        inline, closing = tokens[index + 1], tokens[index + 2]
        children = [child for child in inline.children or [] if child.type != "softbreak"]
        if (
            closing.type == "paragraph_close"
            and len(children) == 1
            and children[0].type == "image"
            and children[0].attrGet("title")
        ):
            token.tag = closing.tag = "figure"
            children[0].meta["figure"] = True


def _render_image(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[idx]
    token.attrSet("loading", "lazy")
    if not token.meta.get("figure"):
        return renderer.image(tokens, idx, options, env)
    caption = str(token.attrGet("title") or "")
    token.attrs.pop("title", None)
    image = renderer.image(tokens, idx, options, env)
    return f"{image}<figcaption>{escapeHtml(caption)}</figcaption>"


def _build_parser() -> MarkdownIt:
    parser = (
        MarkdownIt("commonmark", {"html": False, "typographer": True, "linkify": False})
        .enable(["table", "strikethrough", "replacements", "smartquotes"])
        .use(footnote_plugin)
        .use(wordcount_plugin, per_minute=WORDS_PER_MINUTE)
    )
    parser.core.ruler.push("figures_and_headings", _figures_and_headings)
    parser.add_render_rule("image", _render_image)
    return parser


_parser = _build_parser()


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        allowed_classes=_ALLOWED_CLASSES,
        url_schemes=_URL_SCHEMES,
        clean_content_tags={"script", "style"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@lru_cache(maxsize=512)
def render_markdown(text: str) -> str:
    """Render Markdown to HTML that is safe to put on any page as it is."""
    return sanitise_html(_parser.render(text))


def word_count(text: str) -> int:
    env: dict[str, dict[str, int]] = {}
    _parser.parse(text, env)
    return int(env.get("wordcount", {}).get("words", 0))


def reading_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE)) if words else 0

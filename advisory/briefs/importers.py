"""Read a Markdown, plain-text or Word file into the title and Markdown body of a draft brief.

Pure parsing: nothing here touches the database. Every problem with the file is raised as a
DocumentError whose message can be shown to the writer as it is, on one line.
"""

import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table
from docx.text.hyperlink import Hyperlink
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree
from markdown_it import MarkdownIt

from advisory.lib.text import file_text_utf8

HEADING_MAX_LENGTH = 80

_BULLET = re.compile(r"^\s*[•◦▪\-*]\s+(?P<text>\S.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(?P<text>\S.*)$")
_QUOTE = re.compile(r"^\s*>\s?(?P<text>.*)$")
# Some writers mark sub-headings with an arrow: "-> The Political Deadlock in Baghdad".
_ARROW = re.compile(r"^\s*(?:->|→)\s*(?P<text>\S.*)$")
_TERMINAL_PUNCTUATION = ".!?…:;,"
_CLOSING_QUOTES = "\"'”’»)]"
_GLUED_WORDS = re.compile(r"[a-z][A-Z]")
_MARKDOWN_H1 = re.compile(r"^ {0,3}#[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
_MARKDOWN_ANY_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_H1_UNDERLINE = re.compile(r"^ {0,3}=+[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(?:```|~~~)")
_UNICODE_BULLET = re.compile(r"^(?P<indent>\s*)[•◦▪]\s+")
# Only what Markdown would act on: an "&" counts before an entity name, a "~" when doubled.
_INLINE_SPECIALS = re.compile(r"[\\`*_\[\]<]|~~|&(?=#?\w+;)")
_BLOCK_START = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[#>+=-]|\d+[.)])", re.MULTILINE)

_inline_parser = MarkdownIt("commonmark")


class DocumentError(ValueError):
    """The file cannot become a brief; the message says why, in words a writer understands."""


@dataclass(frozen=True)
class ImportedDocument:
    title: str
    body: str


@dataclass(frozen=True)
class _Block:
    """One block of the body: a heading, a paragraph, a list item, a quote or a table."""

    kind: str
    markdown: str
    plain: str = ""
    level: int = 0
    ordered: bool = False
    is_title: bool = False


def read_document(path: Path) -> ImportedDocument:
    """The title and Markdown body of a .md, .txt or .docx file."""
    if not path.exists():
        raise DocumentError(f"{path}: no such file")
    if path.is_dir():
        raise DocumentError(f"{path} is a directory, not a file")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(
            f"{path.name}: unsupported file type {path.suffix or '(no extension)'!r};"
            " use .md, .txt or .docx"
        )
    return reader(path)


def _read_markdown(path: Path) -> ImportedDocument:
    lines = _read_text(path).split("\n")
    title, title_lines = _markdown_title(lines)
    after_title = max(title_lines) + 1
    if after_title < len(lines) and not lines[after_title].strip():
        title_lines.add(after_title)
    body_lines = [line for number, line in enumerate(lines) if number not in title_lines]
    in_fence = False
    for number, line in enumerate(body_lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            body_lines[number] = _UNICODE_BULLET.sub(r"\g<indent>- ", line)
    return ImportedDocument(title=title, body="\n".join(body_lines).strip("\n"))


def _markdown_title(lines: Sequence[str]) -> tuple[str, set[int]]:
    """The title and the numbers of the lines that held it.

    The first level-one heading wins (ATX `# Title` or a setext `Title` over `===`); without
    one, the first non-empty line, heading markers removed.
    """
    in_fence = False
    first: int | None = None
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or not line.strip():
            continue
        if first is None:
            first = number
        atx = _MARKDOWN_H1.match(line)
        if atx and atx["text"].strip():
            return _markdown_plain(atx["text"]), {number}
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if _SETEXT_H1_UNDERLINE.match(following):
            return _markdown_plain(line), {number, number + 1}
    assert first is not None, "_read_text refuses documents without text"
    heading = _MARKDOWN_ANY_HEADING.match(lines[first])
    return _markdown_plain(heading["text"] if heading else lines[first]), {first}


def _markdown_plain(text: str) -> str:
    """Inline Markdown as the plain text a reader sees: no emphasis markers, link text only."""
    tokens = _inline_parser.parseInline(text.strip())
    children = tokens[0].children if tokens and tokens[0].children else []
    plain = "".join(child.content for child in children if child.type in ("text", "code_inline"))
    return " ".join(plain.split())


def _read_plain_text(path: Path) -> ImportedDocument:
    lines = [line.rstrip() for line in _read_text(path).split("\n")]
    content = [number for number, line in enumerate(lines) if line.strip()]
    first = content[0]
    # Text copied from a web page can open with its category and tag links run together
    # ("FeaturedIraqSanctionsUnited States"); the real title is the next line.
    if len(content) > 1 and len(_GLUED_WORDS.findall(lines[first])) >= 3:
        first = content[1]
    title = " ".join(lines[first].split())
    blocks = list(_plain_text_blocks(lines[first + 1 :]))
    return ImportedDocument(title=title, body=_render(blocks))


def _plain_text_blocks(lines: Sequence[str]) -> Iterator[_Block]:
    groups = _line_groups(lines)
    for index, (blank_before, group) in enumerate(groups):
        following = groups[index + 1][1] if index + 1 < len(groups) else []
        paragraph: list[_Block] = []
        for position, line in enumerate(group):
            after = group[position + 1] if position + 1 < len(group) else None
            block = _plain_text_block(
                line,
                starts_group=position == 0 and blank_before,
                next_in_group=after,
                next_group=following,
            )
            if paragraph and block.kind != paragraph[-1].kind:
                yield _joined(paragraph)
                paragraph = []
            if block.kind in ("paragraph", "quote"):
                paragraph.append(block)
            else:
                yield block
        if paragraph:
            yield _joined(paragraph)


def _joined(lines: Sequence[_Block]) -> _Block:
    """Consecutive lines of prose (or of a quote) are one paragraph, as Markdown reads them."""
    return _Block(
        lines[0].kind,
        "\n".join(line.markdown for line in lines),
        plain=" ".join(line.plain for line in lines),
    )


def _line_groups(lines: Sequence[str]) -> list[tuple[bool, list[str]]]:
    """Runs of non-blank lines, each with whether a blank line came before it."""
    groups: list[tuple[bool, list[str]]] = []
    blank_before = False
    for line in lines:
        if not line.strip():
            blank_before = True
            continue
        if blank_before or not groups:
            groups.append((blank_before, [line]))
        else:
            groups[-1][1].append(line)
        blank_before = False
    return groups


def _plain_text_block(
    line: str, *, starts_group: bool, next_in_group: str | None, next_group: Sequence[str]
) -> _Block:
    """One line of plain text as a block; `next_group` is the run of lines after the next gap."""
    heads = starts_group and _introduces(line, next_in_group, next_group)
    if arrow := _ARROW.match(line):
        text = arrow["text"].strip()
        if heads and _heading_shaped(text):
            return _Block("heading", f"### {_escape(text)}", plain=text, level=3)
        return _Block("item", f"- {_escape(text)}", plain=text)
    if bullet := _BULLET.match(line):
        return _Block("item", f"- {_escape(bullet['text'])}", plain=bullet["text"])
    if numbered := _NUMBERED.match(line):
        text = numbered["text"]
        return _Block("item", f"1. {_escape(text)}", plain=text, ordered=True)
    if quote := _QUOTE.match(line):
        return _Block("quote", f"> {_escape(quote['text'])}", plain=quote["text"])
    text = line.strip()
    if heads and _heading_shaped(text):
        return _Block("heading", f"## {_escape(text)}", plain=text, level=2)
    return _Block("paragraph", _escape(text), plain=text)


def _heading_shaped(text: str) -> bool:
    return (
        len(text) < HEADING_MAX_LENGTH
        and any(character.isalpha() for character in text)
        and not _ends_sentence(text)
        and not (_BULLET.match(text) or _NUMBERED.match(text))
    )


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSING_QUOTES)
    return bool(stripped) and stripped[-1] in _TERMINAL_PUNCTUATION


def _introduces(line: str, next_in_group: str | None, next_group: Sequence[str]) -> bool:
    """Whether a line, if it is heading-shaped, really heads what follows it.

    After a blank line the next block must be a paragraph or a list: a short line followed by
    another short line is a caption ("Nouri Al-Maliki" under a photo) or page furniture, not
    an empty section. Straight after it, the next line must be a list item or a sentence at
    least twice its length, so the first line of hard-wrapped prose is not taken for one.
    """
    if next_in_group is None:
        return bool(next_group) and (
            bool(_ARROW.match(next_group[0])) or not _heading_shaped(next_group[0].strip())
        )
    if _BULLET.match(next_in_group) or _NUMBERED.match(next_in_group):
        return True
    following = next_in_group.strip()
    long_enough = 2 * len(line.strip()) <= len(following)
    return long_enough and (_ends_sentence(following) or len(following) >= HEADING_MAX_LENGTH)


def _read_docx(path: Path) -> ImportedDocument:
    try:
        document = docx.Document(str(path))
    # ValueError: an Office package of another kind, such as a spreadsheet renamed .docx.
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError):
        raise DocumentError(f"{path.name} is not a readable Word (.docx) document") from None
    blocks = list(_docx_blocks(document))
    if not any(block.plain for block in blocks):
        raise DocumentError(f"{path.name} is empty: it has no text")
    title = _docx_title_index(blocks)
    body = _render([block for index, block in enumerate(blocks) if index != title])
    return ImportedDocument(title=blocks[title].plain, body=body)


def _docx_title_index(blocks: Sequence[_Block]) -> int:
    """A Title-style paragraph, else the first Heading 1, else the first paragraph with text."""
    for wanted in (
        lambda block: block.is_title,
        lambda block: block.kind == "heading" and block.level == 1,
        lambda block: bool(block.plain),
    ):
        for index, block in enumerate(blocks):
            if wanted(block):
                return index
    raise AssertionError("_read_docx refuses documents without text")


def _docx_blocks(document: DocxDocument) -> Iterator[_Block]:
    numbering = _numbering(document)
    depth = -1
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            depth = -1
            if table := _docx_table(item):
                yield table
            continue
        markdown = _docx_inline(item)
        plain = " ".join(item.text.split())
        if not plain:
            continue
        style = item.style.name if item.style is not None and item.style.name else ""
        listed = _docx_list(item, style, numbering)
        if listed is None:
            depth = -1
            yield _docx_paragraph_block(style, markdown, plain)
            continue
        ordered, level = listed
        # Markdown cannot skip a nesting level; Word can.
        depth = min(level, depth + 1)
        yield _Block(
            "item",
            f"{'    ' * depth}{'1.' if ordered else '-'} {_hard_breaks(markdown)}",
            plain=plain,
            ordered=ordered,
            level=depth,
        )


def _docx_paragraph_block(style: str, markdown: str, plain: str) -> _Block:
    # A Markdown heading is one line, so a line break inside a Word heading becomes a space.
    one_line = " ".join(markdown.split())
    if style == "Title":
        return _Block("heading", f"## {one_line}", plain=plain, level=1, is_title=True)
    if heading := re.fullmatch(r"Heading (\d)", style):
        level = int(heading[1])
        return _Block("heading", f"{'#' * min(level + 1, 6)} {one_line}", plain=plain, level=level)
    if style in ("Quote", "Intense Quote"):
        return _Block("quote", f"> {_hard_breaks(markdown)}", plain=plain)
    return _Block("paragraph", _hard_breaks(markdown), plain=plain)


def _hard_breaks(markdown: str) -> str:
    """Word's line breaks within a paragraph as Markdown hard breaks (a backslash at line end)."""
    return _escape_block_start(markdown.replace("\n", "\\\n"))


def _numbering(document: DocxDocument) -> BaseOxmlElement | None:
    try:
        return document.part.numbering_part.element
    except NotImplementedError:
        # python-docx raises this when asked for the numbering of a document without lists.
        return None


def _docx_list(
    paragraph: Paragraph, style: str, numbering: BaseOxmlElement | None
) -> tuple[bool, int] | None:
    """(ordered, nesting level) for a list paragraph, None for any other."""
    styled = re.fullmatch(r"List (Bullet|Number)(?: (\d))?", style)
    if styled:
        return styled[1] == "Number", int(styled[2] or 1) - 1
    num_id = paragraph._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")
    if not num_id or int(num_id[0]) == 0:
        return None
    ilvl = paragraph._p.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
    level = int(ilvl[0]) if ilvl else 0
    return _numbering_is_ordered(numbering, int(num_id[0]), level), level


def _numbering_is_ordered(numbering: BaseOxmlElement | None, num_id: int, level: int) -> bool:
    if numbering is None:
        return False
    abstract = numbering.xpath(f"./w:num[@w:numId='{num_id}']/w:abstractNumId/@w:val")
    if not abstract:
        return False
    formats = numbering.xpath(
        f"./w:abstractNum[@w:abstractNumId='{int(abstract[0])}']"
        f"/w:lvl[@w:ilvl='{level}']/w:numFmt/@w:val"
    )
    return bool(formats) and formats[0] not in ("bullet", "none")


def _docx_inline(paragraph: Paragraph) -> str:
    """The paragraph's text as Markdown: bold and italic runs and hyperlinks; breaks as \\n."""
    segments: list[tuple[str, bool, bool, str]] = []
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            segments.append((item.text, False, False, item.url if item.address else ""))
        else:
            segments.append((item.text, _is_bold(item), item.italic is True, ""))
    merged: list[tuple[str, bool, bool, str]] = []
    for text, bold, italic, url in segments:
        if merged and merged[-1][1:] == (bold, italic, url):
            merged[-1] = (merged[-1][0] + text, bold, italic, url)
        else:
            merged.append((text, bold, italic, url))
    return "".join(_inline_segment(*segment) for segment in merged).strip()


def _is_bold(run: Run) -> bool:
    return run.bold is True or (run.style is not None and run.style.name == "Strong")


def _inline_segment(text: str, bold: bool, italic: bool, url: str) -> str:
    text = text.replace("\t", " ")
    if url:
        target = f"<{url}>" if re.search(r"[\s()<>]", url) else url
        return f"[{_escape_inline(text)}]({target})"
    marker = ("**" if bold else "") + ("*" if italic else "")
    core = text.strip()
    if not marker or not core:
        return _escape_inline(text)
    # Emphasis markers must touch the text they wrap, so surrounding spaces go outside them.
    leading = text[: len(text) - len(text.lstrip())]
    trailing = text[len(text.rstrip()) :]
    return f"{leading}{marker}{_escape_inline(core)}{marker}{trailing}"


def _docx_table(table: Table) -> _Block | None:
    rows = [
        [_escape_inline(" ".join(cell.text.split())).replace("|", "\\|") for cell in row.cells]
        for row in table.rows
    ]
    rows = [row for row in rows if any(row)]
    if not rows:
        return None
    width = max(len(row) for row in rows)
    lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
    lines.insert(1, "|" + " --- |" * width)
    return _Block("table", "\n".join(lines))


def _render(blocks: Sequence[_Block]) -> str:
    """Blocks as Markdown: blank lines between blocks, list items of one list kept together."""
    parts: list[str] = []
    previous: _Block | None = None
    for block in blocks:
        together = previous is not None and (
            (block.kind == previous.kind == "item" and block.ordered == previous.ordered)
            or (block.kind == previous.kind == "quote")
        )
        if together:
            separator = "\n>\n" if block.kind == "quote" else "\n"
            parts[-1] += separator + block.markdown
        else:
            parts.append(block.markdown)
        previous = block
    return "\n\n".join(parts)


def _escape(text: str) -> str:
    """Plain text as Markdown that shows exactly that text."""
    return _escape_block_start(_escape_inline(text))


def _escape_inline(text: str) -> str:
    return _INLINE_SPECIALS.sub(lambda match: "\\" + match[0], text)


def _escape_block_start(markdown: str) -> str:
    """Stop a line's first characters from being read as a heading, list, quote or rule."""
    return _BLOCK_START.sub(_escaped_marker, markdown)


def _escaped_marker(match: re.Match[str]) -> str:
    marker = match["marker"]
    # In "2019. A year…" the full stop, not the number, is what makes a list item.
    escaped = f"{marker[:-1]}\\{marker[-1]}" if marker[0].isdigit() else f"\\{marker}"
    return match["indent"] + escaped


def _read_text(path: Path) -> str:
    """The file as text with \\n line endings; UTF-8 only, with or without a byte-order mark."""
    text = file_text_utf8(path, DocumentError)
    if "\x00" in text:
        raise DocumentError(f"{path.name} contains NUL bytes: it is not a text file")
    if not text.strip():
        raise DocumentError(f"{path.name} is empty: it has no text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


_READERS: dict[str, Callable[[Path], ImportedDocument]] = {
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".txt": _read_plain_text,
    ".docx": _read_docx,
}

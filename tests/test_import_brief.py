"""`manage.py import_brief`: .md, .txt and .docx files become draft briefs, bad files nothing."""

import re
from io import StringIO
from pathlib import Path

import docx
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from advisory.accounts.models import User
from advisory.briefs.importers import ImportedDocument, read_document
from advisory.briefs.models import Brief, BriefStatus
from advisory.lib.markdown import render_markdown
from advisory.workflow.models import AuditEvent
from tests.commandline import manage_on_test_database
from tests.factories import UserFactory

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
CREATED = re.compile(r"^Created draft brief (\d+): (\S+)$")


def import_brief(path: Path, *args: str) -> Brief:
    """Run the command; return the brief it reports, after checking the id and admin URL."""
    out = StringIO()
    call_command("import_brief", str(path), *args, stdout=out)
    match = CREATED.match(out.getvalue().strip())
    assert match, out.getvalue()
    brief = Brief.objects.get(pk=int(match[1]))
    assert match[2] == f"{settings.SITE_URL}/admin/briefs/brief/{brief.pk}/change/"
    return brief


def write_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("An Invented Word Brief", level=0)
    document.add_paragraph("The dek of the invented brief.")
    document.add_heading("First Section", level=1)
    paragraph = document.add_paragraph("Plain, ")
    paragraph.add_run("bold").bold = True
    paragraph.add_run(", ")
    paragraph.add_run("italic ").italic = True
    paragraph.add_run("and a ")
    _add_hyperlink(paragraph, "https://example.org/report", "linked report")
    paragraph.add_run(".")
    document.add_paragraph("First point", style="List Bullet")
    document.add_paragraph("A nested point", style="List Bullet 2")
    document.add_paragraph("Second point", style="List Bullet")
    document.add_heading("Second Section", level=2)
    document.add_paragraph("Step one", style="List Number")
    document.add_paragraph("Step two", style="List Number")
    document.add_paragraph("2019. A paragraph that starts like a numbered item.")
    document.save(str(path))
    return path


def _add_hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """python-docx reads hyperlinks but has no call to write one."""
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    run_text = OxmlElement("w:t")
    run_text.text = text
    run.append(run_text)
    link.append(run)
    paragraph._p.append(link)


# Good input


@pytest.mark.django_db
def test_markdown_file_becomes_a_draft_with_its_structure() -> None:
    brief = import_brief(DATA / "brief.md")

    assert brief.title == "Testing the Importer: A Fictional Outlook"
    assert brief.status == BriefStatus.DRAFT
    assert brief.body.startswith("The opening paragraph of an invented brief, with **bold** words.")
    assert "# Testing" not in brief.body
    assert (
        "## Key Judgments\n\n- The first invented judgment.\n- The second invented judgment.\n"
        "- The third, already in Markdown.\n\n## Outlook"
    ) in brief.body
    assert "1. A numbered step.\n2. Another numbered step." in brief.body
    assert "•" not in brief.body and "◦" not in brief.body
    html = render_markdown(brief.body)
    assert html.count("<h2>") == 2
    assert html.count("<li>") == 5
    assert "<strong>bold</strong>" in html
    assert brief.word_count > 0


@pytest.mark.django_db
def test_text_file_with_bom_and_crlf_becomes_markdown() -> None:
    brief = import_brief(DATA / "brief.txt")

    assert brief.title == "A Fictional Brief in Plain Text"
    assert brief.body == (
        "An opening paragraph that sets the scene for the test, written as one line.\n\n"
        "## The Short Heading\n\n"
        "A paragraph under the heading, with enough words to be prose.\n\n"
        "- External Pressure: an invented pressure.\n"
        "- Internal Pressure: another invented pressure.\n\n"
        # A short line followed by another heading is a caption, not an empty section.
        "A Caption Under A Photo\n\n"
        "## The Next Heading\n\n"
        "The final paragraph of the invented brief."
    )


@pytest.mark.django_db
def test_docx_file_keeps_headings_lists_emphasis_and_links(tmp_path: Path) -> None:
    brief = import_brief(write_docx(tmp_path / "brief.docx"))

    assert brief.title == "An Invented Word Brief"
    assert brief.body == (
        "The dek of the invented brief.\n\n"
        "## First Section\n\n"
        "Plain, **bold**, *italic* and a [linked report](https://example.org/report).\n\n"
        "- First point\n"
        "    - A nested point\n"
        "- Second point\n\n"
        "### Second Section\n\n"
        "1. Step one\n"
        "1. Step two\n\n"
        "2019\\. A paragraph that starts like a numbered item."
    )
    html = render_markdown(brief.body)
    assert '<a href="https://example.org/report"' in html
    assert "<ol>" in html and "<ul>" in html
    assert "<p>2019. A paragraph" in html


def test_docx_lists_numbered_directly_on_the_paragraph(tmp_path: Path) -> None:
    """Word often numbers "List Paragraph"s itself instead of using the list styles."""
    document = docx.Document()
    document.add_heading("Numbered Directly", level=1)
    numbering = document.part.numbering_part.element
    # The default template defines both kinds; its numFmt says which is which.
    for format_, text in (("bullet", "A bulleted item"), ("decimal", "A numbered item")):
        num_id = numbering.xpath(
            f"./w:num[w:abstractNumId/@w:val=../w:abstractNum[w:lvl[@w:ilvl='0']"
            f"/w:numFmt/@w:val='{format_}']/@w:abstractNumId]/@w:numId"
        )[0]
        paragraph = document.add_paragraph(text, style="List Paragraph")
        number = OxmlElement("w:numPr")
        for tag, value in (("w:ilvl", "0"), ("w:numId", num_id)):
            element = OxmlElement(tag)
            element.set(qn("w:val"), value)
            number.append(element)
        paragraph._p.get_or_add_pPr().append(number)
    document.save(str(tmp_path / "numbered.docx"))

    imported = read_document(tmp_path / "numbered.docx")

    assert imported.title == "Numbered Directly"
    assert imported.body == "- A bulleted item\n\n1. A numbered item"


def test_docx_title_falls_back_to_heading_then_first_paragraph(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Draft, not for circulation")
    document.add_heading("The Heading One Title", level=1)
    document.add_paragraph("Body text.")
    document.save(str(tmp_path / "heading.docx"))
    assert read_document(tmp_path / "heading.docx").title == "The Heading One Title"

    document = docx.Document()
    document.add_paragraph("Just A First Line")
    document.add_paragraph("Body text.")
    document.save(str(tmp_path / "plain.docx"))
    imported = read_document(tmp_path / "plain.docx")
    assert imported == ImportedDocument(title="Just A First Line", body="Body text.")


@pytest.mark.django_db
def test_author_option_sets_author_and_actor() -> None:
    writer = UserFactory(username="layla")

    brief = import_brief(DATA / "brief.md", "--author", "layla")

    assert list(brief.authors.all()) == [writer]
    assert brief.created_by == writer
    event = AuditEvent.objects.get(verb="brief.created", target_id=str(brief.pk))
    assert event.actor == writer


@pytest.mark.django_db
def test_without_author_the_system_imports_an_unsigned_brief() -> None:
    brief = import_brief(DATA / "brief.md")

    assert not brief.authors.exists()
    assert brief.created_by is None
    assert AuditEvent.objects.get(verb="brief.created", target_id=str(brief.pk)).actor is None


@pytest.mark.django_db
def test_importing_twice_makes_two_drafts_with_distinct_slugs() -> None:
    first = import_brief(DATA / "brief.md")
    second = import_brief(DATA / "brief.md")

    assert first.pk != second.pk
    assert first.slug != second.slug


# Plain-text heuristics


@pytest.mark.parametrize(
    ("text", "body"),
    [
        pytest.param(
            "Title\n\nA heading\n\nA paragraph of prose that follows it.\n",
            "## A heading\n\nA paragraph of prose that follows it.",
            id="heading between blank lines",
        ),
        pytest.param(
            "Title\n\nA heading\nA paragraph of prose straight under it, with no gap.\n",
            "## A heading\n\nA paragraph of prose straight under it, with no gap.",
            id="heading straight above a paragraph",
        ),
        pytest.param(
            "Title\n\nWhere to begin?\n\nProse.\n",
            "Where to begin?\n\nProse.",
            id="question is not a heading",
        ),
        pytest.param(
            "Title\nNot preceded by a blank line\n\nProse.\n",
            "Not preceded by a blank line\n\nProse.",
            id="needs a blank line before",
        ),
        pytest.param(
            "Title\n\nLast line without punctuation\n",
            "Last line without punctuation",
            id="last line heads nothing",
        ),
        pytest.param(
            "Title\n\nThe militias have been increasing their focus on the state\n"
            "economy and its budget.\n",
            "The militias have been increasing their focus on the state\neconomy and its budget.",
            id="hard-wrapped prose stays one paragraph",
        ),
        pytest.param(
            "Title\n\nSection\n\n-> Sub-heading with an arrow\n\nProse under it.\n",
            "## Section\n\n### Sub-heading with an arrow\n\nProse under it.",
            id="arrow marks a sub-heading",
        ),
        pytest.param(
            "Title\n\n* star\n- dash\n▪ square\n1) first\n2. second\n",
            "- star\n- dash\n- square\n\n1. first\n1. second",
            id="bullet and numbered markers",
        ),
        pytest.param(
            "Title\n\nUse *stars*, [brackets] and # signs as they are.\n# not a heading\n",
            "Use \\*stars\\*, \\[brackets\\] and # signs as they are.\n\\# not a heading",
            id="plain text is escaped, not read as Markdown",
        ),
    ],
)
def test_plain_text_structure(tmp_path: Path, text: str, body: str) -> None:
    path = tmp_path / "brief.txt"
    path.write_text(text, encoding="utf-8")

    assert read_document(path).body == body


def test_a_run_of_glued_tags_before_the_title_is_dropped(tmp_path: Path) -> None:
    """Text copied from a web page can open with its tag links run together."""
    path = tmp_path / "brief.txt"
    path.write_text("FeaturedIraqSanctionsUnitedStatesNews\n\nThe Real Title\n\nProse.\n")

    assert read_document(path) == ImportedDocument(title="The Real Title", body="Prose.")


def test_markdown_title_from_first_line_when_there_is_no_level_one_heading(
    tmp_path: Path,
) -> None:
    path = tmp_path / "brief.md"
    path.write_text("## A Second-Level Title\n\nBody with `code`.\n\n```\n# not a title\n```\n")

    imported = read_document(path)

    assert imported.title == "A Second-Level Title"
    assert imported.body == "Body with `code`.\n\n```\n# not a title\n```"


# Bad input: one line, exit 1, nothing created


def _bad_files(tmp_path: Path) -> list[tuple[Path, str]]:
    """Each bad file with what the one-line message must say about it."""
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "blank.txt").write_text(" \n\t\n\u00a0\n")
    (tmp_path / "latin1.txt").write_bytes("Caf\u00e9 au lait\n".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"Title\n\x00\x01\x02")
    (tmp_path / "brief.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "corrupt.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "text.docx").write_text("Plain text pretending to be Word.")
    document = docx.Document()
    document.add_paragraph("   ")
    document.save(str(tmp_path / "blank.docx"))
    (tmp_path / "folder.md").mkdir()
    return [
        (tmp_path / "missing.md", "missing.md: no such file"),
        (tmp_path / "folder.md", "folder.md is a directory, not a file"),
        (tmp_path / "empty.md", "empty.md is empty"),
        (tmp_path / "blank.txt", "blank.txt is empty"),
        (tmp_path / "latin1.txt", "latin1.txt is not UTF-8 text (byte 0xe9 at offset 3)"),
        (tmp_path / "binary.txt", "binary.txt contains NUL bytes"),
        (tmp_path / "brief.pdf", "brief.pdf: unsupported file type '.pdf'"),
        (tmp_path / "corrupt.docx", "corrupt.docx is not a readable Word (.docx) document"),
        (tmp_path / "text.docx", "text.docx is not a readable Word (.docx) document"),
        (tmp_path / "blank.docx", "blank.docx is empty"),
    ]


@pytest.mark.django_db
def test_bad_files_are_refused_with_a_message_and_nothing_is_created(tmp_path: Path) -> None:
    for path, expected in _bad_files(tmp_path):
        with pytest.raises(CommandError) as raised:
            call_command("import_brief", str(path), stdout=StringIO())
        message = str(raised.value)
        assert expected in message, (path, message)
        assert "\n" not in message
    assert not Brief.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_unknown_author_is_refused_and_nothing_is_created() -> None:
    with pytest.raises(CommandError, match="no user with username 'ghost'"):
        call_command("import_brief", str(DATA / "brief.md"), "--author", "ghost")
    assert not Brief.objects.exists()


@pytest.mark.django_db
def test_a_title_too_long_for_a_brief_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("word " * 80 + "\n\nBody.\n")

    with pytest.raises(CommandError, match="title: Ensure this value has at most 255"):
        call_command("import_brief", str(path))
    assert not Brief.objects.exists()


# The real command line


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_command_line_prints_id_and_url_and_fails_in_one_line(tmp_path: Path) -> None:
    UserFactory(username="cli-writer")

    good = manage_on_test_database(
        "import_brief", str(DATA / "brief.txt"), "--author", "cli-writer"
    )

    assert good.returncode == 0, good.stderr
    match = CREATED.match(good.stdout.strip())
    assert match, good.stdout
    brief = Brief.objects.get(pk=int(match[1]))
    assert brief.title == "A Fictional Brief in Plain Text"
    assert list(brief.authors.values_list("username", flat=True)) == ["cli-writer"]
    assert match[2].endswith(f"/admin/briefs/brief/{brief.pk}/change/")

    for args in (
        ("import_brief", str(tmp_path / "missing.txt")),
        ("import_brief", str(DATA / "brief.md"), "--author", "ghost"),
    ):
        bad = manage_on_test_database(*args)
        assert bad.returncode == 1
        assert bad.stdout == ""
        assert len(bad.stderr.splitlines()) == 1, bad.stderr
        assert bad.stderr.startswith("CommandError: ")
    assert Brief.objects.count() == 1
    assert User.objects.count() == 1


# The desk's two sample briefs (kept outside the repository)


@pytest.mark.skipif(not SEEDS.exists(), reason="the sample briefs in ../shared/seeds are absent")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "title_line", "min_headings", "min_bullets", "min_subheadings"),
    [
        # This one opens with its tag links glued into one line; the title is the next line.
        ("sample-brief-foreign-militias.txt", 1, 3, 0, 0),
        ("sample-brief-iran-crisis-iamgs.txt", 0, 4, 2, 3),
    ],
)
def test_sample_briefs_import_with_title_headings_and_bullets(
    name: str, title_line: int, min_headings: int, min_bullets: int, min_subheadings: int
) -> None:
    source = (SEEDS / name).read_text(encoding="utf-8-sig")
    lines = [line.strip() for line in source.splitlines() if line.strip()]

    brief = import_brief(SEEDS / name)

    assert brief.title == lines[title_line]
    body_lines = brief.body.split("\n")
    assert brief.title not in body_lines
    headings = [line for line in body_lines if line.startswith("## ")]
    subheadings = [line for line in body_lines if line.startswith("### ")]
    bullets = [line for line in body_lines if line.startswith("- ")]
    assert len(headings) >= min_headings
    assert len(subheadings) >= min_subheadings
    assert len(bullets) >= min_bullets
    # Every heading is a short line of the source, never a sentence of prose.
    for heading in headings + subheadings:
        text = heading.lstrip("#").strip()
        assert len(text) < 80
        assert any(line.endswith(text) for line in lines), heading
    for line in source.splitlines():
        if line.strip().startswith("•"):
            assert f"- {line.strip()[1:].strip()}" in body_lines
    assert "•" not in brief.body
    html = render_markdown(brief.body)
    assert html.count("<h2>") == len(headings)
    assert html.count("<li>") == len(bullets)

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import BaseRenderer
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from advisory.briefs.selectors import BriefLinks

# (action, visible label, accessible name, keyboard shortcut); markdown-editor.js knows the
# actions. Each name starts with its visible label, so a speech user can say what they see.
TOOLBAR: tuple[tuple[str, str, str, str], ...] = (
    ("heading", "H", "Heading", ""),
    ("bold", "B", "Bold", "Control+B"),
    ("italic", "I", "Italic", "Control+I"),
    ("link", "Link", "Link", "Control+K"),
    ("bullets", "• List", "List, bulleted", ""),
    ("numbers", "1. List", "List, numbered", ""),
    ("quote", "Quote", "Quote", ""),
    ("footnote", "Footnote", "Footnote", ""),
    ("figure", "Figure", "Figure with caption", ""),
)


class MarkdownEditor(forms.Textarea):
    """A Markdown textarea with a formatting toolbar and a live preview beside it.

    The server renders the preview, through the pipeline clients' pages use, so what the writer
    sees is what the reader will get. Without JavaScript it is a plain textarea: the toolbar
    and the preview stay hidden until markdown-editor.js wires them up.
    """

    class Media:
        css = {"all": ("advisory/brief.css", "advisory/admin/markdown-editor.css")}
        js = ("advisory/admin/markdown-editor.js",)

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        *,
        preview_url: str,
        brief_id: int | None = None,
    ) -> None:
        super().__init__(attrs={"rows": 24, "class": "md-editor__input", **(attrs or {})})
        self.preview_url = preview_url
        self.brief_id = brief_id

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        textarea = super().render(name, value, attrs, renderer)
        field_id = (attrs or {}).get("id") or f"id_{name}"
        buttons = format_html_join(
            "",
            '<button type="button" class="md-editor__button" data-md-action="{}"'
            ' aria-label="{}" title="{}"{}>{}</button>',
            (
                (
                    action,
                    spoken,
                    f"{spoken} ({shortcut.replace('Control', 'Ctrl')})" if shortcut else spoken,
                    format_html(' aria-keyshortcuts="{}"', shortcut) if shortcut else "",
                    label,
                )
                for action, label, spoken, shortcut in TOOLBAR
            ),
        )
        return format_html(
            '<div class="md-editor" data-preview-url="{url}" data-brief-id="{brief}">'
            '<div class="md-editor__write">'
            '<div class="md-editor__toolbar" role="toolbar" aria-label="Formatting"'
            ' aria-controls="{id}" hidden>{buttons}</div>'
            "{textarea}</div>"
            '<section class="md-editor__preview" aria-labelledby="{id}_preview_heading" hidden>'
            '<h2 class="md-editor__preview-heading" id="{id}_preview_heading">'
            "Preview as clients will see it</h2>"
            '<p class="md-editor__status" id="{id}_preview_status" role="status"></p>'
            '<div class="md-editor__preview-body" id="{id}_preview"></div>'
            "</section></div>",
            url=self.preview_url,
            brief=self.brief_id or "",
            id=field_id,
            buttons=buttons,
            textarea=textarea,
        )


CONFIRM = "confirm"
REJECT = "reject"


class EntityLinksWidget(forms.Widget):
    """The entities the brief's saved text names, each with where it stands and, for a
    suggested or offered link, a choice to confirm or reject it when the brief is saved.

    Works without JavaScript: the choices are radio buttons of the brief's own form, so
    deciding never leaves the page or loses what is being written.
    """

    report: BriefLinks | None = None

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        if self.report is None:
            return {}
        return {
            row.entity_id: data.get(f"{name}-{row.entity_id}", "") for row in self.report.decidable
        }

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        return render_to_string(
            "admin/briefs/brief/_entity_links.html",
            {"report": self.report, "decide": True, "name": name},
        )


class EntityLinksField(forms.Field):
    """The writer's decisions on the linker's suggestions: entity id → confirm or reject."""

    widget = EntityLinksWidget

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, label="Entity links", **kwargs)

    def clean(self, value: Any) -> dict[int, str]:
        decisions: dict[int, str] = {}
        for entity_id, decision in (value or {}).items():
            if decision not in ("", CONFIRM, REJECT):
                raise ValidationError("Choose to confirm or reject the link, or leave it.")
            if decision:
                decisions[int(entity_id)] = decision
        return decisions

    def has_changed(self, initial: Any, data: Any) -> bool:
        return any((data or {}).values())

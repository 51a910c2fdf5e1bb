from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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

"""The browsable API as DRF draws it, under our Content-Security-Policy."""

from typing import Any

from rest_framework.renderers import BrowsableAPIRenderer


class PolicyBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable API without the inline <style> of Pygments' colours for code blocks in
    descriptions, which the policy (no inline styles) refuses and the browser reports on every
    page; code blocks keep Bootstrap's own look."""

    def get_context(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(*args, **kwargs)
        context["code_style"] = ""
        return context

"""The Content-Security-Policy exceptions a page may need (the policy is in settings)."""

from collections.abc import Callable
from typing import Any, TypeVar, cast

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update

View = TypeVar("View", bound=Callable[..., Any])


def email_preview_styles(view: View) -> View:
    """An email's HTML carries its styles inline (mail clients read nothing else), and the
    sandboxed iframe that previews it lives under the policy of the page around it: allow
    inline styles, never scripts, on the pages that show one."""
    return cast(View, csp_update({"style-src": [UNSAFE_INLINE]})(view))

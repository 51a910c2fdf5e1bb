"""Template tags of the portal's pages."""

from collections.abc import Callable
from urllib.parse import quote

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def _once(context: template.Context, name: str, make: Callable[[], str]) -> str:
    """A value the tag needs on every call, worked out once per page rendered."""
    kept: str | None = context.render_context.get(name)
    if kept is None:
        kept = context.render_context[name] = make()
    return kept


def _login_url() -> str:
    try:
        return reverse("accounts:login")
    except NoReverseMatch:
        return reverse("admin:login")


@register.simple_tag(takes_context=True)
def follow_button(
    context: template.Context, kind: str, slug: str, name: str, following: bool
) -> SafeString:
    """A follow or unfollow button for an entity, a tag or a region: a POST form, so it works
    without JavaScript. A visitor gets a link to sign in and come back instead: no form, so no
    CSRF token, and the page stays the same for every visitor (see portal.views.kept_page).

    A tag rather than an included template: a brief's page shows one for each entity, topic
    and region it covers, and an include costs as much as a small page.
    """
    request = context["request"]
    here = _once(context, "follow_button:here", request.get_full_path)
    if not context["user"].is_authenticated:
        login_url = _once(context, "follow_button:login", _login_url)
        return format_html(
            '<a class="button button--small follow-form" href="{}?next={}">Follow'
            '<span class="visually-hidden"> {} (sign in first)</span></a>',
            login_url,
            quote(here, safe="/"),
            name,
        )
    action = _once(context, "follow_button:action", lambda: reverse("portal:follow"))
    if following:
        button = format_html(
            '<input type="hidden" name="action" value="unfollow">\n'
            '<button type="submit" class="button button--secondary button--small">'
            '<span aria-hidden="true">✓ </span>Following'
            '<span class="visually-hidden"> {}: stop following</span></button>',
            name,
        )
    else:
        button = format_html(
            '<input type="hidden" name="action" value="follow">\n'
            '<button type="submit" class="button button--small">Follow'
            '<span class="visually-hidden"> {}</span></button>',
            name,
        )
    return format_html(
        '<form method="post" action="{}" class="follow-form">\n'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">\n'
        '<input type="hidden" name="kind" value="{}">\n'
        '<input type="hidden" name="slug" value="{}">\n'
        '<input type="hidden" name="next" value="{}">\n{}\n</form>',
        action,
        str(context.get("csrf_token", "")),
        kind,
        slug,
        here,
        button,
    )

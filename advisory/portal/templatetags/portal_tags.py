"""Template tags of the portal's pages."""

import datetime
from collections.abc import Callable
from urllib.parse import quote

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.dateformat import format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from advisory.briefs.models import Publication

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


_LOCK_ICON = (
    '<svg class="lock__icon" aria-hidden="true" focusable="false" viewBox="0 0 16 16" width="14"'
    ' height="14"><path fill="currentColor" d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1Zm2 0h4V5a2 2 0 1 0'
    '-4 0v2Z"/></svg>'
)
_SEPARATOR = '<span class="meta__sep" aria-hidden="true">·</span>'


def _day(moment: datetime.datetime) -> tuple[str, str]:
    """A date as the teaser's `<time>` shows it: ISO 8601 for machines, "6 December 2026"."""
    local = localtime(moment)
    return conditional_escape(local.isoformat()), conditional_escape(format(local, "j F Y"))


@register.simple_tag(takes_context=True)
def teaser(context: template.Context, publication: Publication, level: int = 2) -> SafeString:
    """One brief in a listing: only the teaser (kind, regions, title, summary, dates), whatever
    the reader may read; a lock marks what they may not. `publication` comes from a listing
    selector (annotated `readable`, regions prefetched); `level` is the heading's.

    A tag rather than an included template: a listing shows twenty, and a brief list's first
    visit spent most of its time rendering them. `tests/test_portal_pages.py` holds it to the
    template it replaced, character for character.
    """
    brief_url = _once(
        context, "teaser:brief-url", lambda: reverse("portal:brief-detail", args=["-slug-"])
    )
    readable = publication.readable  # type: ignore[attr-defined]
    places = publication.regions.all()
    regions = ""
    if places:
        names = ", ".join(conditional_escape(region.name) for region in places)
        regions = (
            '<span class="visually-hidden">, about</span> '
            f'<span class="teaser__regions">{names}</span>'
        )
    summary = (
        f'<p class="teaser__summary">{conditional_escape(publication.summary)}</p>'
        if publication.summary
        else ""
    )
    published, published_day = _day(publication.published_at)
    updated = ""
    if publication.updated_at:
        machine, day = _day(publication.updated_at)
        updated = f'{_SEPARATOR} Updated <time datetime="{machine}">{day}</time>'
    subject = ""
    if getattr(publication, "role", None) == "subject":
        subject = f'{_SEPARATOR} <span class="badge">Main subject</span>'
    lock = ""
    if not readable:
        signed_in = getattr(context.get("user"), "is_authenticated", False)
        refusal = "Not in your subscription" if signed_in else "Subscribers only"
        lock = f'{_SEPARATOR} <span class="lock">{_LOCK_ICON}{refusal}</span>'
    kind = conditional_escape(publication.get_kind_display())
    heading = f"h{int(level or 2)}"
    url = conditional_escape(brief_url.replace("-slug-", publication.slug))
    title = conditional_escape(publication.title)
    # Every value put in above is escaped.
    return mark_safe(
        "\n"
        f'<article class="teaser{"" if readable else " teaser--locked"}">\n'
        '  <p class="teaser__kicker">\n'
        f'    <span class="teaser__kind">{kind}</span>{regions}\n'
        "  </p>\n"
        f'  <{heading} class="teaser__title"><a href="{url}">{title}</a></{heading}>\n'
        f"  {summary}\n"
        '  <p class="meta">\n'
        f'    <time datetime="{published}">{published_day}</time>\n'
        f"    {updated}\n"
        f"    {subject}\n"
        f"    {lock}\n"
        "  </p>\n"
        "</article>\n"
    )

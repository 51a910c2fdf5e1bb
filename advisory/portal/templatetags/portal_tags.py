"""Template tags of the portal's pages."""

import datetime
import functools
import itertools
from collections.abc import Callable, Sequence
from urllib.parse import quote

from django import template
from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.core.files.storage import Storage, storages
from django.template.base import FilterExpression
from django.template.defaulttags import url as url_tag
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.dateformat import format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import get_language

from advisory.briefs.models import Publication
from advisory.portal.selectors import FollowItem

register = template.Library()


def _once(context: template.Context, name: str, make: Callable[[], str]) -> str:
    """A value the tag needs on every call, worked out once per page rendered."""
    kept: str | None = context.render_context.get(name)
    if kept is None:
        kept = context.render_context[name] = make()
    return kept


# --- The addresses every page shows ------------------------------------------------------------
#
# `base.html` names a dozen addresses and static files on every page, and looking them up took
# over two thirds of the time the base template took to render: the tags below keep each per
# process, by all that `{% url %}` and `{% static %}` read to make it, and so do the portal's
# tags for the addresses they share (`_kept_reverse`). `tests/test_portal_pages.py` holds
# `base.html` to what it wrote with Django's tags, character for character.


@functools.lru_cache(maxsize=256)
def _reversed(
    view_name: str, args: tuple[str, ...], current_app: str | None, made_with: tuple[object, ...]
) -> str:
    """`reverse(view_name, args)`, kept by the rest of what it depends on and reads itself
    (`made_with`, from `_made_with`)."""
    return reverse(view_name, args=args, current_app=current_app)


def _made_with() -> tuple[object, ...]:
    """The URLconf's resolver (a new one when the URLs change), the script prefix and the
    language."""
    return (get_resolver(get_urlconf()), get_script_prefix(), get_language())


def _kept_reverse(view_name: str, *args: str) -> str:
    """`reverse(view_name, args=args)`, for addresses the same on every page."""
    return _reversed(view_name, args, None, _made_with())


class _KeptURLNode(template.Node):
    def __init__(self, view_name: FilterExpression, asvar: str | None) -> None:
        self.view_name = view_name
        self.asvar = asvar

    def render(self, context: template.Context) -> str:
        # What `URLNode.render` does, reversing through `_reversed`.
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app  # type: ignore[attr-defined]
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = _reversed(view_name, (), current_app, _made_with())
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def kept_url(parser: template.base.Parser, token: template.base.Token) -> _KeptURLNode:
    """`{% url %}` for an address without arguments, `as` a variable or not, as `{% url %}`
    writes it but reversed once per process (`_reversed`)."""
    node = url_tag(parser, token)
    if node.args or node.kwargs:
        raise template.TemplateSyntaxError("kept_url takes the name of an address only.")
    return _KeptURLNode(node.view_name, node.asvar)


@functools.lru_cache(maxsize=256)
def _static_url(storage: Storage, debug: bool, path: str) -> str:
    """The static file's address as the storage gives it: a storage is made anew when its
    settings change, and a manifest's reads `DEBUG` on every call."""
    return storage.url(path)


@register.simple_tag
def kept_static(path: str) -> str:
    """`{% static %}` (with `django.contrib.staticfiles`), kept per process (`_static_url`)."""
    return _static_url(storages[STATICFILES_STORAGE_ALIAS], settings.DEBUG, path)


# --- Following ---------------------------------------------------------------------------------


def _login_url() -> str:
    try:
        return _kept_reverse("accounts:login")
    except NoReverseMatch:
        return _kept_reverse("admin:login")


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
    return _follow_form(
        context,
        conditional_escape(kind),
        conditional_escape(slug),
        conditional_escape(name),
        following,
    )


def _follow_form(
    context: template.Context, kind: str, slug: str, name: str, following: bool
) -> SafeString:
    """`follow_button`'s markup, from its values already escaped; what every button of a page
    shares (the addresses, the CSRF token) is escaped once per page."""
    if not context["user"].is_authenticated:
        sign_in = _once(context, "follow_button:sign-in", lambda: _sign_in_href(context))
        # Every value put in is escaped.
        return mark_safe(
            f'<a class="button button--small follow-form" href="{sign_in}">Follow'
            f'<span class="visually-hidden"> {name} (sign in first)</span></a>'
        )
    if following:
        button = (
            '<input type="hidden" name="action" value="unfollow">\n'
            '<button type="submit" class="button button--secondary button--small">'
            '<span aria-hidden="true">✓ </span>Following'
            f'<span class="visually-hidden"> {name}: stop following</span></button>'
        )
    else:
        button = (
            '<input type="hidden" name="action" value="follow">\n'
            '<button type="submit" class="button button--small">Follow'
            f'<span class="visually-hidden"> {name}</span></button>'
        )
    form = _once(context, "follow_button:form", lambda: _form_head(context))
    here = _once(context, "follow_button:next", lambda: _here(context))
    # Every value put in is escaped.
    return mark_safe(
        f"{form}"
        f'<input type="hidden" name="kind" value="{kind}">\n'
        f'<input type="hidden" name="slug" value="{slug}">\n'
        f'<input type="hidden" name="next" value="{here}">\n{button}\n</form>'
    )


def _here(context: template.Context) -> str:
    return conditional_escape(context["request"].get_full_path())


def _sign_in_href(context: template.Context) -> str:
    here = quote(context["request"].get_full_path(), safe="/")
    return f"{conditional_escape(_login_url())}?next={conditional_escape(here)}"


def _form_head(context: template.Context) -> str:
    action = conditional_escape(_kept_reverse("portal:follow"))
    token = conditional_escape(str(context.get("csrf_token", "")))
    return (
        f'<form method="post" action="{action}" class="follow-form">\n'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">\n'
    )


@register.simple_tag(takes_context=True)
def follow_panel(context: template.Context, items: Sequence[FollowItem]) -> SafeString:
    """A readable brief's panel of what it covers, grouped as `brief_page` orders them
    (actors and places, topics, regions), each with its follow button; nothing if it covers
    nothing.

    A tag rather than template code: a brief covers a dozen things on average, and the
    template's regroup and loops around a `follow_button` each took over a third of the time
    the page took to render. `tests/test_portal_pages.py` holds it to the template it replaced,
    character for character.
    """
    if not items:
        return SafeString("")
    parts = [
        "\n"
        '  <section class="follow-panel" aria-labelledby="follow-title">\n'
        '    <h2 id="follow-title">Follow what this brief covers</h2>\n'
        '    <p class="follow-panel__hint">New briefs about what you follow appear on your home'
        " page and in your digests.</p>\n"
        "    \n"
        "    "
    ]
    for number, (group, members) in enumerate(
        itertools.groupby(items, key=lambda item: item.group), start=1
    ):
        parts.append(
            "\n"
            f'    <h3 class="follow-panel__group" id="follow-group-{number}">'
            f"{conditional_escape(group)}</h3>\n"
            f'    <ul class="follow-list" aria-labelledby="follow-group-{number}">\n'
            "      "
        )
        for item in members:
            kind = ""
            if item.kind == "entity":
                kind = f' <span class="follow-list__kind">{conditional_escape(item.label)}</span>'
            name = conditional_escape(item.name)
            button = _follow_form(
                context,
                conditional_escape(item.kind),
                conditional_escape(item.slug),
                name,
                item.following,
            )
            url = conditional_escape(item.url)
            parts.append(
                "\n"
                f'      <li><span class="follow-list__name"><a href="{url}">'
                f"{name}</a>{kind}</span>\n"
                f"        {button}</li>\n"
                "      "
            )
        parts.append("\n    </ul>\n    ")
    parts.append("\n  </section>\n  ")
    # Every value put in above is escaped.
    return mark_safe("".join(parts))


_LOCK_ICON = (
    '<svg class="lock__icon" aria-hidden="true" focusable="false" viewBox="0 0 16 16" width="14"'
    ' height="14"><path fill="currentColor" d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1Zm2 0h4V5a2 2 0 1 0'
    '-4 0v2Z"/></svg>'
)
_SEPARATOR = '<span class="meta__sep" aria-hidden="true">·</span>'


def _day(moment: datetime.datetime) -> tuple[str, str]:
    """A date as the teaser's `<time>` shows it: ISO 8601 for machines, "6 December 2026"."""
    local = localtime(moment)
    return conditional_escape(local.isoformat()), _day_named(local.date(), get_language())


@functools.lru_cache(maxsize=1024)
def _day_named(day: datetime.date, language: str | None) -> str:
    """ "6 December 2026" in that language, escaped: formatting it took as long as the rest of
    a teaser, and a page's briefs share a few days."""
    return conditional_escape(format(day, "j F Y"))


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
        context, "teaser:brief-url", lambda: _kept_reverse("portal:brief-detail", "-slug-")
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


@register.simple_tag(takes_context=True)
def related_briefs(context: template.Context, related: Sequence[Publication]) -> SafeString:
    """A readable brief's section of related briefs, each a compact teaser (kind, title,
    date, and a lock on what the reader may not read); nothing if there are none. `related`
    comes from `publications_related` (annotated `readable`).

    A tag rather than template code: its five teasers, each reversing a URL and formatting a
    date twice, took over a third of the time the page took to render; the tag reverses the
    URL once. `tests/test_portal_pages.py` holds it to the template it replaced, character for
    character.
    """
    if not related:
        return SafeString("")
    brief_url = _kept_reverse("portal:brief-detail", "-slug-")
    signed_in = getattr(context.get("user"), "is_authenticated", False)
    refusal = "Not in your subscription" if signed_in else "Subscribers only"
    lock = f'{_SEPARATOR} <span class="lock">{refusal}</span>'
    items = []
    for publication in related:
        machine, day = _day(publication.published_at)
        url = conditional_escape(brief_url.replace("-slug-", publication.slug))
        items.append(
            "\n"
            "      <li>\n"
            '        <article class="teaser">\n'
            '          <p class="teaser__kicker">'
            f"{conditional_escape(publication.get_kind_display())}</p>\n"
            f'          <h3 class="teaser__title"><a href="{url}">'
            f"{conditional_escape(publication.title)}</a></h3>\n"
            f'          <p class="meta"><time datetime="{machine}">{day}</time>'
            f"{'' if publication.readable else lock}</p>\n"  # type: ignore[attr-defined]
            "        </article>\n"
            "      </li>\n"
            "      "
        )
    # Every value put in above is escaped.
    return mark_safe(
        "\n"
        '  <section class="related" aria-labelledby="related-title">\n'
        '    <h2 id="related-title">Related briefs</h2>\n'
        '    <ol class="brief-list brief-list--compact">\n'
        f"      {''.join(items)}\n"
        "    </ol>\n"
        "  </section>\n"
        "  "
    )

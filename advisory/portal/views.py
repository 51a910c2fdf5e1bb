"""The portal's reading pages. Each asks a selector in advisory.portal.selectors, which starts
from `publications_for`, and renders what comes back. The pages vary with the reader, so none
may be kept by a shared cache outside the application; inside it, what visitors who are not
signed in are shown is the same for all of them, and kept a short while; a signed-in
reader's page is kept for them alone, under all it shows of them (`kept_page`)."""

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from advisory.accounts.models import User
from advisory.accounts.selectors import entitlement_of
from advisory.accounts.services import follow_add, follow_remove
from advisory.briefs.models import Publication
from advisory.briefs.publication import publications_version, publications_version_with
from advisory.briefs.selectors import brief_reading, preview_link_resolve
from advisory.briefs.services import preview_link_used
from advisory.portal import selectors
from advisory.portal.forms import BriefFilterForm, FollowForm
from advisory.portal.selectors import readable_key

PAGE_SIZE = 20

private_page = cache_control(private=True)

# How long a visitor may be shown a page made for another visitor. Publishing, updating,
# retracting or archiving any brief starts the cache afresh at once (`publications_version`);
# this bounds only how late other edits (an entity's profile, a region's name) show.
VISITOR_PAGE_SECONDS = 60

View = Callable[..., HttpResponse]

# How long a signed-in reader may be shown the page made for them a moment before. Everything
# the page shows of the reader is in its key (`_reader_page_key`), so this bounds only the same
# edits as VISITOR_PAGE_SECONDS.
READER_PAGE_SECONDS = 60

# A kept page's CSRF tokens are replaced by this and filled in with the requester's own token
# each time it is served: a token belongs to one browser's CSRF cookie, not to the reader.
_CSRF_PLACEHOLDER = b"__kept-page-csrf-token__"
_CSRF_TOKEN_IN_FORM = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}(")')


def _reader_page_key(request: HttpRequest) -> str:
    """Everything a signed-in reader's page depends on beside its address and what is
    published (the publications' version, kept with the page): what the reader may read (and
    why not, when they may not), what they follow, and the reader as the page header names
    them. Any change to one of these is a new key at once."""
    user = request.user
    entitlement = entitlement_of(user)
    organisation = entitlement.organisation
    reader = (
        user.pk,
        getattr(user, "byline", ""),
        user.is_staff,
        user.is_superuser,
        organisation.pk if organisation is not None else None,
        entitlement.refusal,
    )
    parts = (
        readable_key(entitlement),
        selectors.follow_targets_of(user).version,
        reader,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def kept_page(view: View) -> View:
    """Serve a page made a moment ago for the same viewer, if nothing it shows has changed.

    Everyone not signed in has the same entitlement, so visitors are shown the same page,
    unless it carries something of their own: a message for them, or a CSRF token (a page that
    put one in a form is never kept for visitors). A signed-in reader gets a page kept for
    them alone, keyed by all it shows of them (`_reader_page_key`); its CSRF tokens are the
    requester's own, put in as it is served. A page carrying a message, or setting a cookie,
    is never kept or served from the cache.

    A page is kept with the publications' version it was made under (read before anything it
    shows), and served only while that is still the version: the two are read in one round
    trip to the cache.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method != "GET" or messages.get_messages(request):
            return view(request, *args, **kwargs)
        signed_in = request.user.is_authenticated
        # The whole address: the print view names the host it was read on.
        address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        if signed_in:
            key = f"portal:reader-page:{_reader_page_key(request)}:{address}"
        else:
            key = f"portal:visitor-page:{address}"
        version, kept = publications_version_with(key)
        if kept is not None and kept[0] == version:
            _, content, content_type = kept
            if signed_in and _CSRF_PLACEHOLDER in content:
                content = content.replace(_CSRF_PLACEHOLDER, get_token(request).encode())
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        if signed_in:
            content = _CSRF_TOKEN_IN_FORM.sub(rb"\1" + _CSRF_PLACEHOLDER + rb"\2", response.content)
            cache.set(key, (version, content, response["Content-Type"]), READER_PAGE_SECONDS)
        elif not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            kept = (version, response.content, response["Content-Type"])
            cache.set(key, kept, VISITOR_PAGE_SECONDS)
        return response

    return wrapper


def _listing(request: HttpRequest, queryset: QuerySet[Publication]) -> dict[str, object]:
    """One page of a listing, and the page numbers to offer around it.

    A page number out of range or not a number gives the nearest real page, not an error.
    """
    page: Page[Publication] = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return {"page": page, "page_numbers": list(numbers), "listing_key": _listing_key(request)}


def _listing_key(request: HttpRequest) -> str:
    """What a page of teasers is rendered from, for the template to keep it by.

    The same address read by readers entitled alike lists the same briefs, locked alike
    (a lock reads differently for a visitor); any brief's change renews the version. The
    page's rows are read only if the rendering is not kept, so a kept one saves their queries.
    """
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    readable = readable_key(entitlement_of(request.user))
    signed_in = int(request.user.is_authenticated)
    return f"{publications_version()}:{readable}:{signed_in}:{address}"


@require_safe
@private_page
@kept_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"home": selectors.home_page(request.user)})


@require_safe
@private_page
@kept_page
def brief_list(request: HttpRequest) -> HttpResponse:
    form = BriefFilterForm(
        request.GET or None, regions=selectors.regions_listed(), tags=selectors.tags_listed()
    )
    filters = form.filters()
    # The form's rendering, errors included, follows from what was asked and the choices.
    asked = json.dumps([request.GET.getlist(name) for name in form.fields]).encode()
    context = {
        "form": form,
        "form_rendering_key": f"{publications_version()}:{hashlib.sha256(asked).hexdigest()}",
        "filters": filters,
        **_listing(request, selectors.publications_filtered(request.user, filters)),
    }
    return render(request, "portal/brief_list.html", context)


def _brief_context(request: HttpRequest, slug: str) -> dict[str, object]:
    page = selectors.brief_page(request.user, slug)
    if page is None:
        raise Http404("No brief is published at this address.")
    return {"page": page, "refusal": entitlement_of(request.user).refusal}


@require_safe
@private_page
@kept_page
def brief_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "portal/brief_detail.html", _brief_context(request, slug))


@require_safe
@private_page
@kept_page
def brief_print(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "portal/brief_print.html", _brief_context(request, slug))


@require_safe
@private_page
@kept_page
def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = selectors.entity_page(request.user, slug)
    if page is None:
        raise Http404("No actor or place is recorded at this address.")
    return render(request, "portal/entity_detail.html", {"page": page})


@require_safe
@private_page
@kept_page
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = selectors.tag_for_slug(slug)
    if tag is None:
        raise Http404("No topic is recorded at this address.")
    context = {
        "tag": tag,
        **_listing(request, selectors.publications_tagged(request.user, tag)),
        "following": tag.pk in selectors.follow_targets_of(request.user).tag_ids,
    }
    return render(request, "portal/tag_detail.html", context)


@require_safe
@private_page
@kept_page
def region_detail(request: HttpRequest, slug: str) -> HttpResponse:
    region = selectors.region_for_slug(slug)
    if region is None:
        raise Http404("No region or country is recorded at this address.")
    context = {
        "region": region,
        **_listing(request, selectors.publications_in_region(request.user, region)),
        "following": region.pk in selectors.follow_targets_of(request.user).region_ids,
    }
    return render(request, "portal/region_detail.html", context)


def _safe_next(request: HttpRequest, url: str) -> str:
    """Where to go back to: a page of this site, or the list of what the reader follows."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("portal:following")


@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next", ""))
    if not isinstance(request.user, User):
        return redirect_to_login(next_url)
    form = FollowForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/follow_refused.html", {"form": form}, status=400)
    target = form.cleaned_data["target"]
    if form.cleaned_data["action"] == "follow":
        follow_add(actor=request.user, target=target)
        messages.success(request, f"You now follow {target}.")
    else:
        follow_remove(actor=request.user, target=target)
        messages.success(request, f"You no longer follow {target}.")
    return redirect(next_url)


@require_safe
@private_page
def following(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(
        request, "portal/following.html", {"follows": selectors.follows_listed(request.user)}
    )


def preview_link(request: HttpRequest, token: str) -> HttpResponse:
    """A brief shown through an editor's expiring, revocable preview link: read-only."""
    link = preview_link_resolve(token)
    if link is None:
        response = render(request, "portal/preview_link_gone.html", status=404)
    else:
        preview_link_used(link=link)
        context = {"brief": brief_reading(link.brief), "link": link}
        response = render(request, "portal/preview_link.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token is the credential: never pass the URL on to sites the brief links to.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response

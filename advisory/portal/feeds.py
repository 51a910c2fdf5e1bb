"""Atom feeds of the latest briefs (all, per region, per topic, per entity) and the page that
lists a reader's feed URLs.

Without a token a feed is a visitor's: public briefs in full, the others as teasers (title,
summary, link to the teaser page) so that feeds still tell the public what the desk covers.
With `?token=` it is that reader's, whoever fetches it (feed readers carry no session): the
briefs the reader may read carry their full text. A wrong or reset token is a 404, never a
silently public feed.
"""

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from xml.sax.xmlreader import AttributesImpl

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_POST
from taggit.models import Tag

from advisory.accounts.models import AccessTier, Follow, User
from advisory.accounts.selectors import feed_token_of, feed_user_for_token, follows_of
from advisory.accounts.services import feed_key_reset, feed_key_used
from advisory.briefs.models import Publication
from advisory.entities.models import Entity, Region
from advisory.portal.feed_selectors import (
    FeedSubject,
    feed_key_last_used_at,
    feed_publications,
    feed_regions,
)

SITE_NAME = "Advisory"


class BriefAtomFeed(Atom1Feed):
    """Atom with what Django's generator leaves out: every author of an entry and its full text."""

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for name in item["author_names"]:
            handler.startElement("author", AttributesImpl({}))
            handler.addQuickElement("name", name)
            handler.endElement("author")
        if item["content_html"]:
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


@dataclass(frozen=True)
class FeedScope:
    """What a feed is about (None: everything), its own path and the page it stands for."""

    subject: FeedSubject | None
    feed_path: str
    page_path: str


@dataclass(frozen=True)
class FeedAudience:
    """Who a feed is for (reader None: a visitor) and what it holds."""

    reader: User | None
    token: str
    scope: FeedScope
    publications: list[Publication]


class PublicationFeed(Feed):
    feed_type = BriefAtomFeed
    author_name = SITE_NAME

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        if "token" in request.GET:
            # Private to one reader: no shared cache keeps it and no search engine lists it.
            response["Cache-Control"] = "private, no-cache"
            response["X-Robots-Tag"] = "noindex"
        return response

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedAudience:
        reader = None
        token = request.GET.get("token")
        if token is not None:
            reader = feed_user_for_token(token)
            if reader is None:
                raise Http404("This feed address is not valid any more.")
            feed_key_used(user=reader)
        scope = self.scope_of(**kwargs)
        return FeedAudience(
            reader=reader,
            token=token or "",
            scope=scope,
            publications=feed_publications(reader, subject=scope.subject),
        )

    def scope_of(self, **kwargs: str) -> FeedScope:
        return FeedScope(
            subject=None, feed_path=reverse("portal:feed-latest"), page_path=reverse("portal:home")
        )

    def items(self, audience: FeedAudience) -> list[Publication]:
        return audience.publications

    def title(self, audience: FeedAudience) -> str:
        subject = audience.scope.subject
        heading = (
            f"{SITE_NAME}: {subject}" if subject is not None else f"{SITE_NAME}: latest briefs"
        )
        return f"{heading} (private)" if audience.reader is not None else heading

    def subtitle(self, audience: FeedAudience) -> str:
        if audience.reader is not None:
            return f"Briefs for {audience.reader.byline}, with the full text of those you may read."
        return "Public briefs in full; subscribers' briefs as summaries."

    def link(self, audience: FeedAudience) -> str:
        return audience.scope.page_path

    def feed_url(self, audience: FeedAudience) -> str:
        # Readers that follow rel="self" must keep the token, or they fall back to the public feed.
        path = audience.scope.feed_path
        return f"{path}?{urlencode({'token': audience.token})}" if audience.token else path

    def feed_guid(self, audience: FeedAudience) -> str:
        return f"tag:advisory,2025:feed{audience.scope.feed_path}"

    def item_title(self, publication: Publication) -> str:
        return publication.title

    def item_description(self, publication: Publication) -> str:
        summary = escape(publication.summary)
        if publication.readable:  # type: ignore[attr-defined]
            return summary
        tier = AccessTier(publication.access_tier).label
        return f"{summary} <p>The full brief is for {tier.lower()} subscribers.</p>"

    def item_link(self, publication: Publication) -> str:
        return reverse("portal:brief-detail", args=[publication.slug])

    def item_guid(self, publication: Publication) -> str:
        # Keyed on the brief, not its slug, so a renamed brief stays the same entry.
        return f"tag:advisory,{publication.published_at:%Y-%m-%d}:brief/{publication.pk}"

    def item_pubdate(self, publication: Publication) -> datetime.datetime:
        return publication.published_at

    def item_updateddate(self, publication: Publication) -> datetime.datetime:
        return publication.visible_at

    def item_categories(self, publication: Publication) -> list[str]:
        # A teaser shows title, summary, kind, date and regions: its tags are for its readers.
        if not publication.readable:  # type: ignore[attr-defined]
            return []
        return [tag.name for tag in publication.tags.all()]

    def item_extra_kwargs(self, publication: Publication) -> dict[str, Any]:
        return {
            "author_names": [author["name"] for author in publication.authors],
            "content_html": publication.body_html if publication.readable else "",  # type: ignore[attr-defined]
        }


class LatestFeed(PublicationFeed):
    pass


class SubjectFeed(PublicationFeed):
    """The latest briefs about one region (with its countries), topic or entity."""

    subject_model: type[Region] | type[Tag] | type[Entity]
    feed_url_name: str
    page_url_name: str

    def scope_of(self, **kwargs: str) -> FeedScope:
        subject = get_object_or_404(self.subject_model, slug=kwargs["slug"])
        return FeedScope(
            subject=subject,
            feed_path=reverse(self.feed_url_name, args=[subject.slug]),
            page_path=reverse(self.page_url_name, args=[subject.slug]),
        )


class RegionFeed(SubjectFeed):
    subject_model = Region
    feed_url_name = "portal:feed-region"
    page_url_name = "portal:region-detail"


class TagFeed(SubjectFeed):
    subject_model = Tag
    feed_url_name = "portal:feed-tag"
    page_url_name = "portal:tag-detail"


class EntityFeed(SubjectFeed):
    subject_model = Entity
    feed_url_name = "portal:feed-entity"
    page_url_name = "portal:entity-detail"


@dataclass(frozen=True)
class FeedLink:
    label: str
    url: str


def _follow_feed(follow: Follow) -> FeedLink:
    if follow.entity is not None:
        return FeedLink(
            f"Actor: {follow.entity.name}", reverse("portal:feed-entity", args=[follow.entity.slug])
        )
    if follow.tag is not None:
        return FeedLink(
            f"Topic: {follow.tag.name}", reverse("portal:feed-tag", args=[follow.tag.slug])
        )
    assert follow.region is not None, "a follow has exactly one target"
    return FeedLink(
        f"Region: {follow.region.name}", reverse("portal:feed-region", args=[follow.region.slug])
    )


def feed_list(request: HttpRequest) -> HttpResponse:
    """A signed-in reader's private feed URLs (latest, one per follow); a visitor's public ones."""
    latest = FeedLink("Latest briefs", reverse("portal:feed-latest"))
    context: dict[str, Any]
    if isinstance(request.user, User):
        query = f"?{urlencode({'token': feed_token_of(request.user)})}"
        links = [latest, *(_follow_feed(follow) for follow in follows_of(request.user))]
        context = {
            "feeds": [
                FeedLink(link.label, request.build_absolute_uri(link.url + query)) for link in links
            ],
            "last_used_at": feed_key_last_used_at(request.user),
        }
    else:
        links = [
            latest,
            *(
                FeedLink(
                    f"Region: {region.name}", reverse("portal:feed-region", args=[region.slug])
                )
                for region in feed_regions()
            ),
        ]
        context = {
            "feeds": [FeedLink(link.label, request.build_absolute_uri(link.url)) for link in links]
        }
    response = render(request, "portal/feeds/feed_list.html", context)
    if isinstance(request.user, User):
        # The page shows the reader's secret feed URLs: no cache may keep it.
        response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def feed_key_reset_view(request: HttpRequest) -> HttpResponse:
    """Change the reader's feed token: every feed URL they gave out stops working."""
    if not isinstance(request.user, User):
        return redirect_to_login(reverse("portal:feeds"))
    feed_key_reset(actor=request.user)
    messages.success(
        request,
        "Your feed addresses have changed. The old ones no longer work: "
        "give your feed reader the new ones below.",
    )
    return HttpResponseRedirect(reverse("portal:feeds"))

"""Atom feeds and the sitemap."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from advisory.portal import feeds
from advisory.portal.sitemaps import SITEMAPS

urlpatterns = [
    path("feeds/", feeds.feed_list, name="feeds"),
    path("feeds/reset/", feeds.feed_key_reset_view, name="feed-key-reset"),
    path("feeds/latest.atom", feeds.LatestFeed(), name="feed-latest"),
    path("feeds/regions/<slug:slug>.atom", feeds.RegionFeed(), name="feed-region"),
    path("feeds/topics/<str:slug>.atom", feeds.TagFeed(), name="feed-tag"),
    path("feeds/entities/<slug:slug>.atom", feeds.EntityFeed(), name="feed-entity"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]

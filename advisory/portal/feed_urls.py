"""Atom feeds and the sitemap."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

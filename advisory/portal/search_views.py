import hashlib
import json
from dataclasses import astuple

from django import forms
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from advisory.accounts.selectors import entitlement_of
from advisory.briefs.models import BriefKind
from advisory.briefs.publication import publications_version
from advisory.portal.search import SearchFilters, SearchResults, publications_search
from advisory.portal.selectors import readable_key
from advisory.portal.views import kept_page

# Results may be read again for this long; any brief's change starts them afresh at once, so
# this bounds only how late an entity's new alias is searched for.
SEARCH_RESULTS_SECONDS = 60


class SearchForm(forms.Form):
    q = forms.CharField(label="Search briefs", max_length=200, required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *BriefKind.choices], required=False)
    region = forms.SlugField(max_length=120, required=False)
    # Topic slugs may hold any letter (taggit keeps Unicode), so they are not SlugField's.
    tag = forms.CharField(label="Topic", max_length=100, required=False)
    entity = forms.SlugField(max_length=255, required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            kind=data["kind"], region=data["region"], tag=data["tag"], entity=data["entity"]
        )


def _results(
    request: HttpRequest, *, text: str, filters: SearchFilters, page: int
) -> SearchResults:
    """The search's results, shared by every reader entitled to read the same.

    The key holds all the results depend on: what the reader may read (`readable_key`), the
    search and the publications' version, so a change to any brief is never served stale.
    """
    asked = json.dumps([text, astuple(filters), page])
    key = ":".join(
        (
            "portal:search",
            publications_version(),
            readable_key(entitlement_of(request.user)),
            hashlib.sha256(asked.encode()).hexdigest(),
        )
    )
    results: SearchResults | None = cache.get(key)
    if results is None:
        results = publications_search(user=request.user, text=text, filters=filters, page=page)
        cache.set(key, results, SEARCH_RESULTS_SECONDS)
    return results


@kept_page
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        results = _results(request, text=data["q"], filters=form.filters(), page=data["page"] or 1)
    status = 400 if form.errors else 200
    return render(
        request, "portal/search/search.html", {"form": form, "results": results}, status=status
    )

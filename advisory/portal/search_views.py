from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from advisory.briefs.models import BriefKind
from advisory.portal.search import SearchFilters, publications_search


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


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = publications_search(
            user=request.user,
            text=form.cleaned_data["q"],
            filters=form.filters(),
            page=form.cleaned_data["page"] or 1,
        )
    status = 400 if form.errors else 200
    return render(
        request, "portal/search/search.html", {"form": form, "results": results}, status=status
    )

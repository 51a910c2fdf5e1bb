"""Search: full text on PostgreSQL, the fallback elsewhere, and who may find what."""

import datetime
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from advisory.accounts.models import AccessTier, Role, User
from advisory.briefs.models import Brief, BriefKind
from advisory.entities.models import Alias, Entity, Region
from advisory.portal import search
from advisory.portal.search import (
    SearchFilters,
    SearchResults,
    publications_search,
    query_plan,
    search_fallback,
    search_fulltext,
)
from advisory.workflow.services import brief_retract
from tests.factories import (
    AliasFactory,
    EntityFactory,
    RegionFactory,
    client_reader,
    published_brief,
    staff_user,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SEARCH_URL = "/search/"
Search = Callable[..., SearchResults]


def titles(results: SearchResults) -> list[str]:
    return [hit.publication.title for hit in results.hits]


def visitor_search(text: str, **filters: str) -> SearchResults:
    return publications_search(user=AnonymousUser(), text=text, filters=SearchFilters(**filters))


@pytest.fixture
def iraq() -> Region:
    return RegionFactory(name="Iraq", slug="iraq", iso_code="IQ")


@pytest.fixture
def iran() -> Region:
    return RegionFactory(name="Iran", slug="iran", iso_code="IR")


@pytest.fixture
def maliki() -> Entity:
    entity = EntityFactory(name="Nouri al-Maliki", slug="nouri-al-maliki")
    AliasFactory(entity=entity, name="Nuri al-Maliki")
    AliasFactory(entity=entity, name="نوري المالكي")
    return entity


def public_brief(**fields: object) -> Brief:
    return published_brief(access_tier=AccessTier.PUBLIC, **fields)


def test_the_search_url_is_the_planned_one() -> None:
    assert reverse("portal:search") == SEARCH_URL


# Ranking and highlighting


def test_a_title_match_ranks_above_a_summary_match_above_a_body_match() -> None:
    public_brief(title="Grain corridor reopens", body="Ports are busy.", summary="Shipping.")
    public_brief(title="Black Sea shipping", summary="The corridor holds.", body="Ports.")
    public_brief(title="Ukraine harvest", summary="Exports.", body="The corridor is open again.")
    public_brief(title="Unrelated", summary="Nothing here.", body="Nothing at all.")

    results = visitor_search("corridor")

    assert titles(results) == ["Grain corridor reopens", "Black Sea shipping", "Ukraine harvest"]


def test_stemming_finds_other_forms_of_a_word() -> None:
    public_brief(title="New designations", body="Treasury sanctioned three militia leaders.")

    assert titles(visitor_search("sanctions")) == ["New designations"]


def test_snippets_and_titles_mark_the_matching_words(client: Client) -> None:
    public_brief(
        title="Kirkuk oil exports",
        summary="Exports resume.",
        body="## Outlook\n\nThe **Kirkuk** pipeline to Ceyhan carries oil again after a year.",
    )

    response = client.get(SEARCH_URL, {"q": "pipeline"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "The Kirkuk <mark>pipeline</mark> to Ceyhan carries oil" in html
    # Markdown syntax is stripped from the text the snippet is cut from.
    assert "**" not in html and "## Outlook" not in html

    title_html = client.get(SEARCH_URL, {"q": "kirkuk"}).content.decode()
    assert "<mark>Kirkuk</mark> oil exports" in title_html


def test_a_snippet_cannot_inject_html(client: Client) -> None:
    public_brief(
        title="Beware <img src=x onerror=alert(1)> tricks",
        summary="A summary with <b>tags</b>.",
        body=(
            'Raw html <script>alert("zanzibar")</script> and a zanzibar '
            "[link <em>zanzibar</em>](javascript:alert(1)) and "
            '\ue000<b>forged zanzibar mark</b>\ue001 and ![zanzibar](x.png "<i>t</i>")'
        ),
    )

    html = client.get(SEARCH_URL, {"q": "zanzibar tricks"}).content.decode()
    hits = html.split('class="brief-list search-hits"', 1)[1]

    assert "<mark>" in hits
    for tag in ("<script", "<img", "<b>", "<em>", "<i>"):
        assert tag not in hits
    assert "javascript:" not in hits
    # What the writer typed reads as the brief page shows it: as text.
    assert "&lt;script&gt;alert(&quot;<mark>zanzibar</mark>&quot;)&lt;/script&gt;" in hits
    assert "Beware &lt;img src=x onerror=alert(1)&gt; <mark>tricks</mark>" in hits
    assert "\ue000" not in hits and "\ue001" not in hits
    # Every <mark> the page has is one the search put there, and each is closed.
    assert hits.count("<mark>") == hits.count("</mark>")


# Facets, filters and pages


@pytest.fixture
def pipeline_briefs(iraq: Region, iran: Region) -> None:
    energy = ["Energy"]
    public_brief(title="Pipeline one", regions=[iraq], tags=energy, kind=BriefKind.ANALYSIS)
    public_brief(title="Pipeline two", regions=[iraq], tags=energy, kind=BriefKind.ANALYSIS)
    public_brief(title="Pipeline three", regions=[iran], kind=BriefKind.FLASH_ALERT)
    public_brief(title="Refinery", regions=[iraq], tags=energy, kind=BriefKind.ANALYSIS)


def facet_counts(results: SearchResults, name: str) -> dict[str, int]:
    return {value.value: value.count for value in getattr(results.facets, name)}


@pytest.mark.usefixtures("pipeline_briefs")
def test_facets_count_every_result_not_only_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "PAGE_SIZE", 1)

    results = visitor_search("pipeline")

    assert len(results.hits) == 1 and results.total == 3 and results.page_count == 3
    assert facet_counts(results, "kind") == {"analysis": 2, "flash_alert": 1}
    assert facet_counts(results, "region") == {"iraq": 2, "iran": 1}
    assert facet_counts(results, "tag") == {"energy": 2}


@pytest.mark.usefixtures("pipeline_briefs")
def test_each_filter_narrows_the_results_and_their_facets(maliki: Entity) -> None:
    public_brief(title="Pipeline politics", subjects=[maliki], kind=BriefKind.QA)

    assert titles(visitor_search("pipeline", region="iran")) == ["Pipeline three"]
    assert set(titles(visitor_search("pipeline", kind="analysis"))) == {
        "Pipeline one",
        "Pipeline two",
    }
    assert len(visitor_search("pipeline", tag="energy").hits) == 2
    by_entity = visitor_search("pipeline", entity="nouri-al-maliki")
    assert titles(by_entity) == ["Pipeline politics"]
    assert facet_counts(by_entity, "entity") == {"nouri-al-maliki": 1}
    assert [(f.name, f.label) for f in by_entity.active_filters] == [("entity", "Nouri al-Maliki")]
    assert visitor_search("pipeline", region="iraq", kind="flash_alert").total == 0


@pytest.mark.usefixtures("pipeline_briefs")
def test_facet_links_add_their_filter_and_keep_the_query(client: Client) -> None:
    html = client.get(SEARCH_URL, {"q": "pipeline", "kind": "analysis"}).content.decode()

    assert 'href="?q=pipeline&amp;kind=analysis&amp;region=iraq"' in html
    assert 'href="?q=pipeline&amp;kind=analysis&amp;tag=energy"' in html
    # The filter in use can be removed, and the search form keeps it.
    assert 'href="?q=pipeline">Remove' in html
    assert '<input type="hidden" name="kind" value="analysis">' in html
    assert "2 results for “pipeline”" in html


def test_pages_of_results(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "PAGE_SIZE", 20)
    start = timezone.now() - datetime.timedelta(days=30)
    for number in range(25):
        public_brief(
            title=f"Convoy report {number}",
            published_at=start + datetime.timedelta(hours=number),
        )

    first = client.get(SEARCH_URL, {"q": "convoy"})
    second = client.get(SEARCH_URL, {"q": "convoy", "page": 2})
    beyond = client.get(SEARCH_URL, {"q": "convoy", "page": 9})

    assert len(first.context["results"].hits) == search.PAGE_SIZE
    assert len(second.context["results"].hits) == 25 - search.PAGE_SIZE
    shown = {hit.publication.pk for hit in first.context["results"].hits}
    assert shown.isdisjoint(hit.publication.pk for hit in second.context["results"].hits)
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?q=convoy&amp;page=2" rel="next"' in first.content.decode()
    assert '<ol class="brief-list search-hits" start="21">' in second.content.decode()
    assert beyond.context["results"].page == 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 201}, "at most 200 characters"),
        ({"q": "oil", "kind": "poem"}, "Select a valid choice"),
        ({"q": "oil", "page": "last"}, "Enter a whole number"),
        ({"q": "oil", "region": "<iraq>"}, "Enter a valid “slug”"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    client: Client, params: dict[str, str], message: str
) -> None:
    public_brief(title="Oil")

    response = client.get(SEARCH_URL, params)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["results"] is None


def test_an_empty_query_shows_the_form_and_searches_nothing(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        response = client.get(SEARCH_URL)

    assert response.status_code == 200
    assert response.context["results"] is None
    assert 'role="search"' in response.content.decode()


def test_no_results_says_so(client: Client) -> None:
    public_brief(title="Oil")

    html = client.get(SEARCH_URL, {"q": "quinoa"}).content.decode()

    assert "0 results for “quinoa”" in html
    assert "No brief open to the public matches “quinoa”" in html


def test_a_query_of_only_exclusions_or_stop_words_finds_nothing() -> None:
    public_brief(title="Oil")

    assert visitor_search("-gas").total == 0
    assert visitor_search("the or").total == 0
    assert titles(visitor_search("oil -gas")) == ["Oil"]


# Names in any spelling


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("Nuri al-Maliki", "Nouri al-Maliki"),
        ("Nouri al-Maliki", "Nuri al-Maliki"),
        ("Nuri al Maliki", "nouri al-maliki"),
        ("نوري المالكي", "Nouri al-Maliki"),
        ("Nuri al-Maliki", '"Nouri al Maliki"'),
    ],
)
@pytest.mark.parametrize("way", [search_fulltext, search_fallback])
def test_a_name_finds_briefs_that_spell_it_another_way(
    maliki: Entity, written: str, searched: str, way: Search
) -> None:
    public_brief(title="Baghdad coalition talks", body=f"Former premier {written} met envoys.")
    public_brief(title="Basra port", body="Nothing about the former premier.")

    results = way(user=AnonymousUser(), text=searched, filters=SearchFilters())

    assert titles(results) == ["Baghdad coalition talks"]
    assert results.entities[0].name == "Nouri al-Maliki"


@pytest.mark.parametrize("way", [search_fulltext, search_fallback])
def test_a_name_with_other_words_needs_both(maliki: Entity, way: Search) -> None:
    public_brief(title="Coalition talks", body="Nuri al-Maliki courts the Kurdish parties.")
    public_brief(title="Budget row", body="Nuri al-Maliki attacks the budget.")

    found = way(user=AnonymousUser(), text="the Nouri al-Maliki Kurdish", filters=SearchFilters())
    only_name = way(user=AnonymousUser(), text="the Nouri al-Maliki", filters=SearchFilters())

    assert titles(found) == ["Coalition talks"]
    assert set(titles(only_name)) == {"Coalition talks", "Budget row"}


@pytest.mark.parametrize("way", [search_fulltext, search_fallback])
def test_a_brief_linked_to_the_entity_is_found_whatever_spelling_it_uses(
    maliki: Entity, way: Search
) -> None:
    public_brief(title="State of Law", body="Al-Malki's bloc gains seats.", subjects=[maliki])

    results = way(user=AnonymousUser(), text="Nouri al-Maliki", filters=SearchFilters())

    assert titles(results) == ["State of Law"]


def test_the_page_names_the_spellings_it_searched(client: Client, maliki: Entity) -> None:
    public_brief(title="Talks", body="Nuri al-Maliki met envoys.")

    html = client.get(SEARCH_URL, {"q": "Nouri al-Maliki"}).content.decode()

    assert "<bdi>Nuri al-Maliki</bdi>" in html
    assert "<mark>Nuri al-Maliki</mark> met envoys" in html


def test_only_whole_names_are_marked_not_their_common_words(client: Client, maliki: Entity) -> None:
    AliasFactory(entity=maliki, name="Abu Esraa")
    public_brief(
        title="Militia finance",
        body="Abu Mahdi al-Muhandis was sanctioned; Nuri al-Maliki stayed silent.",
    )

    html = client.get(SEARCH_URL, {"q": "Nouri al-Maliki sanctions"}).content.decode()

    assert (
        "Abu Mahdi al-Muhandis was <mark>sanctioned</mark>; <mark>Nuri al-Maliki</mark> stayed"
        in html
    )


def test_weak_aliases_and_partial_names_do_not_expand_a_query(maliki: Entity) -> None:
    AliasFactory(entity=maliki, name="Abu Esraa", kind=Alias.Kind.WEAK)

    assert query_plan("Abu Esraa").spans == ()
    assert query_plan("Maliki").spans == ()
    plan = query_plan("nouri al-maliki -budget oil")
    assert [span.typed for span in plan.spans] == ["nouri al-maliki"]
    assert [term.websearch() for term in plan.rest] == ["-budget", "oil"]


def test_the_longest_name_wins_and_entities_sharing_a_spelling_are_all_searched() -> None:
    sadr = EntityFactory(name="Muqtada al-Sadr", slug="muqtada-al-sadr")
    AliasFactory(entity=sadr, name="Moqtada al-Sadr")
    city = EntityFactory(name="Sadr City", slug="sadr-city")
    AliasFactory(entity=city, name="al-Sadr")
    other = EntityFactory(name="Mohammed al-Sadr", slug="mohammed-al-sadr")
    AliasFactory(entity=other, name="al-Sadr")

    plan = query_plan("Moqtada al-Sadr al-Sadr")

    assert [span.typed for span in plan.spans] == ["Moqtada al-Sadr", "al-Sadr"]
    assert [e.slug for e in plan.spans[0].entities] == ["muqtada-al-sadr"]
    assert {e.slug for e in plan.spans[1].entities} == {"sadr-city", "mohammed-al-sadr"}


# Entitlements: only what the user may read is searched


@pytest.fixture
def reader_in_iraq(iraq: Region) -> User:
    reader = client_reader()
    reader.membership.organisation.regions.set([iraq])
    return reader


@pytest.fixture
def kept_briefs(iraq: Region, iran: Region) -> None:
    body = "The word okapi is only in the body."
    published_brief(title="In Iraq, standard", regions=[iraq], body=body)
    published_brief(title="In Iran, standard", regions=[iran], body=body)
    published_brief(
        title="In Iraq, premium", regions=[iraq], access_tier=AccessTier.PREMIUM, body=body
    )
    public_brief(title="Public, in Iran", regions=[iran], body=body)


@pytest.mark.usefixtures("kept_briefs")
@pytest.mark.parametrize("way", [search_fulltext, search_fallback])
def test_a_reader_finds_only_what_the_contract_covers(reader_in_iraq: User, way: Search) -> None:
    results = way(user=reader_in_iraq, text="okapi", filters=SearchFilters())
    assert set(titles(results)) == {"In Iraq, standard", "Public, in Iran"}
    # Facets count only what the reader may read.
    assert facet_counts(results, "region") == {"iraq": 1, "iran": 1}
    # Even a word of a title the reader may see as a teaser does not find the brief.
    assert way(user=reader_in_iraq, text="premium", filters=SearchFilters()).total == 0


@pytest.mark.usefixtures("kept_briefs")
@pytest.mark.parametrize("way", [search_fulltext, search_fallback])
def test_a_visitor_finds_only_public_briefs(way: Search) -> None:
    results = way(user=AnonymousUser(), text="okapi", filters=SearchFilters())

    assert titles(results) == ["Public, in Iran"]


@pytest.mark.usefixtures("kept_briefs")
def test_after_the_contract_ends_a_reader_finds_only_public_briefs(
    client: Client, reader_in_iraq: User
) -> None:
    organisation = reader_in_iraq.membership.organisation
    organisation.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    organisation.save()
    client.force_login(reader_in_iraq)

    html = client.get(SEARCH_URL, {"q": "okapi"}).content.decode()

    assert "Public, in Iran" in html
    assert "In Iraq, standard" not in html


@pytest.mark.parametrize("way", [search_fulltext, search_fallback])
def test_retracted_and_embargoed_briefs_are_not_found(way: Search) -> None:
    retracted = public_brief(title="Withdrawn claim", body="The okapi story was wrong.")
    brief_retract(actor=staff_user(Role.EDITOR), brief=retracted, notice="The story was wrong.")
    public_brief(
        title="Tomorrow's okapi",
        published_at=timezone.now() + datetime.timedelta(days=1),
    )

    assert way(user=AnonymousUser(), text="okapi", filters=SearchFilters()).total == 0


# The fallback for databases without full text


def test_the_fallback_orders_newest_first_with_facets_and_marked_snippets(iraq: Region) -> None:
    now = timezone.now()
    public_brief(
        title="Older convoy",
        regions=[iraq],
        body="A *convoy* <script>x</script> [went](javascript:alert(1)) north.",
        published_at=now - datetime.timedelta(days=2),
    )
    public_brief(title="Newer convoy", published_at=now - datetime.timedelta(days=1))

    results = search_fallback(user=AnonymousUser(), text="convoy", filters=SearchFilters())

    assert titles(results) == ["Newer convoy", "Older convoy"]
    assert facet_counts(results, "region") == {"iraq": 1}
    older = results.hits[1]
    assert older.title_html == "Older <mark>convoy</mark>"
    assert "A <mark>convoy</mark> &lt;script&gt;x&lt;/script&gt; went north." in older.snippet_html
    filtered = search_fallback(
        user=AnonymousUser(), text="convoy", filters=SearchFilters(region="iraq")
    )
    assert titles(filtered) == ["Older convoy"]


def test_the_fallback_snippet_is_a_window_around_the_first_match() -> None:
    filler = " ".join(["word"] * 200)
    public_brief(title="Long", body=f"{filler} the gazelle appears {filler}")

    (hit,) = search_fallback(user=AnonymousUser(), text="gazelle", filters=SearchFilters()).hits

    assert hit.snippet_html.startswith("… ") and hit.snippet_html.endswith(" …")
    assert "the <mark>gazelle</mark> appears" in hit.snippet_html
    assert len(hit.snippet_html) < 400


_FILLER = " ".join(["word"] * 60)


@pytest.mark.parametrize(
    ("markdown", "needles", "stems"),
    [
        ("The gazelle runs." + f"\n\n{_FILLER}" * 6, ["gazelle"], []),
        (
            f"{_FILLER}\n\n{_FILLER}\n\n{_FILLER} the gazelle" + f"\n\n{_FILLER}" * 6,
            ["gazelle"],
            [],
        ),
        (f"{_FILLER} Faisal\n\nDurrani" + f"\n\n{_FILLER}" * 6, ["Faisal Durrani"], []),
        (f"{_FILLER} _under_\n\n_score_ **sanctioned**\n\n---\n\n{_FILLER}", [], ["sanction"]),
        (f"{_FILLER}\n\n> quoted [a link](http://x) `code`\n\n\n{_FILLER}", ["nowhere"], []),
        (f"{_FILLER}\n\n{_FILLER} gazelle", ["gazelle", "gazelle " + _FILLER], []),
        (f"\n\n{_FILLER}" * 6, [], []),
    ],
)
def test_a_snippet_is_cut_from_as_much_text_as_it_needs(
    markdown: str, needles: list[str], stems: list[str]
) -> None:
    """Stripped paragraphs at a time, the text gives the window the whole text gives."""
    window = 240
    whole = search._plain_text(markdown)
    enough = search._plain_text_for_window(markdown, needles, stems=stems, window=window)

    assert whole.startswith(enough)
    assert search._highlighted(enough, needles, stems=stems, window=window) == (
        search._highlighted(whole, needles, stems=stems, window=window)
    )


def test_the_database_decides_the_way_of_searching(monkeypatch: pytest.MonkeyPatch) -> None:
    public_brief(title="Convoys", body="Convoys move.")
    called = []
    monkeypatch.setattr(search, "search_fallback", lambda **kw: called.append(kw))
    monkeypatch.setattr(search.connection, "vendor", "sqlite")

    publications_search(user=AnonymousUser(), text="convoy", filters=SearchFilters())

    assert called and called[0]["text"] == "convoy"


# A fixed number of queries


def _many_of_everything(count: int) -> list[Region]:
    regions = [RegionFactory() for _ in range(count)]
    entities = [EntityFactory() for _ in range(count)]
    for number in range(count):
        published_brief(
            title=f"Tanker seizure {number}",
            body="Tanker seizure in the Gulf, which Nuri al-Maliki condemned.",
            regions=regions,
            tags=[f"topic {n}" for n in range(count)],
            subjects=entities[: count // 2 + 1],
            mentioned=entities[count // 2 + 1 :],
            kind=list(BriefKind)[number % len(BriefKind)],
        )
    return regions


@pytest.mark.parametrize("count", [1, 15])
@pytest.mark.parametrize("way", [search_fulltext, search_fallback])
def test_a_search_page_does_a_fixed_number_of_queries(
    client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
    maliki: Entity,
    count: int,
    way: Search,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    regions = _many_of_everything(count)
    reader = client_reader()
    reader.membership.organisation.regions.set(regions)
    client.force_login(reader)
    monkeypatch.setattr(search, "publications_search", way)
    monkeypatch.setattr("advisory.portal.search_views.publications_search", way)

    # user with the entitlement and what the reader follows (1: the session is read from the
    # cache), names (1), facets (1), page (1), its regions (1); full text also sets the
    # planner's price of a random read for the last three (1)
    with django_assert_num_queries(6 if way is search_fulltext else 5):
        response = client.get(SEARCH_URL, {"q": "tanker seizure Nouri al-Maliki -yacht"})

    assert response.context["results"].total == count
    shown = min(count, search.PAGE_SIZE)
    assert len(re.findall(r'class="teaser search-hit"', response.content.decode())) == shown

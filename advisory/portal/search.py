"""Search over the briefs a user may read: PostgreSQL full text, or a plain fallback elsewhere.

Only `publications_readable` is searched, retracted briefs left out, so a word that is only in
a body the user may not read finds nothing. A query is first split into the names of entities
the desk has records of (matched on any spelling, after `normalise_name`) and the rest: each name
then matches any of the entity's spellings, or a brief linked to the entity, so "Nouri
al-Maliki" finds a brief that writes "Nuri al-Maliki".

Highlighted text reaches the page through `_marked`, which escapes everything and turns only
the search's own private-use marker characters into <mark>: the snippet is cut from the
Markdown's text with its syntax stripped, never from HTML.
"""

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, reduce
from operator import and_, or_

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Field,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    Window,
)
from django.db.models.expressions import Combinable
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import RowNumber
from django.db.models.lookups import Exact
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from advisory.accounts.models import User
from advisory.briefs.models import (
    BriefKind,
    BriefRevision,
    Publication,
    PublicationEntity,
    PublicationRegion,
    PublicationTag,
)
from advisory.briefs.publication import SEARCH_CONFIG
from advisory.entities.models import Alias, Entity, Region
from advisory.lib.text import normalise_name
from advisory.portal.selectors import publications_readable

PAGE_SIZE = 10
FACET_SIZE = 12
# Longest entity name, in words, looked for inside a query; and how many words are looked at.
_NAME_WORDS = 6
_QUERY_WORDS = 16

# Private-use characters mark highlights until the text is escaped; they are stripped from
# the searched text first, so a brief cannot forge a highlight.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
# PostgreSQL's headline drops whatever its parser takes for an HTML tag; "<" travels as this
# until the text is escaped, so `<script>` written in a brief reads as the brief shows it.
_ANGLE = "\ue002"
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_STOP}]*){MARK_STOP}")
# "Nuri al-Maliki" marked word by word reads better as one mark.
_ADJACENT_MARKS = re.compile(f"{MARK_STOP}([ -]?){MARK_START}")

# Markdown syntax to strip before a snippet is cut, as (pattern, replacement), in order. Both
# PostgreSQL (flags "gn": every match, ^ and $ at line ends) and Python's `re` (MULTILINE) read
# them the same way.
_MARKERS = (r"[\ue000-\ue002]", "")
_MARKDOWN_SYNTAX: tuple[tuple[str, str], ...] = (
    _MARKERS,
    (r"^[ \t]*[-*_|:]*-{3,}[-*_|: \t]*$", ""),  # rules and table separator rows
    (r"^ {0,3}\[[^\]\n]+\]:[ \t]*\S+.*$", ""),  # link reference definitions
    (r"\[\^[^\]\n]*\]:?", ""),  # footnote references and definitions
    (r"!?\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)", r"\1"),  # links, images: their text
    (r"\[([^\]\n]*)\]\[[^\]\n]*\]", r"\1"),  # reference links
    (r"^[ \t]*(#{1,6}|>[> \t]*|[-*+]|\d{1,9}[.)])[ \t]+", ""),  # headings, quotes, list items
    (r"\*+|~~|`+|\|", ""),  # emphasis, strike-through, code, table cells
    (r"(^|[\s(])_+|_+([\s.,;:!?)]|$)", r"\1\2"),  # underscore emphasis, not snake_case
)


@dataclass(frozen=True)
class SearchFilters:
    kind: str = ""
    region: str = ""
    tag: str = ""
    entity: str = ""

    def narrowed(self, publications: QuerySet[Publication]) -> QuerySet[Publication]:
        if self.kind:
            publications = publications.filter(kind=self.kind)
        if self.region:
            publications = publications.filter(regions__slug=self.region)
        if self.tag:
            publications = publications.filter(tags__slug=self.tag)
        if self.entity:
            publications = publications.filter(entities__slug=self.entity)
        return publications


@dataclass(frozen=True)
class Term:
    """One word or quoted phrase of a query, in websearch syntax."""

    text: str
    phrase: bool = False
    negated: bool = False

    @property
    def is_or(self) -> bool:
        return not self.phrase and self.text.casefold() == "or"

    @property
    def names_something(self) -> bool:
        """Whether the term may be part of an entity's name."""
        return not self.negated and not self.is_or

    def websearch(self) -> str:
        text = f'"{self.text}"' if self.phrase else self.text
        return f"-{text}" if self.negated else text


_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def query_terms(text: str) -> list[Term]:
    terms = []
    for match in _TERM.finditer(text):
        negation, phrase, word = match.groups()
        if word is not None:
            negated = word.startswith("-") and len(word) > 1
            terms.append(Term(word[1:] if negated else word, negated=negated))
        elif phrase.strip():
            terms.append(Term(phrase.strip(), phrase=True, negated=bool(negation)))
    return terms


@dataclass(frozen=True)
class NamedEntity:
    """An entity a query names, with every spelling it may appear under."""

    pk: int
    name: str
    slug: str
    names: tuple[str, ...]

    @property
    def other_names(self) -> tuple[str, ...]:
        return tuple(name for name in self.names if name != self.name)


@dataclass(frozen=True)
class NameSpan:
    """Words of the query that name one or more entities (two may share a spelling)."""

    typed: str
    entities: tuple[NamedEntity, ...]

    @cached_property
    def spellings(self) -> tuple[str, ...]:
        """Each name as written and folded: 'al-Maliki' and 'al Maliki' index differently.

        Kept once made: the query, the needles and every hit's title ask for them."""
        names = [self.typed, *(name for entity in self.entities for name in entity.names)]
        return tuple(dict.fromkeys(v for name in names for v in (name, normalise_name(name)) if v))

    @property
    def entity_ids(self) -> list[int]:
        return [entity.pk for entity in self.entities]


@dataclass(frozen=True)
class QueryPlan:
    spans: tuple[NameSpan, ...]
    rest: tuple[Term, ...]

    @property
    def rest_websearch(self) -> str:
        return " ".join(term.websearch() for term in self.rest)

    @property
    def finds_something(self) -> bool:
        """A query of only negated words, "or" or nothing asks for nothing: it finds nothing."""
        return bool(self.spans) or any(term.names_something for term in self.rest)

    @property
    def entities(self) -> tuple[NamedEntity, ...]:
        found = {entity.pk: entity for span in self.spans for entity in span.entities}
        return tuple(found.values())

    @cached_property
    def folded_names(self) -> frozenset[str]:
        """Every spelling of the names, folded; kept once made, for every hit's title."""
        return frozenset(normalise_name(name) for span in self.spans for name in span.spellings)


def _phrases(terms: Sequence[Term]) -> dict[tuple[int, int], str]:
    """Every run of up to `_NAME_WORDS` consecutive name-like terms, folded, by (start, end)."""
    phrases = {}
    for start in range(len(terms)):
        for end in range(start + 1, min(start + _NAME_WORDS, len(terms)) + 1):
            if not terms[end - 1].names_something:
                break
            folded = normalise_name(" ".join(term.text for term in terms[start:end]))
            if folded:
                phrases[(start, end)] = folded
    return phrases


def _entities_named(folded_names: Iterable[str]) -> dict[str, list[NamedEntity]]:
    """Entities whose name or a (not weak) alias is one of the folded names, by folded name."""
    names = set(folded_names)
    rows = (
        Entity.objects.filter(
            Q(normalised_name__in=names)
            | Q(
                pk__in=Alias.objects.filter(normalised__in=names)
                .exclude(kind=Alias.Kind.WEAK)
                .values("entity_id")
            )
        )
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            "normalised_name",
            "slug",
            "aliases__name",
            "aliases__normalised",
            "aliases__kind",
        )
    )
    spellings: dict[int, dict[str, str]] = {}
    heads: dict[int, tuple[str, str]] = {}
    for pk, name, folded, slug, alias, alias_folded, alias_kind in rows:
        heads[pk] = (name, slug)
        known = spellings.setdefault(pk, {folded: name})
        if alias is not None and alias_kind != Alias.Kind.WEAK:
            known.setdefault(alias_folded, alias)
    by_name: dict[str, list[NamedEntity]] = {}
    for pk, known in spellings.items():
        name, slug = heads[pk]
        entity = NamedEntity(pk=pk, name=name, slug=slug, names=tuple(known.values()))
        for folded in known:
            if folded in names:
                by_name.setdefault(folded, []).append(entity)
    return by_name


def query_plan(text: str) -> QueryPlan:
    """Split the query into entity names, longest first from the left, and the other terms.

    One query, whatever the number of words (at most `_QUERY_WORDS` are looked at).
    """
    terms = query_terms(text)
    phrases = _phrases(terms[:_QUERY_WORDS])
    named = _entities_named(phrases.values()) if phrases else {}
    spans: list[NameSpan] = []
    rest: list[Term] = []
    position = 0
    while position < len(terms):
        for end in range(min(position + _NAME_WORDS, len(terms)), position, -1):
            entities = named.get(phrases.get((position, end), ""))
            if entities:
                typed = " ".join(term.text for term in terms[position:end])
                spans.append(NameSpan(typed=typed, entities=tuple(entities)))
                position = end
                break
        else:
            rest.append(terms[position])
            position += 1
    return QueryPlan(spans=tuple(spans), rest=tuple(rest))


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facets:
    kind: tuple[FacetValue, ...] = ()
    region: tuple[FacetValue, ...] = ()
    tag: tuple[FacetValue, ...] = ()
    entity: tuple[FacetValue, ...] = ()

    @property
    def total(self) -> int:
        """Every result has exactly one kind, so the kind counts add up to the results."""
        return sum(value.count for value in self.kind)


@dataclass(frozen=True)
class SearchHit:
    publication: Publication
    title_html: SafeString
    snippet_html: SafeString


@dataclass(frozen=True)
class ActiveFilter:
    name: str
    value: str
    label: str


@dataclass(frozen=True)
class SearchResults:
    text: str
    hits: list[SearchHit]
    facets: Facets
    page: int
    page_count: int
    entities: tuple[NamedEntity, ...]
    active_filters: tuple[ActiveFilter, ...]

    @property
    def total(self) -> int:
        return self.facets.total

    @property
    def start_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def page_numbers(self) -> list[int | None]:
        """The first and last pages and two either side of this one; None stands for a gap."""
        near = range(max(1, self.page - 2), min(self.page_count, self.page + 2) + 1)
        numbers: list[int | None] = []
        for number in sorted({1, self.page_count, *near}):
            previous = numbers[-1] if numbers else None
            if previous is not None and number - previous > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.page_count else None


_LINKED_FACETS = (
    ("region", PublicationRegion, Region),
    ("tag", PublicationTag, Tag),
    ("entity", PublicationEntity, Entity),
)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return connection.ops.quote_name(field.column)


def _facet_sql(name: str, link: type[Model], target: type[Model]) -> str:
    """The top values of one linked facet over the results (`found`), with their counts.

    Links are counted by the linked row's id, and only the counted rows (a few hundred at
    most) are joined to their names: grouping tens of thousands of links by name cost twice
    as much. The slug is unique, so the groups are the same. The results are handed to the
    link's index as one array (`= ANY`), not joined: PostgreSQL knows nothing of a WITH
    clause's columns and takes `found.id` for a column of 200 values, so a join or IN hashed
    every link, or looked each result up on its own (for "Faisal Durrani", 526 of 5,000
    readable briefs, the join cost 90 ms at load 5, IN 54). One index scan over the sorted
    array reads each result's links once, whatever their number ("sanctions", 4,989 results
    for the bench reader: the statement 71 → 62 ms). Ids are unique: the counts are the same.
    SQLite (the demo's fallback search) has no arrays, and takes `IN`.
    """
    quote = connection.ops.quote_name
    found = (
        "= ANY(ARRAY(SELECT id FROM found))"
        if connection.vendor == "postgresql"
        else "IN (SELECT id FROM found)"
    )
    link_table, target_table = quote(link._meta.db_table), quote(target._meta.db_table)
    publication, linked = _column(link, "publication"), _column(link, name)
    slug, label, pk = _column(target, "slug"), _column(target, "name"), _column(target, "id")
    return (
        f"SELECT * FROM (SELECT '{name}', t.{slug}, t.{label}, counted.n"
        f" FROM (SELECT l.{linked} AS id, COUNT(*) AS n"
        f" FROM {link_table} l WHERE l.{publication} {found}"
        f" GROUP BY l.{linked})"
        f" counted JOIN {target_table} t ON t.{pk} = counted.id"
        f" ORDER BY counted.n DESC, t.{label} LIMIT {FACET_SIZE}) {name}s"
    )


# A row of the facets' query that is one of the page's results: its id, in `value`.
_PAGE_ROW = "page"


def _positioned(ordered: QuerySet[Publication]) -> QuerySet[Publication, tuple[int, str, int]]:
    """The results as (id, kind, position in the order of `ordered`), for the facets' query."""
    order = []
    for field in ordered.query.order_by:
        assert isinstance(field, str), "search results are ordered by field names"
        order.append(F(field[1:]).desc() if field.startswith("-") else F(field).asc())
    return (
        ordered.order_by()
        .annotate(position=Window(RowNumber(), order_by=order))
        .values_list("pk", "kind", "position")
    )


def _facets(
    ordered: QuerySet[Publication], filters: SearchFilters, *, offset: int
) -> tuple[Facets, list[int]]:
    """Counts over every result, not only the page, and the ids of the page's results from
    `offset` on, in one query that matches the text (and ranks the matches) once: the results,
    numbered in their order, go into a WITH clause that each facet's count joins."""
    try:
        found_sql, params = _positioned(ordered).query.sql_with_params()
    except EmptyResultSet:
        return Facets(), []
    facets = " UNION ALL ".join(_facet_sql(*facet) for facet in _LINKED_FACETS)
    sql = (
        f"WITH found (id, kind, position) AS ({found_sql})"
        f" SELECT 'kind', kind, kind, COUNT(*) FROM found GROUP BY kind"
        f" UNION ALL SELECT '{_PAGE_ROW}', CAST(id AS TEXT), '', position FROM found"
        f" WHERE position > %s AND position <= %s"
        f" UNION ALL {facets}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, offset, offset + PAGE_SIZE))
        rows = cursor.fetchall()
    kind_labels = dict(BriefKind.choices)
    values: dict[str, list[FacetValue]] = {"kind": [], "region": [], "tag": [], "entity": []}
    page_ids = [int(row[1]) for row in sorted(row for row in rows if row[0] == _PAGE_ROW)]
    facet_rows = (row for row in rows if row[0] != _PAGE_ROW)
    for name, value, label, count in sorted(facet_rows, key=lambda row: (-row[3], row[2])):
        if name == "kind":
            label = str(kind_labels.get(value, value))
        selected = value == getattr(filters, name)
        values[name].append(FacetValue(value=value, label=label, count=count, selected=selected))
    return Facets(**{name: tuple(facet) for name, facet in values.items()}), page_ids


def _active_filters(filters: SearchFilters, facets: Facets) -> tuple[ActiveFilter, ...]:
    """The filters in use, named from the facets where the value has results, else as given."""
    kind_labels = dict(BriefKind.choices)
    active = []
    for name in ("kind", "region", "tag", "entity"):
        value = getattr(filters, name)
        if not value:
            continue
        labels = {facet.value: facet.label for facet in getattr(facets, name)}
        label = labels.get(value) or str(kind_labels.get(value, value) if name == "kind" else value)
        active.append(ActiveFilter(name=name, value=value, label=label))
    return tuple(active)


def _marked(text: str) -> SafeString:
    """Escape the text, then turn the marker pairs (and nothing else) into <mark> elements."""
    text = _ADJACENT_MARKS.sub(r"\1", text.replace(_ANGLE, "<"))
    html = _MARKED.sub(r"<mark>\1</mark>", escape(text))
    return mark_safe(html.replace(MARK_START, "").replace(MARK_STOP, ""))


def _body_markdown() -> Subquery:
    """The live revision's Markdown, read row by row: only the page's rows need it."""
    revision = BriefRevision.objects.filter(pk=OuterRef("revision_id")).order_by()
    return Subquery(revision.values(body=KeyTextTransform("body", "snapshot")))


def _linked(span: NameSpan) -> Q:
    entity_links = PublicationEntity.objects.filter(
        publication=OuterRef("pk"), entity_id__in=span.entity_ids
    )
    return Q(Exists(entity_links))


def _results(
    *,
    text: str,
    plan: QueryPlan,
    filters: SearchFilters,
    ordered: QuerySet[Publication],
    page: int,
    hit: Callable[[Publication], SearchHit],
) -> SearchResults:
    """Facets and the page's ids, then the page's rows (none asked for when there are none).

    A page past the last gives the last, read by its offset (the ids were of the page asked).
    """
    offset = (max(1, page) - 1) * PAGE_SIZE
    facets, page_ids = _facets(ordered, filters, offset=offset)
    page_count = max(1, math.ceil(facets.total / PAGE_SIZE))
    page = min(max(1, page), page_count)
    rows: list[Publication] = []
    if facets.total:
        page_rows = ordered.defer("body_html").prefetch_related("regions")
        if page_ids:
            # The same order, over the page's rows alone: ranked again, twenty rows.
            rows = list(page_rows.filter(pk__in=page_ids))
        else:
            offset = (page - 1) * PAGE_SIZE
            rows = list(page_rows[offset : offset + PAGE_SIZE])
    return SearchResults(
        text=text,
        hits=[hit(row) for row in rows],
        facets=facets,
        page=page,
        page_count=page_count,
        entities=plan.entities,
        active_filters=_active_filters(filters, facets),
    )


def _searched(user: User | AnonymousUser | None, filters: SearchFilters) -> QuerySet[Publication]:
    readable = publications_readable(user).filter(retracted_at__isnull=True)
    # Everything searched is readable: say so rather than work it out again for every row.
    readable = readable.annotate(readable=Value(True, output_field=BooleanField()))
    return filters.narrowed(readable)


# PostgreSQL: ranked full-text search with headlines.


def _stripped(expression: Combinable, syntax: Iterable[tuple[str, str]]) -> Func:
    for pattern, replacement in syntax:
        expression = Func(
            expression,
            Value(pattern),
            Value(replacement),
            Value("gn"),
            function="regexp_replace",
            output_field=TextField(),
        )
    assert isinstance(expression, Func)
    return expression


_ANGLE_KEPT = ("<", _ANGLE)

# Each publication's vector, in its own table (`PublicationSearch`: why, there).
_VECTOR = "search__search_vector"


@contextmanager
def _random_reads_priced_as_cached() -> Iterator[None]:
    """A transaction whose statements PostgreSQL plans with a page read at random priced
    as little more than one in sequence (`random_page_cost` 1.1, not 4).

    The vectors' table (76 MB) is over a quarter of `shared_buffers`, so a sequential scan
    reads it through a ring of 256 KB, from the OS each time, while an index scan finds the
    pages in memory; priced at 4, PostgreSQL still scanned every vector to search the 1,400
    public or 5,000 readable briefs (a name, anonymous: the statement 20 → 12 ms; "sanctions"
    for the bench reader 68 → 54). Three short round trips more (BEGIN, SET LOCAL, COMMIT;
    none but the SET inside a transaction already begun).
    """
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL random_page_cost = 1.1")
        yield


def _any_spelling(span: NameSpan) -> SearchQuery:
    spellings = (
        SearchQuery(name, search_type="phrase", config=SEARCH_CONFIG) for name in span.spellings
    )
    return reduce(or_, spellings)


def _fulltext_match(plan: QueryPlan) -> tuple[Q, SearchQuery]:
    """The condition a publication meets, and the whole query to rank and highlight with.

    Each entity name matches a spelling of it in the text or a link to the entity. The other
    words must match the text, unless they are all stop words ("the Maliki government" has
    "government"; "the Maliki" has only the name), in which case the names alone decide.
    """
    rest = (
        SearchQuery(plan.rest_websearch, search_type="websearch", config=SEARCH_CONFIG)
        if plan.rest
        else None
    )
    names = [_any_spelling(span) for span in plan.spans]
    whole = reduce(and_, [query for query in (rest, *names) if query is not None])
    if not names:
        return Q(**{_VECTOR: whole}), whole
    condition = reduce(
        and_,
        (
            Q(**{_VECTOR: name}) | _linked(span)
            for span, name in zip(plan.spans, names, strict=True)
        ),
    )
    if rest is not None:
        lexemes = Func(rest, function="numnode", output_field=IntegerField())
        condition &= Q(**{_VECTOR: rest}) | Q(Exact(lexemes, 0))
    return condition, whole


def _stray_name_words_unmarked(text: str, plan: QueryPlan) -> str:
    """PostgreSQL's headline marks every word of a name wherever it stands ("al" of every
    "al-…", "Abu" of every "Abu …"): keep a name's mark only where the whole name stands."""
    if not plan.spans:
        return text
    names = plan.folded_names
    searched_words = {word for term in plan.rest for word in normalise_name(term.text).split()}
    name_words = {word for name in names for word in name.split()} - searched_words

    def kept(match: re.Match[str]) -> str:
        words = normalise_name(match.group(1))
        if words in names or not set(words.split()) <= name_words:
            return match.group(0)
        return match.group(1)

    return _MARKED.sub(kept, _ADJACENT_MARKS.sub(r"\1", text))


def _stems(plan: QueryPlan) -> Func:
    """The lexemes of the words searched for (not the names), as the text search stems them."""
    words = " ".join(term.text for term in plan.rest if term.names_something)
    vector = SearchVector(Value(words), config=SEARCH_CONFIG)
    return Func(vector, function="tsvector_to_array", output_field=ArrayField(TextField()))


def _hit_unmarked(row: Publication) -> SearchHit:
    return SearchHit(publication=row, title_html=_marked(row.title), snippet_html=_marked(""))


def search_fulltext(
    *, user: User | AnonymousUser | None, text: str, filters: SearchFilters, page: int = 1
) -> SearchResults:
    """PostgreSQL full-text search: ranked (title above summary above body), highlighted."""
    plan = query_plan(text)
    searched = _searched(user, filters)
    if not plan.finds_something:
        nothing = searched.none()
        return _results(
            text=text,
            plan=plan,
            filters=filters,
            ordered=nothing,
            page=page,
            hit=_hit_unmarked,
        )
    condition, whole = _fulltext_match(plan)
    matching = searched.filter(condition)
    ordered = matching.annotate(
        rank=SearchRank(F(_VECTOR), whole, normalization=Value(1)),
        title_marked=SearchHeadline(
            _stripped(F("title"), [_MARKERS, _ANGLE_KEPT]),
            whole,
            config=SEARCH_CONFIG,
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
            highlight_all=True,
        ),
        body=_body_markdown(),
        # The same for every row, and folded to a constant when the query is planned.
        stems=_stems(plan),
    ).order_by("-rank", "-published_at", "-pk")
    needles = _needles(plan)

    def hit(row: Publication) -> SearchHit:
        title: str = row.title_marked  # type: ignore[attr-defined]
        return SearchHit(
            publication=row,
            title_html=_marked(_stray_name_words_unmarked(title, plan)),
            snippet_html=_snippet(row, needles, row.stems),  # type: ignore[attr-defined]
        )

    with _random_reads_priced_as_cached():
        return _results(
            text=text,
            plan=plan,
            filters=filters,
            ordered=ordered,
            page=page,
            hit=hit,
        )


# Any database: words and names contained in the text, newest first.

_SNIPPET_CHARS = 240


def _contains(needle: str) -> Q:
    return (
        Q(title__icontains=needle)
        | Q(summary__icontains=needle)
        | Q(body_markdown__icontains=needle)
    )


def _fallback_match(plan: QueryPlan) -> Q:
    """Every word contained (or, if negated, not); each name in one of its spellings or linked.

    "or" is not understood here: the words of "a or b" are all required.
    """
    condition = Q()
    for term in plan.rest:
        if not term.is_or:
            condition &= ~_contains(term.text) if term.negated else _contains(term.text)
    for span in plan.spans:
        condition &= reduce(or_, (_contains(name) for name in span.spellings)) | _linked(span)
    return condition


_MARKDOWN_PATTERNS = tuple((re.compile(p, re.MULTILINE), r) for p, r in _MARKDOWN_SYNTAX)


def _plain_text(markdown: str) -> str:
    for pattern, replacement in _MARKDOWN_PATTERNS:
        markdown = pattern.sub(replacement, markdown)
    return " ".join(markdown.split())


def _highlighted(
    text: str, needles: Sequence[str], *, stems: Sequence[str] = (), window: int | None = None
) -> SafeString:
    """The text, or a window of it from just before the first needle, needles marked, escaped.

    A stem marks every word it begins ("sanction" marks "sanctioned"), as a full-text match
    finds them.
    """
    pattern = _needle_pattern(needles, stems)
    if window is not None and len(text) > window:
        first = pattern.search(text) if pattern else None
        start = max(0, first.start() - window // 3) if first else 0
        start = text.rfind(" ", 0, start) + 1 if start else 0
        end = text.find(" ", start + window)
        end = len(text) if end < 0 else end
        text = ("… " if start else "") + text[start:end] + (" …" if end < len(text) else "")
    if pattern:
        text = pattern.sub(lambda match: f"{MARK_START}{match.group(0)}{MARK_STOP}", text)
    return _marked(text)


def _needle_pattern(needles: Sequence[str], stems: Sequence[str]) -> re.Pattern[str] | None:
    """Any needle or word a stem begins, the longest first; None when there is nothing to mark.

    Needles are written in lower case, as the pattern reads them anyway, so that spellings
    alike but for case are one alternative, and alternatives with a beginning in common share
    it: the pattern then tries one letter where the text cannot match, not every spelling (a
    name's spellings as written and folded took 1–2 ms a body, now a tenth of that).
    """
    longest_first = sorted({_lower_letters(n) for n in needles if n}, key=len, reverse=True)
    alternatives = [rf"\b{re.escape(stem)}\w*" for stem in sorted(set(stems), key=len)[::-1]]
    alternatives += map(re.escape, longest_first)
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def _lower_letters(text: str) -> str:
    """Each letter in lower case when that is one letter: a case-insensitive pattern matches
    the same text with either ("İ" lowers to two characters, so it stays)."""
    if text.isascii():
        return text.lower()
    return "".join(lower if len(lower := letter.lower()) == 1 else letter for letter in text)


def _needles(plan: QueryPlan) -> list[str]:
    """What a snippet marks: the words searched for and every spelling of the names."""
    needles = [term.text for term in plan.rest if term.names_something]
    return needles + [name for span in plan.spans for name in span.spellings]


def _snippet(row: Publication, needles: Sequence[str], stems: Sequence[str] = ()) -> SafeString:
    """A window of the summary and body around the first needle, cut in Python from the
    page's rows: PostgreSQL's headline over whole bodies, with every spelling of a name in
    its query, costs up to seconds a page."""
    markdown = f"{row.summary}\n\n{row.body}"  # type: ignore[attr-defined]
    body = _plain_text_for_window(markdown, needles, stems=stems, window=_SNIPPET_CHARS)
    return _highlighted(body, needles, stems=stems, window=_SNIPPET_CHARS)


def _plain_text_for_window(
    markdown: str, needles: Sequence[str], *, stems: Sequence[str], window: int
) -> str:
    """`_plain_text(markdown)`, or as much of it as `_highlighted` cuts the same window from.

    Stripping a whole body's syntax was most of a snippet's cost, and the window is most
    often in the summary or the first paragraphs. No syntax stripped spans a line break, nor
    does stripping add or remove one, so the text is stripped a paragraph at a time. A needle
    that runs past the text so far begins in its last `longest` characters: a prefix cuts the
    same window as the whole once it holds the first needle with room for any needle to begin
    before it, and a space a window on from there (the window ends at the first space past
    its length).
    """
    pattern = _needle_pattern(needles, stems)
    longest = max(map(len, (*needles, *stems)), default=0)
    text = ""
    searched = 0  # no needle begins before this, however the text goes on
    for paragraph in markdown.split("\n\n"):
        plain = _plain_text(paragraph)
        text = f"{text} {plain}" if text and plain else text or plain
        first = pattern.search(text, searched) if pattern else None
        if pattern and first is None:
            searched = max(searched, len(text) - longest)
            continue
        if first and first.start() + longest > len(text):
            continue
        if text.find(" ", (first.start() if first else 0) + window) >= 0:
            return text
    return text


def search_fallback(
    *, user: User | AnonymousUser | None, text: str, filters: SearchFilters, page: int = 1
) -> SearchResults:
    """Search for any database (the SQLite demo): words contained in the title, summary or
    body, names in any spelling or by link, newest first. No stemming, ranking or "or"."""
    plan = query_plan(text)
    searched = _searched(user, filters).alias(
        body_markdown=KeyTextTransform("body", "revision__snapshot")
    )
    matching = searched.filter(_fallback_match(plan)) if plan.finds_something else searched.none()
    needles = _needles(plan)
    ordered = matching.annotate(body=_body_markdown()).order_by("-published_at", "-pk")

    def hit(row: Publication) -> SearchHit:
        return SearchHit(
            publication=row,
            title_html=_highlighted(re.sub(*_MARKERS, row.title), needles),
            snippet_html=_snippet(row, needles),
        )

    return _results(
        text=text,
        plan=plan,
        filters=filters,
        ordered=ordered,
        page=page,
        hit=hit,
    )


def publications_search(
    *, user: User | AnonymousUser | None, text: str, filters: SearchFilters, page: int = 1
) -> SearchResults:
    """Search what the user may read: the one place that picks the database's way of searching."""
    if connection.vendor == "postgresql":
        return search_fulltext(user=user, text=text, filters=filters, page=page)
    return search_fallback(user=user, text=text, filters=filters, page=page)


def publications_matching(publications: QuerySet[Publication], text: str) -> QuerySet[Publication]:
    """The publications the search would find for `text`, names in any spelling or by link,
    unranked: for callers that keep their own order (the API's newest-first cursor).

    One query plans the names; the condition then joins the caller's query.
    """
    plan = query_plan(text)
    if not plan.finds_something:
        return publications.none()
    if connection.vendor == "postgresql":
        condition, _ = _fulltext_match(plan)
        return publications.filter(condition)
    return publications.alias(body_markdown=KeyTextTransform("body", "revision__snapshot")).filter(
        _fallback_match(plan)
    )

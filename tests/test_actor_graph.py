"""The actor graph: the entity page's ties drawn as SVG on the server, and the API's
neighbourhood of an entity, one or two ties deep, counted over what the user may read."""

import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advisory.accounts.models import AccessTier, Role
from advisory.entities.graph import MAX_NEIGHBOURS
from advisory.entities.models import Entity, EntityKind, Relationship
from tests.factories import EntityFactory, client_reader, published_brief, staff_user

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def _staff() -> Client:
    client = Client()
    client.force_login(staff_user(Role.EDITOR, username="editor"))
    return client


def _hub(neighbours: int, name: str = "Kata'ib Hezbollah") -> tuple[Entity, list[Entity]]:
    """An entity tied to `neighbours` others, half as subject and half as object."""
    hub = EntityFactory(name=name, kind=EntityKind.ARMED_GROUP)
    others = [EntityFactory(name=f"Neighbour {n:02}") for n in range(neighbours)]
    for n, other in enumerate(others):
        if n % 2:
            Relationship.objects.create(subject=hub, object=other, kind="backed_by")
        else:
            Relationship.objects.create(subject=other, object=hub, kind="leads")
    return hub, others


def _svg(html: str) -> ElementTree.Element:
    match = re.search(r"<svg class=\"entity-graph__svg\".*?</svg>", html, re.S)
    assert match is not None
    return ElementTree.fromstring(match.group())


# --- The entity page ----------------------------------------------------------------------------


def test_the_entity_page_draws_its_ties_as_an_accessible_svg_with_no_script() -> None:
    hub, others = _hub(3)
    page = _staff().get(reverse("portal:entity-detail", args=[hub.slug]))
    html = page.content.decode()
    svg = _svg(html)

    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "graph-svg-title graph-svg-desc"
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title is not None and title.text == "Graph of the ties of Kata'ib Hezbollah"
    assert desc is not None and desc.text is not None
    assert "Neighbour 00 leads Kata'ib Hezbollah." in desc.text
    assert "Kata'ib Hezbollah backed by Neighbour 01." in desc.text
    circles = svg.findall(f".//{SVG}circle")
    lines = svg.findall(f".//{SVG}line")
    assert (len(circles), len(lines)) == (4, 3)
    labels = ["".join(text.itertext()) for text in svg.iter(f"{SVG}text")]
    assert {"Neighbour 00", "Neighbour 01", "Neighbour 02", "leads", "backed by"} <= set(labels)
    # An arrow points from subject to object: at the neighbour that is the object.
    assert sum(1 for line in lines if line.get("marker-end")) == 1
    assert sum(1 for line in lines if line.get("marker-start")) == 2
    # Nothing to load and nothing to run; the ties are also listed in words, with links.
    assert "<script" not in html.split('class="entity-graph"', 1)[1].split("</section>", 1)[0]
    assert "http" not in ElementTree.tostring(svg, encoding="unicode").replace(SVG[1:-1], "")
    assert 'id="relationships-title"' in html
    assert f'href="{reverse("portal:entity-detail", args=[others[0].slug])}"' in html


def test_an_entity_without_ties_has_no_graph() -> None:
    lonely = EntityFactory(name="Lonely")
    html = _staff().get(reverse("portal:entity-detail", args=[lonely.slug])).content.decode()
    assert "entity-graph" not in html


def test_a_crowded_graph_draws_the_first_neighbours_and_says_how_many_are_left_out() -> None:
    hub, _ = _hub(MAX_NEIGHBOURS + 4)
    html = _staff().get(reverse("portal:entity-detail", args=[hub.slug])).content.decode()
    assert len(_svg(html).findall(f".//{SVG}line")) == MAX_NEIGHBOURS
    assert f"The {MAX_NEIGHBOURS} closest by name of {MAX_NEIGHBOURS + 4} ties are drawn." in html


def test_the_entity_page_runs_the_same_queries_for_one_tie_or_thirty(
    django_assert_num_queries: Callable[..., AbstractContextManager[object]],
) -> None:
    client = _staff()
    small, small_others = _hub(1, name="Small hub")
    large, large_others = _hub(30, name="Large hub")
    published_brief(subjects=[small], mentioned=small_others)
    published_brief(subjects=[large], mentioned=large_others)
    cache.clear()
    with CaptureQueriesContext(connection) as counted:
        assert client.get(reverse("portal:entity-detail", args=[small.slug])).status_code == 200
    cache.clear()
    with django_assert_num_queries(len(counted)):
        response = client.get(reverse("portal:entity-detail", args=[large.slug]))
    assert len(_svg(response.content.decode()).findall(f".//{SVG}line")) == MAX_NEIGHBOURS


# --- The API ------------------------------------------------------------------------------------


def _graph(client: Client, slug: str, query: str = "") -> Any:
    response = client.get(reverse("api:entity-graph", args=[slug]) + query)
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, json.loads(response.content)


def _chain() -> dict[str, Entity]:
    """leader —leads→ militia —part of→ umbrella —backed by→ patron; rival —opposed to→ militia."""
    names = ("leader", "militia", "umbrella", "patron", "rival")
    made = {name: EntityFactory(name=name.title(), slug=name) for name in names}
    for subject, kind, obj in [
        ("leader", "leads", "militia"),
        ("militia", "part_of", "umbrella"),
        ("umbrella", "backed_by", "patron"),
        ("rival", "opposed_to", "militia"),
    ]:
        Relationship.objects.create(subject=made[subject], object=made[obj], kind=kind)
    return made


@pytest.mark.postgres
def test_the_neighbourhood_one_or_two_ties_deep() -> None:
    _chain()
    status, one = _graph(Client(), "militia")
    assert status == 200
    assert (one["entity"], one["depth"], one["truncated"]) == ("militia", 1, False)
    assert [(n["slug"], n["depth"]) for n in one["nodes"]] == [
        ("militia", 0),
        ("leader", 1),
        ("rival", 1),
        ("umbrella", 1),
    ]
    assert sorted((e["source"], e["kind"], e["target"]) for e in one["edges"]) == [
        ("leader", "leads", "militia"),
        ("militia", "part_of", "umbrella"),
        ("rival", "opposed_to", "militia"),
    ]
    _, two = _graph(Client(), "militia", "?depth=2")
    assert [(n["slug"], n["depth"]) for n in two["nodes"]][-1] == ("patron", 2)
    assert ("umbrella", "backed_by", "patron") in {
        (e["source"], e["kind"], e["target"]) for e in two["edges"]
    }
    assert set(two["edges"][0]) == {
        "source",
        "target",
        "kind",
        "start_date",
        "end_date",
        "confidence",
    }


@pytest.mark.postgres
@pytest.mark.parametrize("depth", ["0", "3", "two", "-1", "1.5"])
def test_a_bad_depth_is_a_400_in_the_apis_error_shape(depth: str) -> None:
    _chain()
    status, body = _graph(Client(), "militia", f"?depth={depth}")
    assert status == 400
    assert set(body) == {"error"}
    assert body["error"]["status"] == 400 and body["error"]["code"] == "invalid"
    assert list(body["error"]["fields"]) == ["depth"]


@pytest.mark.postgres
def test_an_unknown_entity_is_a_404_in_the_apis_error_shape() -> None:
    status, body = _graph(Client(), "nobody")
    assert status == 404 and body["error"]["code"] == "not_found"


@pytest.mark.postgres
def test_mentions_are_counted_only_over_briefs_the_user_may_read() -> None:
    made = _chain()
    published_brief(mentioned=[made["militia"], made["leader"]], access_tier=AccessTier.PUBLIC)
    published_brief(mentioned=[made["militia"], made["rival"]], access_tier=AccessTier.STANDARD)
    published_brief(mentioned=[made["leader"]], access_tier=AccessTier.PREMIUM)

    def counts(client: Client) -> dict[str, tuple[int, int]]:
        _, body = _graph(client, "militia")
        return {n["slug"]: (n["mentions"], n["co_mentions"]) for n in body["nodes"]}

    reader = Client()
    reader.force_login(client_reader())  # standard tier, every region
    assert counts(Client()) == {
        "militia": (1, 0),
        "leader": (1, 1),
        "rival": (0, 0),
        "umbrella": (0, 0),
    }
    assert counts(reader) == {
        "militia": (2, 0),
        "leader": (1, 1),
        "rival": (1, 1),
        "umbrella": (0, 0),
    }
    assert counts(_staff()) == {
        "militia": (2, 0),
        "leader": (2, 1),
        "rival": (1, 1),
        "umbrella": (0, 0),
    }


@pytest.mark.postgres
def test_the_neighbourhood_runs_the_same_queries_for_few_ties_or_many(
    django_assert_num_queries: Callable[..., AbstractContextManager[object]],
) -> None:
    client = _staff()
    small, _ = _hub(1, name="Small hub")
    large, others = _hub(25, name="Large hub")
    for other in others[:10]:
        for n in range(3):
            Relationship.objects.create(
                subject=other, object=EntityFactory(name=f"{other.name} {n}"), kind="allied_with"
            )
    path = reverse("api:entity-graph", args=[small.slug]) + "?depth=2"
    with CaptureQueriesContext(connection) as counted:
        assert client.get(path).status_code == 200
    with django_assert_num_queries(len(counted)):
        _, body = _graph(client, large.slug, "?depth=2")
    assert len(body["nodes"]) == 1 + 25 + 30

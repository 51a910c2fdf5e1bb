"""What clients see of the tradecraft: judgments with their term, range, confidence, evidence,
assumptions and history; graded sources; scenarios; the legends. On the brief page, the print
view, the API and the digest, and in a fixed number of queries whatever their number."""

import re
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from advisory.accounts.models import Role, User
from advisory.briefs.models import Brief
from advisory.briefs.services import (
    JudgmentSpec,
    ScenarioSpec,
    SourceSpec,
    brief_create,
    brief_parts_replace,
    brief_revision_record,
    key_judgment_revise,
)
from advisory.digests.compose import digest_items
from advisory.digests.models import Frequency
from advisory.digests.rendering import digest_body
from advisory.digests.selectors import subscription_publications
from advisory.digests.services import Preferences, subscription_save
from advisory.workflow import services as workflow
from tests.factories import client_reader, staff_user
from tests.test_tradecraft_review import Desk, _day

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

REASON = "The port authority announced a closure on Monday."


@pytest.fixture
def live() -> Desk:
    """A live brief whose first judgment was re-rated, with a reason, in a published update."""
    desk = Desk()
    brief_parts_replace(
        actor=desk.writer,
        brief=desk.brief,
        key_judgments=[
            JudgmentSpec(
                "Talks stall before spring.",
                "likely",
                "moderate",
                assumptions="The envoy stays in post.\nNo strike hits the port.",
                sources=(0,),
            ),
            JudgmentSpec("The governor resigns.", "unlikely", "low", sources=(0, 1)),
        ],
        sources=[
            SourceSpec(
                "Port authority notice", publisher="Port of Basra", reliability="B", credibility=2
            ),
            SourceSpec("Channel chatter", reliability="F", credibility=6),
        ],
        mentions=[],
        scenarios=[
            ScenarioSpec(
                "Deal by March",
                "realistic_possibility",
                review_on=_day(30),
                description="A deal on the port fees.",
                drivers="Fee income\nUS pressure",
                indicators="A signed fee schedule\nThe envoy visits Basra",
            )
        ],
    )
    brief_revision_record(actor=desk.writer, brief=desk.brief)
    desk.publish()
    key_judgment_revise(
        actor=desk.writer,
        judgment=desk.judgment(),
        likelihood="highly_likely",
        confidence="high",
        change_reason=REASON,
    )
    desk.publish()
    return desk


def _reader() -> tuple[User, Client]:
    reader = client_reader()
    client = Client()
    client.force_login(reader)
    return reader, client


def test_the_brief_page_shows_each_judgment_rated_with_its_evidence_and_history(live: Desk) -> None:
    _, client = _reader()
    page = client.get(reverse("portal:brief-detail", args=[live.brief.slug])).content.decode()
    heading = f"{live.brief.slug}-title"

    assert (
        '<span class="likelihood" title="Highly likely: 80–90% probability (PHIA Probability '
        'Yardstick)">Highly likely<span class="likelihood__range"> (80–90%)</span></span>'
    ) in page
    assert '<span class="judgment__confidence">High confidence</span>' in page
    assert f'Evidence: <a href="#{heading}-source-1">source 1</a></p>' in page
    assert (
        f'<a href="#{heading}-source-1">source 1</a>, <a href="#{heading}-source-2">source 2</a>'
        in page
    )
    assert (
        "Assumes (not evidence):</p><ul><li>The envoy stays in post.</li>"
        "<li>No strike hits the port.</li>" in page
    )
    history = re.search(r'<div class="judgment__history">(.*?)</div>', page, re.DOTALL)
    assert history is not None, "the re-rated judgment shows how it changed"
    steps = history.group(1)
    assert "first published as" in steps and "moderate confidence" in steps
    assert "Likely or probable, moderate confidence → " in steps
    assert f"high confidence. {REASON}</li>" in steps
    assert page.count('class="judgment__history"') == 1, "an unchanged judgment has no history"

    assert (
        f'<li id="{heading}-source-1"><abbr class="grade" title="Source: usually reliable. '
        'Information: probably true.">B2</abbr>' in page
    )
    assert (
        '<abbr class="grade" title="Source: reliability cannot be judged. Information: truth '
        'cannot be judged.">F6</abbr>' in page
    )

    assert "<h3 id=" in page and "Deal by March</h3>" in page
    assert (
        "<h4>Signposts to watch</h4><ul><li>A signed fee schedule</li>"
        "<li>The envoy visits Basra</li></ul>" in page
    )
    assert "<h4>Drivers</h4><ul><li>Fee income</li><li>US pressure</li></ul>" in page
    assert 'Realistic possibility<span class="likelihood__range"> (40–50%)</span>' in page

    legend = page[page.index("How to read the judgments and sources") :]
    for label, span in [
        ("Remote chance", "0–5%"),
        ("Highly unlikely", "10–20%"),
        ("Unlikely", "25–35%"),
        ("Realistic possibility", "40–50%"),
        ("Likely or probable", "55–75%"),
        ("Highly likely", "80–90%"),
        ("Almost certain", "95–100%"),
    ]:
        assert f"<dt>{label}</dt><dd>{span}</dd>" in legend
    assert "The ranges leave gaps on purpose" in legend
    assert '<dt>E</dt><dd><span class="legend__label">Unreliable</span>' in legend
    assert '<dt>F</dt><dd><span class="legend__label">Reliability cannot be judged</span>' in legend
    assert '<dt>6</dt><dd><span class="legend__label">Truth cannot be judged</span>' in legend


def test_the_print_view_carries_the_ratings_grades_and_legend(live: Desk) -> None:
    _, client = _reader()
    page = client.get(reverse("portal:brief-print", args=[live.brief.slug])).content.decode()
    assert 'Highly likely<span class="likelihood__range"> (80–90%)</span>' in page
    assert ">B2</abbr>" in page and ">F6</abbr>" in page
    assert "<dt>Likely or probable</dt><dd>55–75%</dd>" in page
    assert REASON in page


def test_clients_see_the_version_they_read_not_the_draft(live: Desk) -> None:
    key_judgment_revise(
        actor=live.writer,
        judgment=live.judgment(1),
        likelihood="remote_chance",
        confidence="high",
        change_reason="Draft reasoning.",
    )
    _, client = _reader()
    page = client.get(reverse("portal:brief-detail", args=[live.brief.slug])).content.decode()
    assert "Remote chance<span" not in page and "Draft reasoning." not in page


def test_the_api_adds_judgments_scales_grades_and_scenarios(live: Desk) -> None:
    _, client = _reader()
    data = client.get(reverse("api:brief-detail", args=[live.brief.slug])).json()

    assert data["key_judgments"] == ["Talks stall before spring.", "The governor resigns."]
    first, second = data["judgments"]
    assert first == {
        "statement": "Talks stall before spring.",
        "likelihood": {
            "scale": "phia",
            "term": "highly_likely",
            "label": "Highly likely",
            "low": 80,
            "high": 90,
        },
        "confidence": "high",
        "assumptions": ["The envoy stays in post.", "No strike hits the port."],
        "sources": [1],
        "history": [
            {
                "published_at": first["history"][0]["published_at"],
                "likelihood": {
                    "scale": "phia",
                    "term": "likely",
                    "label": "Likely or probable",
                    "low": 55,
                    "high": 75,
                },
                "confidence": "Moderate confidence",
                "previous_likelihood": None,
                "previous_confidence": "",
                "reason": "",
            },
            {
                "published_at": first["history"][1]["published_at"],
                "likelihood": {
                    "scale": "phia",
                    "term": "highly_likely",
                    "label": "Highly likely",
                    "low": 80,
                    "high": 90,
                },
                "confidence": "High confidence",
                "previous_likelihood": {
                    "scale": "phia",
                    "term": "likely",
                    "label": "Likely or probable",
                    "low": 55,
                    "high": 75,
                },
                "previous_confidence": "Moderate confidence",
                "reason": REASON,
            },
        ],
    }
    assert second["sources"] == [1, 2] and len(second["history"]) == 1
    assert [(source["number"], source["grade"]) for source in data["sources"]] == [
        (1, "B2"),
        (2, "F6"),
    ]
    assert data["sources"][1]["grade_meaning"] == (
        "Source: reliability cannot be judged. Information: truth cannot be judged."
    )
    [scale] = data["likelihood_scales"]
    assert (scale["code"], len(scale["terms"])) == ("phia", 7)
    assert scale["terms"][1] == {
        "code": "highly_unlikely",
        "label": "Highly unlikely",
        "low": 10,
        "high": 20,
    }
    [scenario] = data["scenarios"]
    assert scenario["indicators"] == ["A signed fee schedule", "The envoy visits Basra"]
    assert scenario["likelihood"]["term"] == "realistic_possibility"
    assert scenario["review_on"] == _day(30).isoformat()


def test_the_digest_lists_each_judgment_with_its_term(live: Desk) -> None:
    reader, _ = _reader()
    subscription = subscription_save(
        actor=reader, preferences=Preferences(frequency=Frequency.DAILY, use_follows=False)
    )
    rows = subscription_publications(subscription, window_start=None, window_end=timezone.now())
    body = digest_body(
        items=digest_items(rows),
        period_label="Daily digest",
        more_url="https://advisory.example.com/briefs/",
    )
    text = "".join(body.text_parts)
    assert "- Highly likely (80–90%), high confidence: Talks stall before spring." in text
    assert "- Unlikely (25–35%), low confidence: The governor resigns." in text
    html = "".join(body.html_parts)
    assert "Highly likely (80–90%), high confidence: Talks stall before spring.</li>" in html


def _rated_live_brief(size: int) -> Brief:
    """A live brief with `size` graded sources, judgments citing them (each re-rated once in a
    published update) and scenarios."""
    writer = staff_user(role=Role.WRITER, username=f"writer{size}")
    editor = staff_user(role=Role.EDITOR, username=f"editor{size}")
    brief = brief_create(
        actor=writer, title=f"Brief {size}", body="Plain text.", record_revision=False
    )
    brief_parts_replace(
        actor=writer,
        brief=brief,
        key_judgments=[
            JudgmentSpec(
                f"Judgment {n}.",
                "likely",
                "moderate",
                assumptions="One.\nTwo.",
                sources=tuple(range(n + 1)),
            )
            for n in range(size)
        ],
        sources=[SourceSpec(f"Source {n}", reliability="C", credibility=3) for n in range(size)],
        mentions=[],
        scenarios=[
            ScenarioSpec(f"Scenario {n}", "unlikely", review_on=_day(9), indicators="A\nB")
            for n in range(size)
        ],
    )
    brief_revision_record(actor=writer, brief=brief)
    for _ in range(2):
        workflow.brief_submit(actor=writer, brief=brief)
        workflow.brief_approve(actor=editor, brief=brief)
        workflow.brief_publish(actor=editor, brief=brief)
        for judgment in brief.key_judgments.all():
            if judgment.likelihood == "likely":
                key_judgment_revise(
                    actor=writer,
                    judgment=judgment,
                    likelihood="highly_likely",
                    confidence="high",
                    change_reason=f"New reporting on {judgment.statement}",
                )
    brief.refresh_from_db()
    return brief


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["portal:brief-detail", "portal:brief-print", "api:brief-detail"])
def test_a_brief_takes_the_same_queries_with_one_judgment_or_many(
    page: str, django_assert_num_queries: Callable[..., AbstractContextManager[object]]
) -> None:
    _, client = _reader()
    small, large = _rated_live_brief(1), _rated_live_brief(12)
    assert large.judgment_changes.count() == 24
    expected = _queries(client, reverse(page, args=[small.slug]))
    with django_assert_num_queries(expected):
        response = client.get(reverse(page, args=[large.slug]))
    assert response.status_code == 200
    assert response.content.decode().count("New reporting on Judgment") == 12

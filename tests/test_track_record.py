"""The track record: resolving published judgments (service and desk page), and the
calibration table and Brier score against a worked example done by hand."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from advisory.accounts.models import Role, User
from advisory.briefs.calibration import ResolvedForecast, calibration
from advisory.briefs.models import JudgmentResolution, KeyJudgment, Outcome
from advisory.briefs.scales import PHIA
from advisory.briefs.services import (
    ResolutionRefused,
    brief_revision_record,
    judgment_resolve,
    key_judgment_revise,
)
from advisory.workflow.models import AuditEvent
from tests.factories import staff_user
from tests.test_tradecraft_review import Desk

HAPPENED, DID_NOT, UNRESOLVABLE = Outcome.HAPPENED, Outcome.DID_NOT_HAPPEN, Outcome.UNRESOLVABLE


def _forecasts(*rows: tuple[str, str, str, int]) -> list[ResolvedForecast]:
    return [
        ResolvedForecast(scale, term, outcome)
        for scale, term, outcome, times in rows
        for _ in range(times)
    ]


WORKED_EXAMPLE = _forecasts(
    ("phia", "likely", HAPPENED, 3),
    ("phia", "likely", DID_NOT, 1),
    ("phia", "highly_unlikely", DID_NOT, 2),
    ("phia", "almost_certain", HAPPENED, 1),
    ("phia", "unlikely", UNRESOLVABLE, 1),
)


def test_calibration_and_brier_score_of_a_worked_example() -> None:
    # By hand, forecasting each term's midpoint:
    #   likely (55–75%): p = 0.65; 3 came true: 3 × (0.65 − 1)² = 3 × 0.1225 = 0.3675
    #                              1 did not:  1 × (0.65 − 0)² = 0.4225
    #   highly unlikely (10–20%): p = 0.15; 2 did not: 2 × 0.15² = 2 × 0.0225 = 0.045
    #   almost certain (95–100%): p = 0.975; 1 came true: (0.975 − 1)² = 0.000625
    #   unlikely: 1 cannot be resolved, which scores nothing.
    #   Brier = (0.3675 + 0.4225 + 0.045 + 0.000625) / 7 = 0.835625 / 7 = 0.119375
    result = calibration(WORKED_EXAMPLE, scale=PHIA)

    assert result.scored == 7
    assert result.brier_score == pytest.approx(0.119375, abs=1e-12)
    rows = {row.term.code: row for row in result.rows}
    assert [row.term.code for row in result.rows] == [term.code for term in PHIA.terms]
    likely = rows["likely"]
    assert (likely.resolved, likely.happened, likely.did_not_happen) == (4, 3, 1)
    assert likely.frequency == 0.75 and likely.verdict == "within the term's range"
    assert likely.too_few and not rows["remote_chance"].too_few
    highly_unlikely = rows["highly_unlikely"]
    assert (highly_unlikely.resolved, highly_unlikely.frequency) == (2, 0.0)
    assert highly_unlikely.verdict == "came true less often than the term says"
    assert (rows["almost_certain"].frequency, rows["almost_certain"].verdict) == (
        1.0,
        "within the term's range",
    )
    unlikely = rows["unlikely"]
    assert (unlikely.resolved, unlikely.unresolvable, unlikely.frequency) == (0, 1, None)
    assert unlikely.verdict == ""
    assert rows["remote_chance"].resolved == 0


def test_a_judgment_written_on_another_scale_gets_its_own_row_and_its_own_midpoint() -> None:
    # ICD 203 "very likely" (80–95%): p = 0.875, came true: (0.875 − 1)² = 0.015625.
    # Brier = (0.835625 + 0.015625) / 8 = 0.85125 / 8 = 0.10640625
    result = calibration(
        [*WORKED_EXAMPLE, ResolvedForecast("icd203", "very_likely", HAPPENED)], scale=PHIA
    )
    assert result.scored == 8
    assert result.brier_score == pytest.approx(0.10640625, abs=1e-12)
    extra = result.rows[-1]
    assert (extra.scale.code, extra.term.code, extra.happened) == ("icd203", "very_likely", 1)
    assert calibration([], scale=PHIA).brier_score is None


# --- Resolving, as the desk does it -----------------------------------------------------------


@pytest.fixture
def live() -> Desk:
    desk = Desk()
    desk.publish()
    return desk


@pytest.mark.django_db
def test_an_editor_resolves_a_judgment_as_clients_read_it(live: Desk) -> None:
    judgment = live.judgment()
    # A draft re-rating that clients do not read yet: the record keeps what they read.
    key_judgment_revise(
        actor=live.writer,
        judgment=judgment,
        likelihood="almost_certain",
        confidence="high",
        change_reason="Draft only.",
    )
    with pytest.raises(ResolutionRefused, match=r"Only editors resolve judgments\."):
        judgment_resolve(actor=live.writer, judgment=judgment, outcome=HAPPENED)
    with pytest.raises(ResolutionRefused, match="is not an outcome"):
        judgment_resolve(actor=live.editor, judgment=judgment, outcome="maybe")

    resolution = judgment_resolve(
        actor=live.editor, judgment=judgment, outcome=HAPPENED, note="Talks stalled in March."
    )
    assert (resolution.scale, resolution.likelihood, resolution.confidence) == (
        "phia",
        "likely",
        "moderate",
    )
    assert resolution.statement == "Talks stall before spring."
    assert resolution.revision_id == live.brief.live_revision_id
    event = AuditEvent.objects.get(verb="brief.judgment_resolved")
    assert (event.actor, event.reason) == (live.editor, "Talks stalled in March.")
    assert event.data == {
        "judgment": judgment.pk,
        "likelihood": "likely",
        "outcome": "happened",
        "previous_outcome": None,
    }

    corrected = judgment_resolve(actor=live.editor, judgment=judgment, outcome=DID_NOT)
    assert corrected.pk == resolution.pk and corrected.outcome == DID_NOT
    assert (
        AuditEvent.objects.filter(verb="brief.judgment_resolved")
        .latest("id")
        .data["previous_outcome"]
        == "happened"
    )

    # The record stands when the judgment itself goes.
    KeyJudgment.objects.filter(pk=judgment.pk).delete()
    kept = JudgmentResolution.objects.get()
    assert (kept.judgment, kept.outcome) == (None, DID_NOT)


@pytest.mark.django_db
def test_only_rated_judgments_of_live_briefs_are_resolved() -> None:
    draft = Desk()
    with pytest.raises(ResolutionRefused, match="Only judgments of a live brief"):
        judgment_resolve(actor=draft.editor, judgment=draft.judgment(), outcome=HAPPENED)
    # A judgment imported before the scale existed, published unrated.
    KeyJudgment.objects.filter(pk=draft.judgment(1).pk).update(
        scale="", likelihood="", confidence=""
    )
    brief_revision_record(actor=draft.writer, brief=draft.brief)
    draft.publish()
    with pytest.raises(ResolutionRefused, match="publish it rated first"):
        judgment_resolve(actor=draft.editor, judgment=draft.judgment(1), outcome=HAPPENED)


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_desk_page_shows_the_table_and_score_and_editors_resolve_there(live: Desk) -> None:
    url = reverse("track-record")
    editor = _as(live.editor)
    page = editor.get(url).content.decode()
    assert "No judgment has been resolved as happened or did not happen yet." in page
    assert "Talks stall before spring." in page and 'name="outcome"' in page
    assert "The forecast p of each judgment is the midpoint of its term's range" in page

    response = editor.post(
        url, {"judgment": live.judgment().pk, "outcome": "happened", "note": "Stalled."}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Resolved as “happened”: Talks stall before spring."
    ]
    judgment_resolve(actor=live.editor, judgment=live.judgment(1), outcome=DID_NOT)

    page = editor.get(url).content.decode()
    # likely: p = 0.65, came true: 0.1225; unlikely: p = 0.30, did not: 0.09. (0.1225 + 0.09) / 2
    assert "<strong>0.106</strong> over 2 resolved judgments." in page
    likely_row = page[page.index('<th scope="row">Likely or probable</th>') :].split("</tr>")[0]
    # Resolved, came true, did not, how often true, cannot be resolved.
    assert re.findall(r'<td class="number">([^<]*)</td>', likely_row) == [
        "1",
        "1",
        "0",
        "100%",
        "0",
    ]
    assert "came true more often than the term says" in likely_row

    writer = _as(live.writer)
    assert 'name="outcome"' not in writer.get(url).content.decode()
    refused = writer.post(url, {"judgment": live.judgment().pk, "outcome": "did_not_happen"})
    assert [str(m) for m in get_messages(refused.wsgi_request)] == [
        "Only editors resolve judgments."
    ]
    reader = staff_user(role=Role.WRITER, username="another")
    assert _as(reader).get(url).status_code == 200

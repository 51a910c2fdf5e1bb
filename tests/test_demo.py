import datetime

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from advisory.accounts.models import Membership, Organisation, Role
from advisory.briefs.models import (
    Brief,
    BriefKind,
    BriefStatus,
    JudgmentChange,
    JudgmentResolution,
    KeyJudgment,
    Mention,
    Scenario,
    Source,
)
from advisory.entities.models import Alias, Designation, Entity, Relationship
from advisory.lib.markdown import render_markdown
from advisory.workflow.models import AuditEvent

pytestmark = pytest.mark.django_db


_MODELS = (Organisation, Membership, Entity, Alias, Relationship, Designation, Brief, Mention)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in _MODELS}


def test_load_demo_builds_the_desk_and_is_idempotent() -> None:
    call_command("load_demo", verbosity=0)
    first = _counts()
    call_command("load_demo", verbosity=0)
    assert _counts() == first

    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    for membership in Membership.objects.select_related("user"):
        sign_in = RequestFactory().post("/accounts/sign-in/")
        assert authenticate(sign_in, username=membership.user.username, password="advisory-demo")

    clients = Organisation.objects.filter(kind=Organisation.Kind.CLIENT)
    assert clients.count() == 2
    entitlements = {
        (org.tier, frozenset(org.regions.values_list("slug", flat=True))) for org in clients
    }
    assert len(entitlements) == 2, "the two clients must have different entitlements"

    assert first["Entity"] >= 40
    assert Alias.objects.filter(script="Arab").values("entity").distinct().count() >= 30
    assert first["Relationship"] >= 20
    assert first["Designation"] >= 10

    briefs = Brief.objects.all()
    assert 6 <= briefs.count() <= 8
    assert briefs.filter(kind=BriefKind.FLASH_ALERT).count() == 1
    in_series = briefs.filter(series__isnull=False).order_by("series_position")
    assert list(in_series.values_list("series_position", flat=True)) == [1, 2, 3]
    assert sum('class="footnotes"' in render_markdown(b.body) for b in briefs) >= 1
    assert sum("<figure>" in render_markdown(b.body) for b in briefs) >= 1
    assert briefs.filter(status=BriefStatus.PUBLISHED).count() >= 4
    for brief in briefs:
        assert brief.word_count > 100
        assert brief.mentions.exists()
        assert brief.bylines.exists()
        assert brief.sources.exists()

    maliki = Entity.objects.get(name="Nuri al-Maliki")
    assert maliki.aliases.filter(name="Nouri al-Maliki").exists()
    assert AuditEvent.objects.filter(verb="brief.created").count() == briefs.count()


def test_the_demo_shows_the_desks_tradecraft() -> None:
    call_command("load_demo", verbosity=0)

    assert not Source.objects.filter(reliability="").exists(), "every demo source is graded"
    assert Source.objects.filter(reliability="F", credibility=6).exists()
    assert not KeyJudgment.objects.filter(likelihood="").exists(), "every judgment is rated"
    assert set(KeyJudgment.objects.values_list("confidence", flat=True)) == {
        "high",
        "moderate",
        "low",
    }
    assert KeyJudgment.objects.filter(sources__isnull=False).exists()
    assert KeyJudgment.objects.exclude(assumptions="").exists()
    scenario = Scenario.objects.filter(review_on__lt=datetime.date.today()).get()
    assert len(scenario.indicators.splitlines()) >= 3
    # A judgment re-rated in a published update, with the reason clients read.
    change = JudgmentChange.objects.exclude(previous_likelihood="").get()
    assert (change.previous_likelihood, change.likelihood) == ("likely", "highly_likely")
    assert change.reason.startswith("No attack has been claimed")
    outcomes = set(JudgmentResolution.objects.values_list("outcome", flat=True))
    assert outcomes == {"happened", "did_not_happen"}
    assert JudgmentResolution.objects.count() >= 5

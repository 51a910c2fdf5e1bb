"""Load the demo desk: users for each role, two client organisations, entities and briefs.

Idempotent: running it again brings users and their roles back to the demo state, adds what
is missing, and leaves briefs that already exist (and any edits made to them) alone.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from advisory.accounts.models import AccessTier, Organisation, Role, User
from advisory.accounts.selectors import follows_of
from advisory.accounts.services import (
    follow_add,
    membership_assign,
    organisation_create,
    user_create,
)
from advisory.briefs.models import Brief, Series
from advisory.briefs.scales import PHIA, active_scale
from advisory.briefs.services import (
    JudgmentSpec,
    ScenarioSpec,
    SourceSpec,
    brief_back_catalogue_status_set,
    brief_create,
    brief_parts_replace,
    brief_revision_record,
    judgment_resolve,
    key_judgment_revise,
)
from advisory.demo import content
from advisory.digests.models import Frequency, Subscription
from advisory.digests.services import Preferences, subscription_save
from advisory.entities.models import Entity, Region, Relationship
from advisory.entities.services import (
    AliasSpec,
    country_resolve,
    designation_upsert,
    entity_create,
    entity_update,
    relationship_create,
)
from advisory.lib.slugs import unique_slug
from advisory.lib.text import normalise_name

DEMO_PASSWORD = "advisory-demo"
DEMO_FOLLOWED_ENTITIES = ("kataib-hezbollah", "asaib-ahl-al-haq")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    organisation: str
    first_name: str
    last_name: str


DESK = "advisory-desk"
CLIENT_ENERGY = "meridian-energy"
CLIENT_LOGISTICS = "northgate-logistics"

DEMO_USERS = (
    DemoUser("writer", Role.WRITER, DESK, "Layla", "Haddad"),
    DemoUser("writer2", Role.WRITER, DESK, "Tom", "Ashworth"),
    DemoUser("editor", Role.EDITOR, DESK, "Sara", "Kemal"),
    DemoUser("editor2", Role.EDITOR, DESK, "Daniel", "Okafor"),
    DemoUser("deskadmin", Role.DESK_ADMIN, DESK, "Noor", "Rahman"),
    DemoUser("reader", Role.CLIENT_READER, CLIENT_ENERGY, "Claire", "Dubois"),
    DemoUser("reader2", Role.CLIENT_READER, CLIENT_LOGISTICS, "Arjun", "Mehta"),
)


def _date(value: str | None) -> datetime.date | None:
    return parse_date(value) if value else None


def _load_regions() -> None:
    for spec in content.REGIONS:
        region, _ = Region.objects.get_or_create(
            slug=spec["slug"], defaults={"name": spec["name"], "kind": Region.Kind.REGION}
        )
        for code in spec["countries"]:
            country = country_resolve(code)
            if country.parent_id != region.pk:
                country.parent = region
                country.save(update_fields=["parent"])


def _regions(codes: list[str]) -> list[Region]:
    return [
        country_resolve(code) if len(code) == 2 else Region.objects.get(slug=code) for code in codes
    ]


def _organisation(slug: str, actor: User | None, **values: Any) -> Organisation:
    existing = Organisation.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    organisation = organisation_create(actor=actor, **values)
    if organisation.slug != slug:
        organisation.slug = slug
        organisation.save(update_fields=["slug"])
    return organisation


def _load_organisations() -> dict[str, Organisation]:
    today = datetime.date.today()
    return {
        DESK: _organisation(
            DESK,
            None,
            name="Advisory desk",
            kind=Organisation.Kind.DESK,
            seats=50,
            tier=AccessTier.PREMIUM,
        ),
        CLIENT_ENERGY: _organisation(
            CLIENT_ENERGY,
            None,
            name="Meridian Energy Partners",
            seats=5,
            tier=AccessTier.STANDARD,
            expires_on=today.replace(year=today.year + 1),
            regions=_regions(["IQ", "IR"]),
        ),
        CLIENT_LOGISTICS: _organisation(
            CLIENT_LOGISTICS,
            None,
            name="Northgate Logistics",
            seats=3,
            tier=AccessTier.PREMIUM,
            expires_on=today + datetime.timedelta(days=90),
            regions=_regions(["middle-east"]),
        ),
    }


def _load_users(organisations: dict[str, Organisation]) -> dict[str, User]:
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        bio = content.AUTHOR_BIOS.get(spec.username, {})
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=spec.username,
                email=f"{spec.username}@advisory.invalid",
                password=DEMO_PASSWORD,
                first_name=spec.first_name,
                last_name=spec.last_name,
                display_name=bio.get("display_name", ""),
                bio=bio.get("bio", ""),
            )
        else:
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        membership_assign(
            actor=None, user=user, organisation=organisations[spec.organisation], role=spec.role
        )
        users[spec.username] = user
    return users


def _load_entities(actor: User) -> dict[str, Entity]:
    entities: dict[str, Entity] = {}
    for spec in content.ENTITIES:
        aliases = [
            AliasSpec(
                name=alias["name"],
                language=alias.get("language", ""),
                script=alias.get("script", ""),
                kind=alias.get("kind", "alias"),
            )
            for alias in spec.get("aliases", [])
        ]
        identifiers = [("wikidata", spec["wikidata"])] if spec.get("wikidata") else []
        country = country_resolve(spec["country"]) if spec.get("country") else None
        entity = Entity.objects.filter(normalised_name=normalise_name(spec["name"])).first()
        if entity is None:
            entity = entity_create(
                actor=actor,
                kind=spec["kind"],
                name=spec["name"],
                description=spec.get("description", ""),
                country=country,
                aliases=aliases,
                identifiers=identifiers,
            )
        else:
            entity_update(actor=actor, entity=entity, aliases=aliases, identifiers=identifiers)
        entities[spec["key"]] = entity
    for rel in content.RELATIONSHIPS:
        subject, obj = entities[rel["subject"]], entities[rel["object"]]
        if Relationship.objects.filter(subject=subject, object=obj, kind=rel["kind"]).exists():
            continue
        relationship_create(
            actor=actor,
            subject=subject,
            object=obj,
            kind=rel["kind"],
            start_date=_date(rel.get("start")),
            end_date=_date(rel.get("end")),
            source=rel.get("source") or "",
            source_url=rel.get("source_url") or "",
            confidence=rel.get("confidence", "moderate"),
        )
    for designation in content.DESIGNATIONS:
        designation_upsert(
            actor=actor,
            entity=entities[designation["entity"]],
            authority=designation["authority"],
            programme=designation["programme"],
            listed_on=_date(designation.get("listed_on")),
            reference=designation.get("reference") or "",
        )
    return entities


def _load_briefs(users: dict[str, User], entities: dict[str, Entity]) -> tuple[int, int]:
    series = {
        spec["slug"]: Series.objects.get_or_create(
            slug=spec["slug"],
            defaults={"title": spec["title"], "description": spec.get("description", "")},
        )[0]
        for spec in content.SERIES
    }
    created = kept = 0
    for spec in content.BRIEFS:
        if Brief.objects.filter(slug=spec["slug"]).exists():
            kept += 1
            continue
        authors = [users[name] for name in spec["authors"]]
        brief = brief_create(
            actor=authors[0],
            title=spec["title"],
            summary=spec["summary"],
            body=spec["body"],
            kind=spec["kind"],
            access_tier=AccessTier[spec["access_tier"].upper()],
            series=series.get(spec.get("series") or ""),
            series_position=spec.get("series_position"),
            regions=_regions(spec["regions"]),
            tags=spec["tags"],
            authors=authors,
            record_revision=False,
        )
        if brief.slug != spec["slug"]:
            brief.slug = unique_slug(Brief, spec["slug"], fallback="brief")
            brief.save(update_fields=["slug"])
        brief_parts_replace(
            actor=authors[0],
            brief=brief,
            key_judgments=[_judgment_spec(judgment) for judgment in spec["key_judgments"]],
            sources=[
                SourceSpec(
                    title=source["title"],
                    publisher=source.get("publisher") or "",
                    url=source.get("url") or "",
                    published_on=_date(source.get("published_on")),
                    reliability=source["reliability"],
                    credibility=source["credibility"],
                )
                for source in spec.get("sources", [])
            ],
            mentions=[(entities[m["entity"]], m["role"]) for m in spec.get("mentions", [])],
            scenarios=[
                ScenarioSpec(
                    title=scenario["title"],
                    likelihood=_on_desk_scale(scenario["likelihood"]),
                    review_on=datetime.date.fromisoformat(scenario["review_on"]),
                    description=scenario.get("description", ""),
                    drivers=scenario.get("drivers", ""),
                    indicators=scenario.get("indicators", ""),
                )
                for scenario in spec.get("scenarios", [])
            ],
        )
        brief_revision_record(actor=authors[0], brief=brief)
        if spec.get("status", "draft") != "draft":
            published_at = (
                parse_datetime(spec["published_at"]) if spec.get("published_at") else None
            )
            brief_back_catalogue_status_set(
                actor=users["editor"],
                brief=brief,
                status=spec["status"],
                published_at=published_at if spec["status"] == "published" else None,
            )
            if spec["status"] == "published":
                _load_track_record(brief, spec, users, published_at)
        created += 1
    return created, kept


def _on_desk_scale(phia_term: str) -> str:
    """The demo rates on the PHIA yardstick; on another scale, the term nearest its meaning."""
    term = PHIA.term(phia_term)
    assert term is not None, phia_term
    return active_scale().nearest(term.midpoint).code


def _judgment_spec(judgment: dict[str, Any]) -> JudgmentSpec:
    return JudgmentSpec(
        statement=judgment["statement"],
        likelihood=_on_desk_scale(judgment["likelihood"]),
        confidence=judgment["confidence"],
        assumptions=judgment.get("assumptions", ""),
        sources=tuple(judgment.get("sources", ())),
    )


def _load_track_record(
    brief: Brief,
    spec: dict[str, Any],
    users: dict[str, User],
    published_at: datetime.datetime | None,
) -> None:
    """A published judgment re-rated in a later update, with its reason, and the outcomes the
    desk has recorded: the brief's history and the desk's track record have something to show."""
    judgments = list(brief.key_judgments.order_by("position", "pk"))
    updates = [
        (judgment, item["update"])
        for judgment, item in zip(judgments, spec["key_judgments"], strict=True)
        if "update" in item
    ]
    for judgment, update in updates:
        key_judgment_revise(
            actor=users[spec["authors"][0]],
            judgment=judgment,
            likelihood=_on_desk_scale(update["likelihood"]),
            confidence=update["confidence"],
            change_reason=update["reason"],
            statement=update.get("statement"),
        )
    if updates:
        brief_back_catalogue_status_set(
            actor=users["editor"],
            brief=brief,
            status="published",
            published_at=published_at,
            updated_at=max(parse_datetime(update["at"]) or timezone.now() for _, update in updates),
        )
    for judgment, item in zip(judgments, spec["key_judgments"], strict=True):
        if "outcome" in item:
            judgment_resolve(
                actor=users["editor"],
                judgment=judgment,
                outcome=item["outcome"]["outcome"],
                note=item["outcome"]["note"],
            )


def load_demo(progress: Callable[[str], None]) -> list[DemoUser]:
    with transaction.atomic():
        _load_regions()
        organisations = _load_organisations()
        progress(f"organisations: {len(organisations)}")
        users = _load_users(organisations)
        progress(f"users: {len(users)} (password {DEMO_PASSWORD!r})")
    with transaction.atomic():
        entities = _load_entities(users["deskadmin"])
        progress(
            f"entities: {len(entities)}, relationships: {len(content.RELATIONSHIPS)},"
            f" designations: {len(content.DESIGNATIONS)}"
        )
    with transaction.atomic():
        created, kept = _load_briefs(users, entities)
        progress(f"briefs: {created} created, {kept} already there")
    with transaction.atomic():
        follows = _load_follows(users, entities)
        progress(f"follows: {follows}")
    with transaction.atomic():
        subscriptions = _load_subscriptions(users)
        progress(f"digest subscriptions: {subscriptions}")
    return list(DEMO_USERS)


def _load_follows(users: dict[str, User], entities: dict[str, Entity]) -> int:
    """The demo reader already follows an actor and a country, so home and feeds show it."""
    reader = users["reader"]
    for target in (entities[key] for key in DEMO_FOLLOWED_ENTITIES):
        follow_add(actor=reader, target=target)
    follow_add(actor=reader, target=Region.objects.get(iso_code="IQ"))
    return len(follows_of(reader))


# Each demo reader gets a daily digest at an hour of their own, so the demo's beat sends it.
DEMO_DIGESTS = {
    "reader": Preferences(
        frequency=Frequency.DAILY, delivery_time=datetime.time(7, 0), timezone="Europe/London"
    ),
    "reader2": Preferences(
        frequency=Frequency.DAILY, delivery_time=datetime.time(8, 0), timezone="Asia/Dubai"
    ),
}


def _load_subscriptions(users: dict[str, User]) -> int:
    """A daily digest for each demo reader. One that exists already, changed or unsubscribed
    since, is left as the reader made it."""
    for username, preferences in DEMO_DIGESTS.items():
        reader = users[username]
        if not Subscription.objects.filter(user=reader, frequency=preferences.frequency).exists():
            subscription_save(actor=reader, preferences=preferences)
    return Subscription.objects.filter(user__in=[users[name] for name in DEMO_DIGESTS]).count()

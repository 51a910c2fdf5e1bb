import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import pycountry
from django.core.exceptions import ValidationError
from django.db import transaction

from advisory.accounts.models import User
from advisory.entities.models import (
    Alias,
    Confidence,
    Designation,
    Entity,
    ExternalIdentifier,
    Region,
    Relationship,
)
from advisory.lib.slugs import unique_slug
from advisory.lib.text import normalise_name
from advisory.workflow.services import audit_event_record


@dataclass(frozen=True)
class AliasSpec:
    name: str
    language: str = ""
    script: str = ""
    kind: str = Alias.Kind.ALIAS


def country_resolve(value: str) -> Region:
    """The country Region for an ISO 3166 code (IQ, IRQ) or an English name (Iraq).

    The Region is created on first use. Raises ValidationError for anything else.
    """
    text = value.strip()
    match = None
    if text:
        try:
            match = pycountry.countries.lookup(text)
        except LookupError:
            match = None
    if match is None:
        raise ValidationError(f"Unknown country {value!r}: give an ISO 3166 code or English name.")
    region = Region.objects.filter(iso_code=match.alpha_2).first()
    if region is not None:
        return region
    name = getattr(match, "common_name", None) or match.name
    return Region.objects.create(
        name=name,
        slug=unique_slug(Region, name, fallback=match.alpha_2.lower()),
        kind=Region.Kind.COUNTRY,
        iso_code=match.alpha_2,
    )


def _add_aliases(entity: Entity, aliases: Iterable[AliasSpec]) -> int:
    """Add the aliases the entity does not have yet; returns how many were added."""
    known = set(entity.aliases.values_list("normalised", flat=True))
    known.add(entity.normalised_name)
    added = 0
    for spec in aliases:
        normalised = normalise_name(spec.name)
        if not normalised or normalised in known:
            continue
        Alias.objects.create(
            entity=entity,
            name=spec.name.strip(),
            normalised=normalised,
            language=spec.language,
            script=spec.script,
            kind=spec.kind,
        )
        known.add(normalised)
        added += 1
    return added


@transaction.atomic
def entity_create(
    *,
    actor: User | None,
    kind: str,
    name: str,
    description: str = "",
    country: Region | None = None,
    aliases: Iterable[AliasSpec] = (),
    identifiers: Iterable[tuple[str, str]] = (),
    topics: Iterable[str] = (),
) -> Entity:
    name = " ".join(name.split())
    entity = Entity(
        kind=kind,
        name=name,
        normalised_name=normalise_name(name),
        slug=unique_slug(Entity, name, fallback="entity"),
        description=description.strip(),
        country=country,
        topics=sorted(set(topics)),
    )
    entity.full_clean()
    entity.save()
    _add_aliases(entity, aliases)
    for scheme, value in identifiers:
        identifier = ExternalIdentifier(entity=entity, scheme=scheme, value=value)
        identifier.full_clean()
        identifier.save()
    audit_event_record(actor=actor, verb="entity.created", target=entity)
    return entity


@transaction.atomic
def entity_update(
    *,
    actor: User | None,
    entity: Entity,
    kind: str | None = None,
    name: str | None = None,
    description: str | None = None,
    country: Region | None = None,
    aliases: Iterable[AliasSpec] = (),
    identifiers: Iterable[tuple[str, str]] = (),
    topics: Iterable[str] = (),
) -> bool:
    """Apply the given values; aliases, identifiers and topics are added, never removed.

    Returns whether anything changed. An entity's slug never changes.
    """
    changed: list[str] = []
    if kind is not None and kind != entity.kind:
        entity.kind = kind
        changed.append("kind")
    if name is not None and " ".join(name.split()) != entity.name:
        entity.name = " ".join(name.split())
        entity.normalised_name = normalise_name(entity.name)
        changed += ["name", "normalised_name"]
    if description is not None and description.strip() != entity.description:
        entity.description = description.strip()
        changed.append("description")
    if country is not None and country.pk != entity.country_id:
        entity.country = country
        changed.append("country")
    merged_topics = sorted(set(entity.topics) | set(topics))
    if merged_topics != sorted(entity.topics):
        entity.topics = merged_topics
        changed.append("topics")
    if changed:
        entity.full_clean()
        entity.save(update_fields=[*changed, "updated_at"])
    added_aliases = _add_aliases(entity, aliases)
    added_identifiers = 0
    for scheme, value in identifiers:
        identifier, created = ExternalIdentifier.objects.get_or_create(
            scheme=scheme, value=value, defaults={"entity": entity}
        )
        if identifier.entity_id != entity.pk:
            raise ValidationError(
                f"{scheme} identifier {value} already belongs to {identifier.entity}."
            )
        added_identifiers += created
    anything = bool(changed or added_aliases or added_identifiers)
    if anything:
        audit_event_record(
            actor=actor,
            verb="entity.updated",
            target=entity,
            data={"fields": changed, "aliases_added": added_aliases},
        )
    return anything


@transaction.atomic
def alias_save(*, actor: User | None, alias: Alias) -> Alias:
    """Save an alias edited in the admin, keeping its normalised form in step with its name."""
    alias.name = " ".join(alias.name.split())
    alias.normalised = normalise_name(alias.name)
    alias.full_clean()
    alias.save()
    audit_event_record(
        actor=actor, verb="alias.saved", target=alias.entity, data={"alias": alias.name}
    )
    return alias


@transaction.atomic
def relationship_create(
    *,
    actor: User | None,
    subject: Entity,
    object: Entity,
    kind: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    source: str = "",
    source_url: str = "",
    confidence: str = Confidence.MODERATE,
) -> Relationship:
    relationship = Relationship(
        subject=subject,
        object=object,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        source=source,
        source_url=source_url,
        confidence=confidence,
    )
    relationship.full_clean()
    relationship.save()
    audit_event_record(actor=actor, verb="relationship.created", target=relationship)
    return relationship


@transaction.atomic
def designation_upsert(
    *,
    actor: User | None,
    entity: Entity,
    authority: str,
    programme: str,
    listed_on: datetime.date | None = None,
    reference: str = "",
    source_url: str = "",
) -> tuple[Designation, bool]:
    """Record a sanctions listing; the same authority and programme update the existing row."""
    designation, created = Designation.objects.update_or_create(
        entity=entity,
        authority=authority.strip(),
        programme=programme.strip(),
        defaults={"listed_on": listed_on, "reference": reference, "source_url": source_url},
    )
    audit_event_record(
        actor=actor,
        verb="designation.created" if created else "designation.updated",
        target=entity,
        data={"authority": authority, "programme": programme},
    )
    return designation, created

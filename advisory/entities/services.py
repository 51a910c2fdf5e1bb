import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pycountry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from advisory.accounts.models import User
from advisory.entities.models import (
    Alias,
    Confidence,
    Designation,
    Entity,
    EntityKind,
    ExternalIdentifier,
    GazetteerVersion,
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


# Names the desk writes that ISO 3166 (and so pycountry) spells differently.
_COUNTRY_NAMES = {
    "britain": "GB",
    "burma": "MM",
    "cape verde": "CV",
    "dr congo": "CD",
    "east timor": "TL",
    "great britain": "GB",
    "ivory coast": "CI",
    "palestine": "PS",
    "russia": "RU",
    "turkey": "TR",
    "uae": "AE",
    "uk": "GB",
    "vatican": "VA",
}


def country_resolve(value: str) -> Region:
    """The country Region for an ISO 3166 code (IQ, IRQ) or an English name (Iraq).

    The Region is created on first use. Raises ValidationError for anything else.
    """
    text = value.strip()
    match = None
    if text:
        try:
            match = pycountry.countries.lookup(_COUNTRY_NAMES.get(text.casefold(), text))
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


def gazetteer_version_renew() -> None:
    """A name, alias or kind changed: each process's entity linker rebuilds its gazetteer on
    its next use. In the caller's transaction, so the new token shows with the change."""
    token, now = uuid.uuid4(), timezone.now()
    if not GazetteerVersion.objects.filter(pk=1).update(token=token, changed_at=now):
        GazetteerVersion.objects.update_or_create(pk=1, defaults={"token": token})


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
    gazetteer_version_renew()
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
    clear_country: bool = False,
    aliases: Iterable[AliasSpec] = (),
    identifiers: Iterable[tuple[str, str]] = (),
    topics: Iterable[str] = (),
) -> bool:
    """Apply the given values; aliases, identifiers and topics are added, never removed.

    An absent value leaves the field as it is (imports rarely know everything); removing the
    country takes `clear_country`. Returns whether anything changed. The slug never changes.
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
    elif clear_country and entity.country_id is not None:
        entity.country = None
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
    if added_aliases or {"kind", "name"} & set(changed):
        gazetteer_version_renew()
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
    gazetteer_version_renew()
    audit_event_record(
        actor=actor, verb="alias.saved", target=alias.entity, data={"alias": alias.name}
    )
    return alias


@transaction.atomic
def alias_delete(*, actor: User | None, alias: Alias) -> None:
    entity, name = alias.entity, alias.name
    alias.delete()
    gazetteer_version_renew()
    audit_event_record(actor=actor, verb="alias.deleted", target=entity, data={"alias": name})


@transaction.atomic
def entity_delete(*, actor: User | None, entity: Entity) -> None:
    """Delete an entity record; one that a brief mentions is protected and cannot be."""
    audit_event_record(
        actor=actor, verb="entity.deleted", target=entity, data={"name": entity.name}
    )
    entity.delete()
    gazetteer_version_renew()


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
    delisted_on: datetime.date | None = None,
    reference: str = "",
    source_url: str = "",
) -> tuple[Designation, bool]:
    """Record a sanctions listing; the same authority and programme update the existing row.

    Only a new or changed listing is recorded in the audit trail.
    """
    values = {
        "listed_on": listed_on,
        "delisted_on": delisted_on,
        "reference": reference,
        "source_url": source_url,
    }
    designation = Designation.objects.filter(
        entity=entity, authority=authority.strip(), programme=programme.strip()
    ).first()
    created = designation is None
    if designation is None:
        designation = Designation(
            entity=entity, authority=authority.strip(), programme=programme.strip()
        )
    elif all(getattr(designation, name) == value for name, value in values.items()):
        return designation, False
    for name, value in values.items():
        setattr(designation, name, value)
    designation.full_clean()
    designation.save()
    audit_event_record(
        actor=actor,
        verb="designation.created" if created else "designation.updated",
        target=entity,
        data={"authority": authority, "programme": programme},
    )
    return designation, created


EntityRecord = Relationship | Designation | ExternalIdentifier


@transaction.atomic
def entity_records_edit(
    *,
    actor: User,
    entity: Entity,
    saved: Sequence[EntityRecord],
    deleted: Sequence[EntityRecord],
) -> None:
    """Save and delete an entity's relationships, designations and identifiers as edited in
    the admin, with one audit event saying what was touched."""
    described_deleted = [f"{row._meta.verbose_name}: {row}" for row in deleted]
    for row in deleted:
        row.delete()
    for row in saved:
        row.full_clean()
        row.save()
    if saved or deleted:
        audit_event_record(
            actor=actor,
            verb="entity.records_edited",
            target=entity,
            data={
                "saved": [f"{row._meta.verbose_name}: {row}" for row in saved],
                "deleted": described_deleted,
            },
        )


@dataclass(frozen=True)
class DesignationSpec:
    """A sanctions listing as an import file gives it."""

    authority: str
    programme: str
    listed_on: datetime.date | None = None
    reference: str = ""
    source_url: str = ""


@dataclass(frozen=True)
class EntityImport:
    """One entity as an import file describes it. Empty values leave existing ones alone.

    `country` is what country_resolve takes: an ISO 3166 code or English name. The
    `former_identifiers` (ids the source has merged into this record) only help find the
    entity; they are not stored.
    """

    kind: str
    name: str
    aliases: tuple[AliasSpec, ...] = ()
    country: str = ""
    description: str = ""
    topics: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()
    former_identifiers: tuple[tuple[str, str], ...] = ()
    designations: tuple[DesignationSpec, ...] = ()


ImportOutcome = Literal["created", "updated", "skipped"]

# Sources say "organisation" for what the desk may have recorded more precisely.
_SPECIFIC_ORGANISATION_KINDS = frozenset(
    {EntityKind.ARMED_GROUP, EntityKind.GOVERNMENT_BODY, EntityKind.POLITICAL_PARTY}
)


@transaction.atomic
def entity_import_record(*, actor: User | None, record: EntityImport) -> ImportOutcome:
    """Create or update the entity an import record describes; never a duplicate.

    The entity is found by external identifier (OpenSanctions id, then the ids merged into it,
    then Wikidata QID), else by normalised canonical name, else by normalised alias (weak
    aliases are too ambiguous to match on); a name that fits several entities is refused.
    An update adds aliases, identifiers, topics and designations and takes the description
    and country the record gives. The canonical name follows the record only when matched by
    identifier, keeping the old name as an alias: a name match means the names already agree.
    """
    entity, by_identifier = _import_match(record)
    country = country_resolve(record.country) if record.country else None
    if entity is None:
        entity = entity_create(
            actor=actor,
            kind=record.kind,
            name=record.name,
            description=record.description,
            country=country,
            aliases=record.aliases,
            identifiers=record.identifiers,
            topics=record.topics,
        )
        _import_designations(actor=actor, entity=entity, designations=record.designations)
        return "created"
    keeps_kind = (
        record.kind == EntityKind.ORGANISATION and entity.kind in _SPECIFIC_ORGANISATION_KINDS
    )
    changed = entity_update(
        actor=actor,
        entity=entity,
        kind=None if keeps_kind else record.kind,
        name=record.name if by_identifier else None,
        description=record.description or None,
        country=country,
        aliases=[*record.aliases, AliasSpec(entity.name if by_identifier else record.name)],
        identifiers=record.identifiers,
        topics=record.topics,
    )
    designated = _import_designations(actor=actor, entity=entity, designations=record.designations)
    return "updated" if changed or designated else "skipped"


@transaction.atomic
def entity_designations_import(
    *, actor: User | None, opensanctions_id: str, designations: Iterable[DesignationSpec]
) -> ImportOutcome:
    """Record sanctions listings for an entity imported earlier, found by its OpenSanctions id."""
    identifier = (
        ExternalIdentifier.objects.select_related("entity")
        .filter(scheme=ExternalIdentifier.Scheme.OPENSANCTIONS, value=opensanctions_id)
        .first()
    )
    if identifier is None:
        raise ValidationError(
            f"sanctioned entity {opensanctions_id!r} is neither in the file nor imported before"
        )
    changed = _import_designations(actor=actor, entity=identifier.entity, designations=designations)
    return "updated" if changed else "skipped"


def _import_match(record: EntityImport) -> tuple[Entity | None, bool]:
    """The entity the record describes, if any, and whether an identifier (not a name) found it."""
    opensanctions = ExternalIdentifier.Scheme.OPENSANCTIONS
    candidates = [
        *(pair for pair in record.identifiers if pair[0] == opensanctions),
        *record.former_identifiers,
        *(pair for pair in record.identifiers if pair[0] != opensanctions),
    ]
    for scheme, value in candidates:
        identifier = (
            ExternalIdentifier.objects.select_related("entity")
            .filter(scheme=scheme, value=value)
            .first()
        )
        if identifier is not None:
            return identifier.entity, True
    normalised = normalise_name(record.name)
    matches = list(Entity.objects.filter(normalised_name=normalised)[:3])
    if not matches:
        entity_ids = (
            Alias.objects.filter(normalised=normalised)
            .exclude(kind=Alias.Kind.WEAK)
            .order_by()
            .values("entity_id")
            .distinct()
        )
        matches = list(Entity.objects.filter(pk__in=entity_ids)[:3])
    if len(matches) > 1:
        names = ", ".join(repr(entity.name) for entity in matches)
        raise ValidationError(
            f"{record.name!r} is ambiguous: it matches several entities ({names}); "
            "give it an identifier or tell those entities apart"
        )
    return (matches[0] if matches else None), False


def _import_designations(
    *, actor: User | None, entity: Entity, designations: Iterable[DesignationSpec]
) -> bool:
    """Upsert the listings that add something; returns whether any did.

    One listing per authority and programme: with several, the earliest counts, so a second
    run of the same file finds nothing to change.
    """
    chosen: dict[tuple[str, str], DesignationSpec] = {}
    undated_last = sorted(
        designations, key=lambda spec: (spec.listed_on is None, spec.listed_on or datetime.date.min)
    )
    for spec in undated_last:
        chosen.setdefault((spec.authority.strip(), spec.programme.strip()), spec)
    existing = {(row.authority, row.programme): row for row in entity.designations.all()}
    changed = False
    for (authority, programme), spec in chosen.items():
        current = existing.get((authority, programme))
        listed_on, reference, source_url = spec.listed_on, spec.reference, spec.source_url
        # The export says nothing of delistings: keep what the desk recorded.
        delisted_on = current.delisted_on if current is not None else None
        if current is not None:
            listed_on = listed_on or current.listed_on
            reference = reference or current.reference
            source_url = source_url or current.source_url
            if (listed_on, reference, source_url) == (
                current.listed_on,
                current.reference,
                current.source_url,
            ):
                continue
        designation_upsert(
            actor=actor,
            entity=entity,
            authority=authority,
            programme=programme,
            listed_on=listed_on,
            delisted_on=delisted_on,
            reference=reference,
            source_url=source_url,
        )
        changed = True
    return changed

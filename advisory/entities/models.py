from django.db import models
from django.db.models import F, Q


class Region(models.Model):
    """A region the desk covers (Middle East) or a country in it (IQ)."""

    class Kind(models.TextChoices):
        REGION = "region", "Region"
        COUNTRY = "country", "Country"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    iso_code = models.CharField(
        max_length=2, null=True, blank=True, unique=True, help_text="ISO 3166-1 alpha-2"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="countries",
        limit_choices_to={"kind": "region"},
    )

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="country") & Q(iso_code__isnull=False))
                | (Q(kind="region") & Q(iso_code__isnull=True) & Q(parent__isnull=True)),
                name="region_country_has_code_region_is_top_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EntityKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"
    ARMED_GROUP = "armed_group", "Armed group"
    GOVERNMENT_BODY = "government_body", "Government body"
    POLITICAL_PARTY = "political_party", "Political party"
    LOCATION = "location", "Location"
    COUNTRY = "country", "Country"
    EVENT = "event", "Event"


class Entity(models.Model):
    """One record per real-world actor or place."""

    kind = models.CharField(max_length=20, choices=EntityKind.choices)
    name = models.CharField("canonical name", max_length=255)
    normalised_name = models.CharField(max_length=255, db_index=True, editable=False)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.TextField(blank=True)
    country = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entities",
        limit_choices_to={"kind": "country"},
    )
    topics = models.JSONField(
        default=list, blank=True, help_text="Source topics, e.g. sanction, role.pep."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EntityKind.values), name="entity_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="entity_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class ExternalIdentifier(models.Model):
    class Scheme(models.TextChoices):
        WIKIDATA = "wikidata", "Wikidata"
        OPENSANCTIONS = "opensanctions", "OpenSanctions"
        OTHER = "other", "Other"

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    value = models.CharField(max_length=255)

    class Meta:
        ordering = ["scheme", "value"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "value"], name="identifier_unique"),
            models.CheckConstraint(
                condition=~Q(scheme="wikidata") | Q(value__regex=r"^Q[1-9][0-9]*$"),
                name="identifier_wikidata_qid",
                violation_error_message="A Wikidata identifier looks like Q1234.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()}: {self.value}"


class Alias(models.Model):
    class Kind(models.TextChoices):
        ALIAS = "alias", "Alias"
        WEAK = "weak", "Weak alias (short or ambiguous)"
        PREVIOUS = "previous", "Previous name"
        ABBREVIATION = "abbreviation", "Abbreviation"

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=255)
    normalised = models.CharField(max_length=255, db_index=True, editable=False)
    language = models.CharField(
        max_length=12, blank=True, help_text="BCP 47 language code, e.g. en, ar, fa."
    )
    script = models.CharField(
        max_length=4, blank=True, help_text="ISO 15924 script code, e.g. Latn, Arab."
    )
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.ALIAS)

    class Meta:
        ordering = ["entity", "name"]
        verbose_name_plural = "aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "normalised"], name="alias_unique_per_entity"
            ),
            models.CheckConstraint(condition=~Q(normalised=""), name="alias_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Confidence(models.TextChoices):
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"


class RelationshipKind(models.TextChoices):
    MEMBER_OF = "member_of", "member of"
    LEADS = "leads", "leads"
    BACKED_BY = "backed_by", "backed by"
    ALLIED_WITH = "allied_with", "allied with"
    OPPOSED_TO = "opposed_to", "opposed to"
    PART_OF = "part_of", "part of"
    LOCATED_IN = "located_in", "located in"


class Relationship(models.Model):
    """A typed, dated and sourced tie: subject —kind→ object."""

    Kind = RelationshipKind

    subject = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="relationships_as_subject"
    )
    object = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="relationships_as_object"
    )
    kind = models.CharField(max_length=20, choices=RelationshipKind.choices)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=500, blank=True, help_text="Where this is known from.")
    source_url = models.URLField(max_length=500, blank=True)
    confidence = models.CharField(
        max_length=10, choices=Confidence.choices, default=Confidence.MODERATE
    )

    class Meta:
        ordering = ["subject", "kind", "object"]
        constraints = [
            models.CheckConstraint(condition=~Q(subject=F("object")), name="relationship_not_self"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="relationship_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RelationshipKind.values), name="relationship_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=Confidence.values),
                name="relationship_confidence_valid",
            ),
            models.UniqueConstraint(
                fields=["subject", "object", "kind"],
                condition=Q(start_date__isnull=True),
                name="relationship_unique_undated",
            ),
            models.UniqueConstraint(
                fields=["subject", "object", "kind", "start_date"],
                name="relationship_unique_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.get_kind_display()} {self.object}"


class Designation(models.Model):
    """A sanctions listing of an entity by an authority under a programme."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="designations")
    authority = models.CharField(max_length=200)
    programme = models.CharField(max_length=200)
    listed_on = models.DateField(null=True, blank=True)
    delisted_on = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["entity", "listed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "authority", "programme"], name="designation_unique"
            ),
            models.CheckConstraint(
                condition=Q(listed_on__isnull=True)
                | Q(delisted_on__isnull=True)
                | Q(delisted_on__gte=F("listed_on")),
                name="designation_delisted_after_listed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority} · {self.programme}"


class GazetteerVersion(models.Model):
    """One row whose token the entity services renew whenever a name, alias or kind changes.

    Each process keeps the entity linker's gazetteer built in memory, with the token it was
    built at; comparing tokens (one primary-key read) tells it when to rebuild. A random
    token, not a counter: a change rolled back never leaves a token that a later, different
    change could take again.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    token = models.UUIDField()
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="gazetteer_version_single_row"),
        ]

    def __str__(self) -> str:
        return f"gazetteer {self.token}"

"""The API's shapes for reading: query parameters in, briefs and entity records out."""

from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.http import QueryDict
from django.urls import reverse
from rest_framework import serializers
from taggit.models import Tag

from advisory.briefs.models import BriefKind, MentionRole, Publication
from advisory.entities.models import Entity, Region


def absolute_uri(context: Mapping[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def _json_type(field: serializers.Field[Any, Any, Any, Any]) -> tuple[type, ...] | None:
    """The JSON types a body may give the field, where DRF alone would coerce others."""
    if isinstance(field, serializers.BooleanField):
        return (bool,)
    if isinstance(field, serializers.ChoiceField):
        keys = list(field.choices)
        return (int,) if keys and all(isinstance(key, int) for key in keys) else (str,)
    if isinstance(field, serializers.IntegerField):
        return (int,)
    if isinstance(field, serializers.CharField | serializers.TimeField):
        return (str,)
    return None


_JSON_NAMES = {bool: "true or false", int: "a whole number", str: "a string"}


def _wrong_types(fields: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, list[str]]:
    """A body's values of the wrong JSON type: DRF would take 1 for "1" and "1" for 1."""

    def wrong_type(value: Any, types: tuple[type, ...]) -> bool:
        return not isinstance(value, types) or (bool not in types and isinstance(value, bool))

    wrong = {}
    for name, value in data.items():
        field = fields.get(name)
        if isinstance(field, serializers.ListField) and isinstance(value, list):
            types = _json_type(field.child)
            if types is not None and any(wrong_type(item, types) for item in value):
                wrong[name] = [f"Give a list, each item {_JSON_NAMES[types[0]]}."]
            continue
        types = _json_type(field) if field is not None else None
        if types is not None and value is not None and wrong_type(value, types):
            wrong[name] = [f"Give {_JSON_NAMES[types[0]]}."]
    return wrong


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses names it does not know, so a misspelt filter or field is a 400, not ignored,
    and, in a JSON body, values of the wrong type ("1" for 1).

    `also_allowed` names what others read from the same input (pagination, format); a field
    the API never lets anyone set may say why in `refused`.
    """

    also_allowed: Iterable[str] = ()
    refused: Mapping[str, str] = {}

    def _refusals(self, data: Mapping[str, Any]) -> dict[str, list[str]]:
        refusals = {
            name: [self.refused.get(name, "Unknown name: nothing here is called so.")]
            for name in data
            if name not in self.fields and name not in self.also_allowed
        }
        if not isinstance(data, QueryDict):
            refusals.update(_wrong_types(self.fields, data))
        return refusals

    def to_internal_value(self, data: Any) -> Any:
        refusals = self._refusals(data) if isinstance(data, Mapping) else {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict):
                cast(dict[str, Any], error.detail).update(refusals)
            raise
        if refusals:
            raise serializers.ValidationError(refusals)
        return value


class QuerySerializer(StrictSerializer):
    """Query parameters: besides its own, a list takes the pagination's and a `format`.

    An empty value is refused rather than read as no value, as in a form.
    """

    also_allowed = ("cursor", "format")

    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Results per page; above the endpoint's maximum, the maximum.",
    )

    def _refusals(self, data: Mapping[str, Any]) -> dict[str, list[str]]:
        refusals = super()._refusals(data)
        for name, field in self.fields.items():
            if data.get(name) == "" and not getattr(field, "allow_blank", False):
                refusals[name] = ["Give a value, or leave the parameter out."]
        return refusals


# --- Query parameters ---------------------------------------------------------------------


class BriefQuerySerializer(QuerySerializer):
    """The brief list's filters; each slug must name a row, each value must parse."""

    region = serializers.SlugField(
        required=False, help_text="A region or country slug; a region takes in its countries."
    )
    country = serializers.SlugField(required=False, help_text="A country slug.")
    kind = serializers.ChoiceField(choices=BriefKind.choices, required=False)
    tag = serializers.SlugField(required=False, help_text="A topic slug.")
    entity = serializers.SlugField(required=False, help_text="An entity record's slug.")
    updated_since = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601: briefs whose current version went live at or after this time.",
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Words to search for, as the portal's search reads them (quoted phrases, "
        "-word to leave out, names in any spelling); the list stays newest first.",
    )

    def validate_region(self, value: str) -> Region:
        region = Region.objects.filter(slug=value).first()
        if region is None:
            raise serializers.ValidationError("No region or country with this slug.")
        return region

    def validate_country(self, value: str) -> Region:
        country = Region.objects.filter(slug=value, kind=Region.Kind.COUNTRY).first()
        if country is None:
            raise serializers.ValidationError("No country with this slug.")
        return country

    def validate_tag(self, value: str) -> Tag:
        tag = Tag.objects.filter(slug=value).first()
        if tag is None:
            raise serializers.ValidationError("No topic with this slug.")
        return tag

    def validate_entity(self, value: str) -> Entity:
        entity = Entity.objects.filter(slug=value).first()
        if entity is None:
            raise serializers.ValidationError("No entity with this slug.")
        return entity


class EntityQuerySerializer(QuerySerializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Part of a name or alias; case, accents and spelling variants fold away.",
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="A whole name or alias, in any spelling: the records it names (usually one).",
    )


class ListQuerySerializer(QuerySerializer):
    """A list with no filters of its own."""


# --- Briefs -------------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer[Region]):
    class Meta:
        model = Region
        fields = ["slug", "name", "kind"]


class RegionListSerializer(serializers.ModelSerializer[Region]):
    # Declared fields leave the class's attributes, so this does not hide `Field.parent`.
    parent = serializers.SlugRelatedField[Region](  # type: ignore[assignment]
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The region a country is part of.",
    )

    class Meta:
        model = Region
        fields = ["slug", "name", "kind", "iso_code", "parent"]


class TagSerializer(serializers.ModelSerializer[Tag]):
    class Meta:
        model = Tag
        fields = ["slug", "name"]


class BriefListSerializer(serializers.ModelSerializer[Publication]):
    regions = RegionSerializer(many=True, read_only=True)
    tags = TagSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="The brief's page in the portal.")

    class Meta:
        model = Publication
        fields = [
            "slug",
            "title",
            "summary",
            "kind",
            "regions",
            "tags",
            "published_at",
            "updated_at",
            "url",
        ]

    def get_url(self, publication: Publication) -> str:
        return absolute_uri(self.context, reverse("portal:brief-detail", args=[publication.slug]))


class AuthorSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    bio = serializers.CharField()


class SourceSerializer(serializers.Serializer[Any]):
    title = serializers.CharField()
    publisher = serializers.CharField()
    url = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    number = serializers.IntegerField(help_text="The source's place in the list, from 1.")
    grade = serializers.CharField(
        source="grade.code",
        allow_null=True,
        default=None,
        help_text="Admiralty grade: source reliability A–F and information credibility 1–6 "
        "(F and 6: cannot be judged); null for a source cited before grading.",
    )
    grade_meaning = serializers.CharField(source="grade.meaning", allow_null=True, default=None)


class LikelihoodSerializer(serializers.Serializer[Any]):
    scale = serializers.CharField(source="scale.code", help_text="phia or icd203.")
    term = serializers.CharField(source="term.code")
    # Declared fields leave the class's attributes, so this does not hide `Field.label`.
    label = serializers.CharField()  # type: ignore[assignment]
    low = serializers.IntegerField(source="term.low", help_text="Percent, included.")
    high = serializers.IntegerField(source="term.high", help_text="Percent, included.")


class JudgmentStepSerializer(serializers.Serializer[Any]):
    published_at = serializers.DateTimeField(help_text="From when clients read it so.")
    likelihood = LikelihoodSerializer(allow_null=True)
    confidence = serializers.CharField(help_text="The confidence level's label, or empty.")
    previous_likelihood = LikelihoodSerializer(allow_null=True)
    previous_confidence = serializers.CharField()
    reason = serializers.CharField(help_text="What changed and why, in the desk's words.")


class JudgmentSerializer(serializers.Serializer[Any]):
    statement = serializers.CharField()
    likelihood = LikelihoodSerializer(
        allow_null=True, help_text="Null for a judgment written before the scale was adopted."
    )
    confidence = serializers.CharField(help_text="high, moderate, low, or empty.")
    assumptions = serializers.ListField(child=serializers.CharField())
    sources = serializers.ListField(
        child=serializers.IntegerField(),
        source="source_numbers",
        help_text="The `number` of each source that supports the judgment.",
    )
    history = JudgmentStepSerializer(many=True)


class ScaleTermSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    low = serializers.IntegerField()
    high = serializers.IntegerField()


class ScaleSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    terms = ScaleTermSerializer(many=True)


class ScenarioSerializer(serializers.Serializer[Any]):
    title = serializers.CharField()
    description = serializers.CharField()
    drivers = serializers.ListField(child=serializers.CharField())
    likelihood = LikelihoodSerializer(allow_null=True)
    indicators = serializers.ListField(
        child=serializers.CharField(), help_text="Signposts to watch."
    )
    review_on = serializers.DateField(allow_null=True)


class CorrectionSerializer(serializers.Serializer[Any]):
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class BriefEntitySerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    role = serializers.ChoiceField(choices=MentionRole.choices)


class BriefDetailSerializer(serializers.Serializer[Any]):
    """A brief in full, from the live revision: `BriefDetail` from the API selectors."""

    slug = serializers.CharField(source="publication.slug")
    title = serializers.CharField(source="publication.title")
    summary = serializers.CharField(source="publication.summary")
    kind = serializers.CharField(source="publication.kind")
    access_tier = serializers.IntegerField(source="publication.access_tier")
    regions = RegionSerializer(many=True)
    tags = TagSerializer(many=True)
    authors = AuthorSerializer(many=True, source="reading.authors")
    published_at = serializers.DateTimeField(source="publication.published_at")
    updated_at = serializers.DateTimeField(source="publication.updated_at", allow_null=True)
    word_count = serializers.IntegerField(source="reading.word_count")
    body_html = serializers.CharField(
        source="reading.body_html", help_text="Sanitised HTML of the body."
    )
    key_judgments = serializers.ListField(
        child=serializers.CharField(), source="reading.key_judgments"
    )
    sources = SourceSerializer(many=True, source="reading.sources")
    judgments = JudgmentSerializer(
        many=True,
        source="reading.key_judgments",
        help_text="The key judgments with likelihood, confidence, evidence and history.",
    )
    likelihood_scales = ScaleSerializer(
        many=True,
        source="reading.likelihood_scales",
        help_text="The scales the judgments and scenarios are written on, with every term.",
    )
    scenarios = ScenarioSerializer(many=True, source="reading.scenarios")
    entities = BriefEntitySerializer(many=True)
    corrections = CorrectionSerializer(many=True, source="reading.corrections")
    url = serializers.SerializerMethodField(help_text="The brief's page in the portal.")

    def get_url(self, detail: Any) -> str:
        path = reverse("portal:brief-detail", args=[detail.publication.slug])
        return absolute_uri(self.context, path)


# --- Entities -----------------------------------------------------------------------------


class CountrySerializer(serializers.ModelSerializer[Region]):
    class Meta:
        model = Region
        fields = ["slug", "name", "iso_code"]


class AliasSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    language = serializers.CharField()
    script = serializers.CharField()
    kind = serializers.CharField()


class EntityListSerializer(serializers.ModelSerializer[Entity]):
    country = CountrySerializer(read_only=True, allow_null=True)
    aliases = AliasSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="The entity record in the API.")

    class Meta:
        model = Entity
        fields = ["slug", "name", "kind", "country", "aliases", "url"]

    def get_url(self, entity: Entity) -> str:
        return absolute_uri(self.context, reverse("api:entity-detail", args=[entity.slug]))


class DesignationSerializer(serializers.Serializer[Any]):
    authority = serializers.CharField()
    programme = serializers.CharField()
    listed_on = serializers.DateField(allow_null=True)
    delisted_on = serializers.DateField(allow_null=True)
    reference = serializers.CharField()
    source_url = serializers.CharField()


class IdentifierSerializer(serializers.Serializer[Any]):
    scheme = serializers.CharField()
    value = serializers.CharField()


class EntityRefSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class RelationshipSerializer(serializers.Serializer[Any]):
    subject = EntityRefSerializer()
    kind = serializers.CharField(help_text="The tie, as read: 'member of', 'backed by'…")
    object = EntityRefSerializer()
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    # Declared fields leave the class's attributes, so this does not hide `Field.source`.
    source = serializers.CharField()  # type: ignore[assignment]
    source_url = serializers.CharField()


class CoMentionSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()
    briefs = serializers.IntegerField(help_text="Briefs you may read that name both.")


class EntityMentionsSerializer(serializers.Serializer[Any]):
    """How the briefs the user may read name the entity."""

    briefs = serializers.IntegerField(help_text="Briefs you may read that name it.")
    as_subject = serializers.IntegerField(
        source="briefs_as_subject", help_text="Of those, the briefs about it."
    )
    co_mentioned = CoMentionSerializer(
        many=True, help_text="Who those briefs name most often beside it."
    )


class EntityDetailSerializer(serializers.Serializer[Any]):
    """An entity record: `EntityDetail` from the API selectors."""

    slug = serializers.CharField(source="record.entity.slug")
    name = serializers.CharField(source="record.entity.name")
    kind = serializers.CharField(source="record.entity.kind")
    description = serializers.CharField(source="record.entity.description")
    country = CountrySerializer(source="record.entity.country", allow_null=True)
    aliases = AliasSerializer(many=True, source="record.entity.aliases.all")
    identifiers = IdentifierSerializer(many=True, source="record.entity.identifiers.all")
    designations = DesignationSerializer(many=True, source="record.entity.designations.all")
    relationships = RelationshipSerializer(many=True, source="record.relationships")
    mentions = EntityMentionsSerializer(source="*")
    url = serializers.SerializerMethodField(help_text="The entity's page in the portal.")
    briefs_url = serializers.SerializerMethodField(help_text="The briefs you may read about it.")

    def get_url(self, detail: Any) -> str:
        path = reverse("portal:entity-detail", args=[detail.record.entity.slug])
        return absolute_uri(self.context, path)

    def get_briefs_url(self, detail: Any) -> str:
        path = f"{reverse('api:brief-list')}?entity={detail.record.entity.slug}"
        return absolute_uri(self.context, path)

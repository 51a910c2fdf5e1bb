"""The API's shapes: query parameters in, briefs and entity records out."""

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from rest_framework import serializers
from taggit.models import Tag

from advisory.api.selectors import BriefQuery
from advisory.briefs.models import BriefKind, Publication
from advisory.entities.models import Entity, Region


def _absolute(context: Mapping[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


# --- Query parameters ---------------------------------------------------------------------


class BriefQuerySerializer(serializers.Serializer[BriefQuery]):
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

    def query(self) -> BriefQuery:
        return BriefQuery(**self.validated_data)


class EntityQuerySerializer(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Part of a name or alias; case, accents and spelling variants fold away.",
    )


# --- Briefs -------------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer[Region]):
    class Meta:
        model = Region
        fields = ["slug", "name", "kind"]


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
        return _absolute(self.context, reverse("portal:brief-detail", args=[publication.slug]))


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
    role = serializers.ChoiceField(choices=["subject", "mentioned"])


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
        return _absolute(self.context, path)


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
        return _absolute(self.context, reverse("api:entity-detail", args=[entity.slug]))


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


class EntityDetailSerializer(serializers.Serializer[Any]):
    """An entity record: `EntityPage` from the portal's selectors."""

    slug = serializers.CharField(source="entity.slug")
    name = serializers.CharField(source="entity.name")
    kind = serializers.CharField(source="entity.kind")
    description = serializers.CharField(source="entity.description")
    country = CountrySerializer(source="entity.country", allow_null=True)
    aliases = AliasSerializer(many=True, source="entity.aliases.all")
    identifiers = IdentifierSerializer(many=True, source="entity.identifiers.all")
    designations = DesignationSerializer(many=True, source="entity.designations.all")
    relationships = RelationshipSerializer(many=True)
    url = serializers.SerializerMethodField(help_text="The entity's page in the portal.")

    def get_url(self, page: Any) -> str:
        path = reverse("portal:entity-detail", args=[page.entity.slug])
        return _absolute(self.context, path)

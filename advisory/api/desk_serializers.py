"""The API's shapes for the desk's integrations: drafts in, drafts out."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from advisory.accounts.models import AccessTier
from advisory.api.fields import SlugsField
from advisory.api.serializers import QuerySerializer, StrictSerializer, absolute_uri
from advisory.briefs.models import (
    Brief,
    BriefKind,
    BriefStatus,
    MentionOrigin,
    MentionRole,
)
from advisory.entities.models import Entity, Region

# The workflow's own fields: the reason a write naming them is refused.
_WORKFLOW = "The workflow sets this: submit, approve and publish in the admin."


class DeskBriefQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(
        choices=BriefStatus.choices, required=False, help_text="Only briefs in this status."
    )


class DeskMentionSerializer(serializers.Serializer[Any]):
    entity = serializers.CharField(source="entity.slug", help_text="The entity's slug.")
    name = serializers.CharField(source="entity.name")
    role = serializers.ChoiceField(choices=MentionRole.choices)
    origin = serializers.ChoiceField(
        choices=MentionOrigin.choices,
        help_text="`suggested` until the writer confirms the link in the admin.",
    )


class DeskBriefSerializer(serializers.ModelSerializer[Brief]):
    """A brief as the desk sees it: the current text, whatever its status."""

    regions = serializers.SlugRelatedField[Region](many=True, read_only=True, slug_field="slug")
    tags = serializers.SerializerMethodField()
    authors = serializers.SerializerMethodField()
    mentions = DeskMentionSerializer(many=True, read_only=True)
    admin_url = serializers.SerializerMethodField(help_text="The brief in the desk's admin.")

    class Meta:
        model = Brief
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "body",
            "kind",
            "access_tier",
            "status",
            "version",
            "regions",
            "tags",
            "authors",
            "mentions",
            "created_at",
            "modified_at",
            "admin_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "version": {"help_text": "Send it back with an update: a stale one is refused."}
        }

    def get_tags(self, brief: Brief) -> list[str]:
        return sorted(tag.name for tag in brief.tags.all())

    def get_authors(self, brief: Brief) -> list[str]:
        return [byline.author.byline for byline in brief.bylines.all()]

    def get_admin_url(self, brief: Brief) -> str:
        return absolute_uri(self.context, reverse("admin:briefs_brief_change", args=[brief.pk]))


class DeskBriefWriteSerializer(StrictSerializer):
    """A draft's fields. Status, slug and version are the workflow's and the system's."""

    refused = {
        "status": _WORKFLOW,
        "published_at": _WORKFLOW,
        "publish_at": _WORKFLOW,
        "slug": "The slug is set from the first title and never changes.",
        "id": "The id is the system's.",
    }

    title = serializers.CharField(max_length=255)
    summary = serializers.CharField(allow_blank=True, required=False, help_text="The dek.")
    body = serializers.CharField(
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        max_length=500_000,
        help_text="Markdown; footnotes with [^1].",
    )
    kind = serializers.ChoiceField(choices=BriefKind.choices, required=False)
    access_tier = serializers.ChoiceField(choices=AccessTier.choices, required=False)
    regions = SlugsField(queryset=Region.objects.all(), noun="region or country", required=False)
    tags = serializers.ListField(
        child=serializers.RegexField(
            r"\w", max_length=100, error_messages={"invalid": "A topic needs a letter or digit."}
        ),
        max_length=30,
        required=False,
        help_text="Topic names; new ones are created.",
    )

    def fields_to_save(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.validated_data.items()
            if name not in ("regions", "tags", "version")
        }


class DeskBriefUpdateSerializer(DeskBriefWriteSerializer):
    title = serializers.CharField(max_length=255, required=False)
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="The version you read (from GET): if the brief has been saved since, the "
        "update is refused with 409 and nothing changes.",
    )


class MentionProposalSerializer(StrictSerializer):
    entity = serializers.SlugField(max_length=255, help_text="The entity's slug.")
    role = serializers.ChoiceField(choices=MentionRole.choices, default=MentionRole.MENTIONED)


class MentionProposalsSerializer(StrictSerializer):
    links = serializers.ListField(
        child=MentionProposalSerializer(), max_length=100, allow_empty=False
    )

    def validate_links(self, links: list[dict[str, str]]) -> list[tuple[Entity, str]]:
        slugs = [link["entity"] for link in links]
        found = {entity.slug: entity for entity in Entity.objects.filter(slug__in=slugs)}
        missing = sorted(set(slugs) - set(found))
        if missing:
            raise serializers.ValidationError(
                f"No entity has the slug {', '.join(f'“{slug}”' for slug in missing)}."
            )
        return [(found[link["entity"]], link["role"]) for link in links]

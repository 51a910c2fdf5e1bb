from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from taggit.managers import TaggableManager
from taggit.models import Tag

from advisory.accounts.models import AccessTier
from advisory.lib.markdown import reading_minutes


class Series(models.Model):
    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.title


class BriefKind(models.TextChoices):
    ANALYSIS = "analysis", "Analysis"
    FLASH_ALERT = "flash_alert", "Flash alert"
    QA = "qa", "Q&A"
    WEEKLY_OUTLOOK = "weekly_outlook", "Weekly outlook"
    PROFILE = "profile", "Profile"
    SITUATION_REPORT = "situation_report", "Situation report"


class BriefStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"
    RETRACTED = "retracted", "Retracted"
    ARCHIVED = "archived", "Archived"


class Brief(models.Model):
    title = models.CharField(max_length=255)
    slug = models.SlugField(
        max_length=255,
        unique=True,
        help_text="Set from the title when the brief is created; it does not follow title edits.",
    )
    summary = models.TextField("summary (dek)", blank=True)
    body = models.TextField(blank=True, help_text="Markdown; footnotes with [^1].")
    kind = models.CharField(max_length=20, choices=BriefKind.choices, default=BriefKind.ANALYSIS)
    regions = models.ManyToManyField(
        "entities.Region", blank=True, related_name="briefs", help_text="Regions and countries."
    )
    tags = TaggableManager(blank=True)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="BriefAuthor", related_name="authored_briefs"
    )
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="briefs"
    )
    series_position = models.PositiveSmallIntegerField(null=True, blank=True)
    access_tier = models.PositiveSmallIntegerField(
        choices=AccessTier.choices, default=AccessTier.STANDARD
    )
    status = models.CharField(
        max_length=20, choices=BriefStatus.choices, default=BriefStatus.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="Scheduled publication time; clients see nothing before."
    )
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    content_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When clients last saw an update to the published text."
    )
    live_revision = models.ForeignKey(
        "BriefRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The revision clients read; edits reach them only when published again.",
    )
    approved_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Content hash of the revision last approved; any other content needs approval.",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews_claimed",
        editable=False,
        help_text="The editor who has claimed the review.",
    )
    review_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    retraction_notice = models.TextField(blank=True, editable=False)
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up with every save: an edit made on an older version is refused.",
    )
    word_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="brief_title_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="brief_slug_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=BriefStatus.values), name="brief_status_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=BriefKind.values), name="brief_kind_valid"),
            models.CheckConstraint(
                condition=Q(access_tier__gte=0, access_tier__lte=2),
                name="brief_access_tier_valid",
            ),
            models.CheckConstraint(
                condition=Q(series__isnull=True, series_position__isnull=True)
                | Q(series__isnull=False, series_position__isnull=False),
                name="brief_series_position_with_series",
                violation_error_message="A brief in a series needs its position, and only then.",
            ),
            models.UniqueConstraint(
                fields=["series", "series_position"], name="brief_series_position_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(published_at__isnull=False, live_revision__isnull=False),
                name="brief_published_has_time_and_revision",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(publish_at__isnull=False),
                name="brief_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "scheduled"]) | ~Q(approved_hash=""),
                name="brief_approved_has_hash",
            ),
            models.CheckConstraint(
                condition=~Q(status="retracted")
                | (Q(retracted_at__isnull=False) & ~Q(retraction_notice="")),
                name="brief_retracted_has_notice",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)


class BriefRevision(models.Model):
    """An immutable snapshot of a brief's content as saved: text, tags, entity links, sources.

    The database refuses changes and deletions, as for audit events.
    """

    brief = models.ForeignKey(Brief, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    content_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["brief", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["brief", "number"], name="revision_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
            models.CheckConstraint(
                condition=Q(content_hash__regex=r"^[0-9a-f]{64}$"), name="revision_hash_sha256"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brief} · revision {self.number}"


class BriefAuthor(models.Model):
    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["brief", "position"]
        constraints = [
            models.UniqueConstraint(fields=["brief", "author"], name="brief_author_unique"),
        ]

    def __str__(self) -> str:
        return str(self.author)


class KeyJudgment(models.Model):
    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="key_judgments")
    statement = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["brief", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(statement=""), name="key_judgment_statement_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.statement[:80]


class Source(models.Model):
    """A source the brief cites."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["brief", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="source_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title


class CorrectionNote(models.Model):
    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="corrections")
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["brief", "created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="correction_note_not_empty"),
        ]

    def __str__(self) -> str:
        return self.note[:80]


class MentionRole(models.TextChoices):
    SUBJECT = "subject", "Subject"
    MENTIONED = "mentioned", "Mentioned"


class MentionOrigin(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    CONFIRMED = "confirmed", "Confirmed by the writer"


class Mention(models.Model):
    """A brief's link to an entity it is about (subject) or names (mentioned)."""

    Role = MentionRole
    Origin = MentionOrigin

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="mentions")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="mentions")
    role = models.CharField(
        max_length=10, choices=MentionRole.choices, default=MentionRole.MENTIONED
    )
    origin = models.CharField(
        max_length=10, choices=MentionOrigin.choices, default=MentionOrigin.CONFIRMED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brief", "role", "entity"]
        constraints = [
            models.UniqueConstraint(fields=["brief", "entity"], name="mention_unique"),
            models.CheckConstraint(
                condition=Q(role__in=MentionRole.values), name="mention_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=MentionOrigin.values), name="mention_origin_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity} ({self.get_role_display()})"


class MentionRejection(models.Model):
    """The writer said this brief does not name this entity: the linker never suggests it again
    for the brief."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="mention_rejections")
    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.CASCADE, related_name="mention_rejections"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["brief", "entity"]
        constraints = [
            models.UniqueConstraint(fields=["brief", "entity"], name="mention_rejection_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} rejected for {self.brief_id}"


class Publication(models.Model):
    """What clients read of a brief: its live revision, copied out when it is published.

    Every client door (portal, search, feeds, API, digests) reads this table and nothing else,
    so text in review or scheduled never shows, and the live version's classification (tier,
    regions, tags, entities) sits in columns and join tables that SQL can filter on. Written only
    by the workflow's publish, retract and archive services.
    """

    brief = models.OneToOneField(
        Brief, primary_key=True, on_delete=models.CASCADE, related_name="publication"
    )
    revision = models.ForeignKey(BriefRevision, on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(max_length=255, unique=True)
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="Sanitised HTML; empty once retracted.")
    kind = models.CharField(max_length=20, choices=BriefKind.choices)
    access_tier = models.PositiveSmallIntegerField(choices=AccessTier.choices)
    authors = models.JSONField(default=list, help_text='[{"name": …, "bio": …}] in byline order.')
    word_count = models.PositiveIntegerField(default=0)
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="publications"
    )
    series_position = models.PositiveSmallIntegerField(null=True, blank=True)
    published_at = models.DateTimeField(db_index=True, help_text="First publication.")
    updated_at = models.DateTimeField(null=True, blank=True, help_text="Last published update.")
    visible_at = models.DateTimeField(
        db_index=True, help_text="When the version clients now read went live."
    )
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_notice = models.TextField(blank=True)
    regions = models.ManyToManyField(
        "entities.Region", related_name="publications", through="PublicationRegion"
    )
    tags = models.ManyToManyField(Tag, related_name="publications", through="PublicationTag")
    entities = models.ManyToManyField(
        "entities.Entity", related_name="publications", through="PublicationEntity"
    )
    # Filled and GIN-indexed on PostgreSQL only: title above summary above body.
    search_vector = SearchVectorField(null=True, editable=False)
    # The ids of `regions` and `tags` again, as the keys of a JSON object, so the entitlement
    # rule tests them per row (`has_any_keys`, on every database) instead of asking the join
    # tables, which PostgreSQL answers by hashing every link before the first row of a page.
    region_keys = models.JSONField(default=dict, editable=False)
    tag_keys = models.JSONField(default=dict, editable=False)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            # Listings: newest first, retracted briefs left out; also what their count reads.
            models.Index(
                fields=["-published_at", "-brief"],
                condition=Q(retracted_at__isnull=True),
                name="publication_listed_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(access_tier__gte=0, access_tier__lte=2),
                name="publication_access_tier_valid",
            ),
            models.CheckConstraint(
                condition=Q(retracted_at__isnull=True)
                | (~Q(retraction_notice="") & Q(body_html="")),
                name="publication_retracted_has_notice_and_no_body",
            ),
            models.CheckConstraint(
                condition=Q(visible_at__gte=models.F("published_at")),
                name="publication_visible_after_first_publication",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)


class PublicationRegion(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE)
    region = models.ForeignKey("entities.Region", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "region"], name="publication_region_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} · {self.region_id}"


class PublicationTag(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "tag"], name="publication_tag_unique"),
        ]
        # Related briefs count shared tags from the tag's side, reading the index alone.
        indexes = [models.Index(fields=["tag", "publication"], name="pubtag_tag_pub_idx")]

    def __str__(self) -> str:
        return f"{self.publication_id} · {self.tag_id}"


class PublicationEntity(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE)
    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE)
    role = models.CharField(max_length=10, choices=MentionRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "entity"], name="publication_entity_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=MentionRole.values), name="publication_entity_role_valid"
            ),
        ]
        # Related briefs and co-mentions count from the entity's side, reading the index alone.
        indexes = [models.Index(fields=["entity", "publication"], name="pubentity_entity_pub_idx")]

    def __str__(self) -> str:
        return f"{self.publication_id} · {self.entity_id}"

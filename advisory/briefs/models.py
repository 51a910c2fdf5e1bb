import operator
from functools import reduce

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from taggit.managers import TaggableManager
from taggit.models import Tag

from advisory.accounts.models import AccessTier
from advisory.briefs.scales import SCALES, Confidence, Credibility, Reliability
from advisory.lib.markdown import reading_minutes


def _likelihood_valid(*, allow_unrated: bool) -> Q:
    """A (scale, likelihood) pair naming a term of that scale; or, if allowed, both empty."""
    conditions = [Q(scale=scale.code, likelihood__in=scale.codes) for scale in SCALES.values()]
    if allow_unrated:
        conditions.append(Q(scale="", likelihood=""))
    return reduce(operator.or_, conditions)


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


class Source(models.Model):
    """A source the brief cites, graded on the Admiralty (NATO) system."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # Empty only for sources cited before grading existed; the desk's forms require a grade.
    reliability = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        blank=True,
        help_text="How far the source has proved reliable. F: no basis to judge.",
    )
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices,
        null=True,
        blank=True,
        help_text="How far this information is borne out. 6: no basis to judge.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["brief", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="source_title_not_empty"),
            models.CheckConstraint(
                condition=Q(reliability="", credibility__isnull=True)
                # NULL IN (…) is unknown, which a check lets through: say NOT NULL outright.
                | Q(
                    reliability__in=Reliability.values,
                    credibility__isnull=False,
                    credibility__in=Credibility.values,
                ),
                name="source_graded_whole",
                violation_error_message="Grade both the source's reliability and the "
                "information's credibility, or neither.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class KeyJudgment(models.Model):
    """A judgment the brief stands by: how likely, how confident, on what evidence.

    The likelihood is a term of the scale named beside it (`advisory.briefs.scales`). Both are
    empty only for judgments written before the scale existed; the desk's forms require them.
    """

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="key_judgments")
    statement = models.TextField()
    scale = models.CharField(max_length=10, blank=True, editable=False)
    likelihood = models.CharField(max_length=30, blank=True)
    confidence = models.CharField(max_length=10, choices=Confidence.choices, blank=True)
    sources = models.ManyToManyField(
        Source,
        blank=True,
        related_name="judgments",
        help_text="The evidence: sources of this brief that support the judgment.",
    )
    assumptions = models.TextField(
        blank=True,
        help_text="What the judgment takes for granted without evidence, one per line.",
    )
    change_reason = models.TextField(
        "what changed and why",
        blank=True,
        help_text="Required when an update changes the likelihood or confidence clients read.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["brief", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(statement=""), name="key_judgment_statement_not_empty"
            ),
            models.CheckConstraint(
                condition=_likelihood_valid(allow_unrated=True),
                name="key_judgment_likelihood_on_its_scale",
            ),
            models.CheckConstraint(
                condition=Q(confidence="") | Q(confidence__in=Confidence.values),
                name="key_judgment_confidence_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.statement[:80]


class Scenario(models.Model):
    """A way events may go: what drives it, how likely, the signposts that it is happening."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="scenarios")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    drivers = models.TextField(blank=True, help_text="What would bring it about, one per line.")
    scale = models.CharField(max_length=10, editable=False)
    likelihood = models.CharField(max_length=30)
    indicators = models.TextField(
        "signposts and indicators",
        blank=True,
        help_text="What to watch for that would show it unfolding, one per line.",
    )
    review_on = models.DateField(
        help_text="When the desk looks at it again; the brief's editor is reminded that day."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["brief", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="scenario_title_not_empty"),
            models.CheckConstraint(
                condition=_likelihood_valid(allow_unrated=False),
                name="scenario_likelihood_on_its_scale",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ScenarioReviewReminder(models.Model):
    """The reminder that a scenario's review date has come: one per scenario and date."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="reminders")
    review_on = models.DateField()
    recipients = models.JSONField(default=list, help_text="The addresses written to.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "review_on"], name="scenario_reminder_once_per_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} · review {self.review_on}"


class JudgmentChange(models.Model):
    """A published judgment's likelihood or confidence as clients read it from one version on.

    Written when a version goes live, for each judgment that is new in it or whose likelihood
    or confidence differs from the version before, with the writer's reason: the judgment's
    history that clients see. Kept when the judgment is later deleted.
    """

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="judgment_changes")
    revision = models.ForeignKey(BriefRevision, on_delete=models.PROTECT, related_name="+")
    judgment_pk = models.PositiveIntegerField(help_text="The KeyJudgment's id; it may be gone.")
    statement = models.TextField()
    scale = models.CharField(max_length=10, blank=True)
    likelihood = models.CharField(max_length=30, blank=True)
    confidence = models.CharField(max_length=10, blank=True)
    previous_scale = models.CharField(max_length=10, blank=True)
    previous_likelihood = models.CharField(max_length=30, blank=True)
    previous_confidence = models.CharField(max_length=10, blank=True)
    reason = models.TextField(blank=True)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["brief", "judgment_pk", "published_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "judgment_pk"], name="judgment_change_once_per_revision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement[:60]} · {self.likelihood} from {self.published_at:%Y-%m-%d}"


class Outcome(models.TextChoices):
    HAPPENED = "happened", "Happened"
    DID_NOT_HAPPEN = "did_not_happen", "Did not happen"
    UNRESOLVABLE = "unresolvable", "Cannot be resolved"


class JudgmentResolution(models.Model):
    """What came of a published judgment, as an editor found: the desk's track record.

    It keeps the judgment as clients read it when resolved (statement, scale, likelihood,
    confidence), so the record stands if the judgment is later edited or deleted.
    """

    judgment = models.OneToOneField(
        KeyJudgment, null=True, on_delete=models.SET_NULL, related_name="resolution"
    )
    brief = models.ForeignKey(Brief, on_delete=models.PROTECT, related_name="resolutions")
    revision = models.ForeignKey(
        BriefRevision,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The published version whose judgment was resolved.",
    )
    statement = models.TextField()
    scale = models.CharField(max_length=10)
    likelihood = models.CharField(max_length=30)
    confidence = models.CharField(max_length=10, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True, help_text="What happened, and how the desk knows.")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField()

    class Meta:
        ordering = ["-resolved_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="resolution_outcome_valid"
            ),
            models.CheckConstraint(
                condition=_likelihood_valid(allow_unrated=False),
                name="resolution_likelihood_on_its_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement[:60]}: {self.get_outcome_display()}"


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


class PublicationSearch(models.Model):
    """A publication's search vector (title above summary above body), written on PostgreSQL
    only, in a narrow table that only search reads.

    A vector averages 5 KB and does not compress, so in the publication's row it went to the
    TOAST table, and a search read every row's vector back in three chunks. Here the column's
    storage is MAIN (migration 0010): a vector that fits in a page stays in the row (one of a
    brief over about 1,700 words still goes to TOAST), while the publication's own rows stay
    narrow for the pages that scan them.
    """

    publication = models.OneToOneField(
        Publication, primary_key=True, on_delete=models.CASCADE, related_name="search"
    )
    search_vector = SearchVectorField()

    def __str__(self) -> str:
        return str(self.publication_id)


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


class ReadingMemo(models.Model):
    """A live publication's reading as every reader who may read it is shown it, kept so that
    a first visit need not build it: the rendered `briefs/_brief_body.html`, what the follow
    panel lists, and the related briefs' ids.

    A memo, not a record: `fingerprint` digests everything the reading shows that any write
    can change (`advisory.portal.selectors._reading_fingerprint`), the database recomputes it
    in the query that reads the publication for its page, and a memo whose fingerprint differs
    is rebuilt there and then. So no write has to find and renew it. Built when a brief is
    published (`portal.tasks.reading_memo_build`) and on a page read that finds it missing or
    stale; written only by `advisory.portal.selectors`.
    """

    publication = models.OneToOneField(
        Publication, primary_key=True, on_delete=models.CASCADE, related_name="reading_memo"
    )
    fingerprint = models.CharField(max_length=32)
    html = models.TextField(help_text="`briefs/_brief_body.html` rendered for the publication.")
    covered = models.JSONField(
        default=list,
        help_text='[{"kind", "id", "slug", "name", "label", "url"}]: entities, topics, regions.',
    )
    related_ids = models.JSONField(default=list, help_text="The related briefs, best first.")
    related_ranked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.publication_id} · {self.fingerprint}"

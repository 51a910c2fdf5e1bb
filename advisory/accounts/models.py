from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from taggit.models import Tag


class User(AbstractUser):
    display_name = models.CharField(
        max_length=150, blank=True, help_text="Name shown on briefs; defaults to the full name."
    )
    bio = models.TextField(blank=True, help_text="Author biography shown under briefs.")
    two_factor_required = models.BooleanField(
        default=False,
        help_text="Staff only: the admin opens only after this user has set up an authenticator "
        "app, and asks for its code at every sign-in.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
                violation_error_message="A user with this email address already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.byline

    @property
    def byline(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class AccessTier(models.IntegerChoices):
    """Ordered: a reader entitled to a tier may read every tier below it."""

    PUBLIC = 0, "Public"
    STANDARD = 1, "Standard"
    PREMIUM = 2, "Premium"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        DESK = "desk", "The desk"
        CLIENT = "client", "Client"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CLIENT)
    seats = models.PositiveIntegerField(default=5, help_text="How many members may read.")
    expires_on = models.DateField(
        null=True, blank=True, help_text="Last day of the subscription; empty for no expiry."
    )
    tier = models.PositiveSmallIntegerField(
        choices=AccessTier.choices,
        default=AccessTier.STANDARD,
        help_text="Highest access tier the organisation may read.",
    )
    regions = models.ManyToManyField(
        "entities.Region",
        blank=True,
        related_name="entitled_organisations",
        help_text="Regions and countries the organisation may read; a region covers its countries.",
    )
    topics = models.ManyToManyField(
        Tag,
        blank=True,
        related_name="entitled_organisations",
        help_text="Topics the organisation follows by contract; empty means every topic.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tier__gte=0, tier__lte=2), name="organisation_tier_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    WRITER = "writer", "Writer"
    EDITOR = "editor", "Editor"
    DESK_ADMIN = "desk_admin", "Desk admin"
    CLIENT_READER = "client_reader", "Client reader"


STAFF_ROLES = frozenset({Role.WRITER, Role.EDITOR, Role.DESK_ADMIN})


class Membership(models.Model):
    """A user's place in one organisation: the desk for staff, a client company for readers."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "user"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


class Follow(models.Model):
    """A reader follows an entity, a tag or a region: the portal's home and digests use it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follows")
    entity = models.ForeignKey(
        "entities.Entity", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(
        "entities.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(entity__isnull=False, tag__isnull=True, region__isnull=True)
                    | models.Q(entity__isnull=True, tag__isnull=False, region__isnull=True)
                    | models.Q(entity__isnull=True, tag__isnull=True, region__isnull=False)
                ),
                name="follow_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "entity"],
                condition=models.Q(entity__isnull=False),
                name="follow_entity_once",
            ),
            models.UniqueConstraint(
                fields=["user", "tag"],
                condition=models.Q(tag__isnull=False),
                name="follow_tag_once",
            ),
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=models.Q(region__isnull=False),
                name="follow_region_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.entity or self.tag or self.region}"


class FeedKey(models.Model):
    """The secret behind a reader's private feed URLs.

    The URL token is derived from the user and `version` with the site's secret key, so no
    secret is stored; resetting bumps the version and every old feed URL stops working.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="feed_key")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    reset_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Feed key of {self.user} (version {self.version})"

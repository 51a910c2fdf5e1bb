import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from taggit.models import Tag


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate alerts (flash briefs)"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    ACTIVE = "active", "Active"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    SUPPRESSED = "suppressed", "Suppressed after bounces"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Subscription(models.Model):
    """Someone who asked for briefs by email, how often, when, and about what.

    A portal reader's subscription reads through the reader's entitlement; an external
    subscriber (no account, double opt-in) receives public briefs only.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="digest_subscriptions",
    )
    email = models.EmailField()
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    delivery_time = models.TimeField(
        default=datetime.time(7, 0), help_text="Local time of day, in the subscriber's timezone."
    )
    timezone = models.CharField(max_length=64, default="Europe/London")
    weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY, help_text="For weekly digests."
    )
    kinds = models.JSONField(default=list, blank=True, help_text="Brief kinds; empty for all.")
    use_follows = models.BooleanField(
        default=True, help_text="Include briefs about what the reader follows in the portal."
    )
    regions = models.ManyToManyField("entities.Region", blank=True, related_name="+")
    tags = models.ManyToManyField(Tag, blank=True, related_name="+")
    entities = models.ManyToManyField("entities.Entity", blank=True, related_name="+")
    status = models.CharField(
        max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    watermark = models.DateTimeField(
        null=True,
        blank=True,
        help_text="End of the last window handed to a run: briefs that became visible later "
        "belong to the next one.",
    )
    next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    hard_bounces = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email", "frequency"]
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="subscription_frequency_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SubscriptionStatus.values),
                name="subscription_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="subscription_weekday_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="active")
                | Q(confirmed_at__isnull=False, next_due_at__isnull=False),
                name="subscription_active_is_confirmed_and_scheduled",
            ),
            models.UniqueConstraint(
                fields=["user", "frequency"],
                condition=Q(user__isnull=False),
                name="subscription_one_per_reader_and_frequency",
            ),
            models.UniqueConstraint(
                Lower("email"),
                "frequency",
                condition=Q(user__isnull=True),
                name="subscription_one_per_address_and_frequency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.get_frequency_display()}"


class DigestRun(models.Model):
    """The sending due at one moment for one frequency: one delivery per subscriber in it."""

    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    window_end = models.DateTimeField(help_text="The moment the run is for.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-window_end", "frequency"]
        constraints = [
            models.UniqueConstraint(
                fields=["frequency", "window_end"], name="digest_run_once_per_window"
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="digest_run_frequency_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} for {self.window_end:%Y-%m-%d %H:%M} UTC"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (nothing new)"


class Delivery(models.Model):
    """The ledger: one row per run and subscriber, whatever happens to the message."""

    # No index of their own: every look-up by run leads with it in `delivery_run_status_id`
    # and the run-and-subscriber constraint, every look-up by subscription in the
    # once-per-window constraint. Two index writes fewer on each of a row's updates.
    run = models.ForeignKey(
        DigestRun, on_delete=models.PROTECT, related_name="deliveries", db_index=False
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    window_start = models.DateTimeField(
        null=True, blank=True, help_text="Briefs that became visible after this moment…"
    )
    window_end = models.DateTimeField(help_text="…and up to this one.")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(
        null=True,
        blank=True,
        help_text="Who holds the row while it is sending: a worker whose claim was taken over "
        "cannot mark it sent.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    edition = models.ForeignKey(
        "DigestEdition",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
        help_text="The briefs the email carried.",
    )

    class Meta:
        ordering = ["run", "pk"]
        verbose_name_plural = "deliveries"
        # A claim takes a run's first pending rows in id order: read straight off this index,
        # not sorted from all the run's pending rows.
        indexes = [models.Index(fields=["run", "status", "id"], name="delivery_run_status_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "subscription"], name="delivery_once_per_run_and_subscriber"
            ),
            models.UniqueConstraint(
                fields=["subscription", "window_end"], name="delivery_once_per_window"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | (Q(sent_at__isnull=False) & ~Q(message_id="")),
                name="delivery_sent_has_time_and_message_id",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(edition__isnull=False),
                name="delivery_sent_has_edition",
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True) | Q(window_start__lt=models.F("window_end")),
                name="delivery_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} · {self.run} · {self.get_status_display()}"


class DigestEdition(models.Model):
    """One set of briefs a run sent. Subscribers who got the same briefs share it, so who
    received which brief (what a retraction needs) is written once per set, not per email."""

    run = models.ForeignKey(DigestRun, on_delete=models.PROTECT, related_name="editions")
    key = models.CharField(max_length=64, help_text="SHA-256 of the sorted brief ids.")
    briefs = models.ManyToManyField("briefs.Brief", related_name="digest_editions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="digest_edition_once_per_run"),
        ]

    def __str__(self) -> str:
        return f"Edition {self.pk} of {self.run}"


class RetractionNotice(models.Model):
    """The ledger of retraction emails: one row per retracted brief and subscriber who
    received it, so a retraction reaches each of them once, crash or retry."""

    brief = models.ForeignKey(
        "briefs.Brief", on_delete=models.PROTECT, related_name="retraction_notices"
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="retraction_notices"
    )
    status = models.CharField(
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        help_text="Skipped when the address was suppressed after bounces.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brief", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["brief", "subscription"], name="retraction_notice_once_per_subscriber"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values),
                name="retraction_notice_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | (Q(sent_at__isnull=False) & ~Q(message_id="")),
                name="retraction_notice_sent_has_time_and_message_id",
            ),
        ]

    def __str__(self) -> str:
        return f"Retraction of brief {self.brief_id} to {self.subscription}"

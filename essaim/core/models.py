"""Tenancy, the shared name space, and the activity log."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Network(models.Model):
    """A tenant. Every other row belongs to exactly one network."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    # Requests whose Host matches are served this network; a blank domain marks the default.
    domain = models.CharField(max_length=253, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    all_company_announcements_only = models.BooleanField(
        default=False, help_text=_("Only administrators may post to the All company feed, as announcements.")
    )
    restrict_community_creation = models.BooleanField(
        default=False, help_text=_("Only administrators may create communities.")
    )
    gravatar_enabled = models.BooleanField(
        default=False, help_text=_("Show Gravatar pictures (sends a hash of each e-mail address to gravatar.com).")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["domain"], condition=~models.Q(domain=""), name="network_domain_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Name(models.Model):
    """Person handles and community slugs share one name space per network."""

    class Kind(models.IntegerChoices):
        USER = 1
        COMMUNITY = 2

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=40)
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="name_unique_per_network")]


class Activity(models.Model):
    """One compact row per view or contribution, kept for adoption and impact analytics."""

    class Verb(models.IntegerChoices):
        VIEW = 1
        POST = 2
        COMMENT = 3
        REACT = 4
        FOLLOW = 5
        JOIN = 6
        EDIT = 7

    class Object(models.IntegerChoices):
        POST = 1
        COMMENT = 2
        PROFILE = 3
        COMMUNITY = 4
        TOPIC = 5

    network_id = models.BigIntegerField()
    user_id = models.BigIntegerField(null=True)
    verb = models.PositiveSmallIntegerField(choices=Verb.choices)
    object_type = models.PositiveSmallIntegerField(choices=Object.choices)
    object_id = models.BigIntegerField()
    community_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["network_id", "created_at"], name="activity_network_time"),
            models.Index(fields=["network_id", "user_id", "created_at"], name="activity_user_time"),
            models.Index(fields=["network_id", "community_id", "created_at"], name="activity_community_time"),
        ]


class EventLog(models.Model):
    """Every event, kept for a while so that a live client resuming with Last-Event-ID gets exactly
    what it missed, from any web process. Written in the transaction of the change it reports."""

    network_id = models.BigIntegerField()
    type = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    # User ids the event is addressed to; null: everyone allowed to see its object (computed at
    # delivery with the object's access predicate).
    recipients = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["network_id", "id"], name="eventlog_network_id")]


class Job(models.Model):
    """A unit of background work, written in the transaction that needs it (an outbox), run by the
    in-process runner or by `essaim worker`. A worker leases a job; a killed worker's lease expires
    and the job runs again, so jobs are written to be idempotent."""

    class State(models.TextChoices):
        QUEUED = "queued"
        DONE = "done"
        FAILED = "failed"

    network_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    # Enqueueing twice with the same key makes one job.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    run_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=8)
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=100, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "run_at"], name="job_ready")]

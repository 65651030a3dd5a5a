"""Expertise built from what people did, declared skills and their endorsements, and the routing
of questions to people who accept them.

What a person did is summed *per place* (a community, or no community: All company and profiles),
because who may see the evidence depends on the place: a viewer's ranking and a profile's areas
add up only the places that viewer may read (communities.access / stream.access), so a secret
community's answers raise nobody's rank for outsiders. The `experts.index` job keeps these rows
in step after every change (experts/jobs.py); nothing is computed from scratch at query time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from essaim.core.models import Network


class Expertise(models.Model):
    """What one person contributed in one place: the counts behind the ranking's prior."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("communities.Community", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    answers = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)  # answers accepted by the asker
    upvotes = models.PositiveIntegerField(default=0)  # positive answer scores, summed
    questions = models.PositiveIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(null=True, blank=True)
    # How recently and how much the person answered here, as one number that needs no update as
    # time passes: ln Σ exp((answer time - EPOCH) / RECENT_DAYS), in days (ranking.recent_answers).
    answer_clock = models.FloatField(null=True, blank=True)
    last_answer_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], condition=Q(community__isnull=False),
                                    name="expertise_once_per_place"),
            models.UniqueConstraint(fields=["user"], condition=Q(community__isnull=True),
                                    name="expertise_once_outside"),
        ]

    @property
    def documents(self) -> int:
        return self.answers + self.questions + self.posts + self.comments


class AreaKind(models.TextChoices):
    TOPIC = "topic"
    TERM = "term"


class ExpertiseArea(models.Model):
    """A topic or a word a person's contributions in one place are about, with its weight."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("communities.Community", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    label = models.CharField(max_length=60)  # a topic name, or a word as people write it (lowercase)
    key = models.CharField(max_length=60)  # what the label is matched by: folded (no case, no accents)
    kind = models.CharField(max_length=8, choices=AreaKind.choices)
    weight = models.FloatField(default=0.0)
    evidence = models.PositiveIntegerField(default=0)  # how many contributions show it

    class Meta:
        indexes = [models.Index(fields=["network", "key"], name="expertise_area_key"),
                   models.Index(fields=["user", "community"], name="expertise_area_user")]


class HiddenArea(models.Model):
    """An inferred area its person chose not to show on their profile (by its folded key)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="hidden_area_once")]


class Endorsement(models.Model):
    """A colleague vouching for one of a person's declared skills."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements")
    skill = models.ForeignKey("accounts.Skill", on_delete=models.CASCADE, related_name="endorsements")
    endorser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "skill", "endorser"], name="endorsement_once")]
        indexes = [models.Index(fields=["user", "skill"], name="endorsement_user_skill")]


MAX_WEEKLY = 5  # nobody receives more routed questions a week than this


class RoutingPreference(models.Model):
    """Whether a person accepts questions routed to them, and how many a week at most."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing")
    accepts_questions = models.BooleanField(default=False)
    weekly_limit = models.PositiveSmallIntegerField(default=3)
    updated_at = models.DateTimeField(default=timezone.now)


class RoutedQuestion(models.Model):
    """A question put to a person because their contributions match it."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    question = models.ForeignKey("stream.Post", on_delete=models.CASCADE, related_name="+")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "expert"], name="routed_once")]
        indexes = [models.Index(fields=["expert", "created_at"], name="routed_expert_time")]

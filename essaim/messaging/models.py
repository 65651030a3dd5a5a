"""Direct messages: one-to-one and group conversations. Only current participants ever see one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from essaim.core.models import Network

MAX_PARTICIPANTS = 50  # including the person who starts the conversation
MAX_TITLE = 120


class ConversationQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> ConversationQuerySet:
        from .access import conversations_visible_to

        return conversations_visible_to(self, viewer)


class Conversation(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    title = models.CharField(max_length=120, blank=True, default="")
    is_group = models.BooleanField(default=False)
    # For a one-to-one conversation: "<smaller user id>:<larger user id>", so there is one per pair.
    pair_key = models.CharField(max_length=50, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "pair_key"], condition=models.Q(pair_key__isnull=False),
                                    name="conversation_one_per_pair"),
        ]


class Participant(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    last_read_message_id = models.BigIntegerField(default=0)
    muted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="participant_once")]
        indexes = [models.Index(fields=["user", "left_at"], name="participant_user")]


class Message(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["conversation", "id"], name="message_conversation")]


class LegalHoldExport(models.Model):
    """The audit line of `essaim legalhold export`: the only way anyone but a participant reads
    messages. Kept for good; never shown in the pages."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    subject_email = models.EmailField(max_length=254)
    operator = models.CharField(max_length=200, help_text="Who ran the command (the operating-system account)")
    destination = models.CharField(max_length=1000)
    conversation_count = models.PositiveIntegerField(default=0)
    message_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

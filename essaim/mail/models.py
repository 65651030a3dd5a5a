"""Replies received by e-mail: one row per message posted, so a message delivered twice posts once."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from essaim.core.models import Network


class InboundMessage(models.Model):
    """A Message-ID (or, without one, a hash of the raw message) already turned into a comment or a
    direct message in this network."""

    class Outcome(models.TextChoices):
        POSTED = "posted"

    class Kind(models.TextChoices):
        COMMENT = "comment"
        MESSAGE = "message"

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    message_id = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.POSTED)
    kind = models.CharField(max_length=10, choices=Kind.choices, blank=True, default="")
    object_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "message_id"], name="inbound_message_once")]

    def __str__(self) -> str:
        return self.message_id

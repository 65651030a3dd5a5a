"""In-app notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essaim.core.models import Network


class Kind(models.TextChoices):
    MENTION = "mention", _("Mentioned you")
    COMMENT = "comment", _("Commented on your post")
    REPLY = "reply", _("Replied to your comment")
    REACTION = "reaction", _("Reacted to your post")
    JOIN_REQUEST = "join_request", _("Asked to join a community")
    INVITATION = "invitation", _("Added you to a community")
    REQUEST_APPROVED = "request_approved", _("Approved your request")
    MESSAGE = "message", _("Sent you a direct message")
    COMMUNITY_POST = "community_post", _("Posted in a community you follow closely")


class Notification(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("stream.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey("stream.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("communities.Community", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    message = models.ForeignKey("messaging.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "created_at", "id"], name="notification_recipient_time"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

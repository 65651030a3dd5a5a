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
    ANSWER = "answer", _("Answered your question")
    ANSWER_ACCEPTED = "answer_accepted", _("Accepted your answer")
    QUESTION_ROUTED = "question_routed", _("Asked you to answer a question")


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
    # When the e-mail about it was accepted by the SMTP server (channel "email"); never twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "created_at", "id"], name="notification_recipient_time"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]


# --- preferences ---------------------------------------------------------------------------------
# Defaults are implicit: a person without rows gets DEFAULT_CHANNELS, DEFAULT_EMAIL_DELAY, a daily
# digest and the "mentions" level everywhere. A row exists only once someone changed something
# (and for the time of the last digest).

class Channel(models.TextChoices):
    APP = "app", _("In the app only")
    EMAIL = "email", _("In the app, and by e-mail if still unread")
    DIGEST = "digest", _("In the app, and in the digest")
    OFF = "off", _("Off")


class DigestFrequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    NEVER = "never", _("Never")


class CommunityLevel(models.TextChoices):
    ALL = "all", _("Every new post")
    MENTIONS = "mentions", _("Mentions and replies")
    NOTHING = "nothing", _("Nothing")


# What needs attention soon goes by e-mail if still unread after the delay; the rest waits for the digest.
DEFAULT_CHANNELS = {kind: Channel.DIGEST for kind in Kind.values} | {Kind.MENTION: Channel.EMAIL,
                                                                       Kind.MESSAGE: Channel.EMAIL,
                                                                       Kind.QUESTION_ROUTED: Channel.EMAIL}
DEFAULT_EMAIL_DELAY = 10  # minutes
MAX_EMAIL_DELAY = 24 * 60
DEFAULT_LEVEL = CommunityLevel.MENTIONS
# Kinds about a post (its community's level applies), and those a muted thread silences.
POST_KINDS = frozenset({Kind.MENTION, Kind.COMMENT, Kind.REPLY, Kind.REACTION, Kind.COMMUNITY_POST, Kind.ANSWER,
                        Kind.ANSWER_ACCEPTED, Kind.QUESTION_ROUTED})
THREAD_KINDS = frozenset({Kind.COMMENT, Kind.REPLY, Kind.REACTION})


class NotificationSettings(models.Model):
    """A person's e-mail delay and digest frequency, and when their last digest was made."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_settings")
    email_delay_minutes = models.PositiveIntegerField(default=DEFAULT_EMAIL_DELAY)
    digest = models.CharField(max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.DAILY)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["digest", "last_digest_at"], name="notification_digest_due")]


class KindChannel(models.Model):
    """One person's channel for one kind, when it differs from the default."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="kind_channel_once")]


class CommunityNotificationLevel(models.Model):
    """What a person hears from one community's posts, when it differs from "mentions"."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10, choices=CommunityLevel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "community"], name="community_level_once")]
        indexes = [models.Index(fields=["community", "level", "user"], name="community_level_fanout")]


class ThreadMute(models.Model):
    """A muted post: no comment, reply or reaction notifications about it (mentions still come)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("stream.Post", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="thread_mute_once")]
        indexes = [models.Index(fields=["post", "user"], name="thread_mute_post")]

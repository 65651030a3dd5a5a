"""Communities, memberships and join requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essaim.core.models import Network


class Visibility(models.TextChoices):
    OPEN = "open", _("Open: anyone in the network can join")
    PRIVATE = "private", _("Private: listed, content for members only, join on request")
    SECRET = "secret", _("Secret: invisible to non-members, invitation only")


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")


ROLE_RANK = {Role.MEMBER: 1, Role.MODERATOR: 2, Role.OWNER: 3}


class CommunityQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> CommunityQuerySet:
        from .access import communities_visible_to

        return communities_visible_to(self, viewer)


class Community(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    sort_name = models.CharField(max_length=100, default="", editable=False)  # core.text.fold(name)
    slug = models.CharField(max_length=40)
    description = models.TextField(max_length=2000, blank=True, default="")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    member_count = models.PositiveIntegerField(default=0)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "slug"], name="community_slug_unique")]
        indexes = [models.Index(fields=["network", "sort_name", "id"], name="community_sort_name_idx")]
        verbose_name_plural = "communities"

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "user"], name="membership_unique")]
        indexes = [models.Index(fields=["user", "community"], name="membership_user_idx")]


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(max_length=1000, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], condition=models.Q(status="pending"),
                                    name="one_pending_request"),
        ]

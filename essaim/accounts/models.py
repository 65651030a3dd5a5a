"""People: accounts, profiles, skills, organizations, follows, invitations, API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from essaim.core.models import Network


class Organization(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    name = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="organization_unique")]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    name = models.CharField(max_length=60)  # stored lowercased

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="skill_unique")]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> UserQuerySet:
        from .access import users_visible_to

        return users_visible_to(self, viewer)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True


class User(AbstractBaseUser):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="users")
    email = models.EmailField(max_length=254)
    handle = models.CharField(max_length=40)
    display_name = models.CharField(max_length=120)
    sort_name = models.CharField(max_length=120, default="", editable=False)  # core.text.fold(display_name)
    job_title = models.CharField(max_length=120, blank=True, default="")
    department = models.CharField(max_length=120, blank=True, default="")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL)
    location = models.CharField(max_length=120, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    bio = models.TextField(max_length=5000, blank=True, default="")
    skills = models.ManyToManyField(Skill, blank=True, related_name="people")
    avatar = models.ImageField(upload_to="avatars/", null=True, blank=True)
    language = models.CharField(max_length=8, blank=True, default="")
    is_admin = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # Imported people (e.g. from a StackExchange dump): listed and credited like anyone, but no one
    # signs in as them until the account is claimed.
    is_placeholder = models.BooleanField(default=False)
    source = models.CharField(max_length=100, blank=True, default="")
    source_id = models.CharField(max_length=64, blank=True, default="")
    date_joined = models.DateTimeField(default=timezone.now)
    # Bumped on deactivation and password change: every older session stops being valid.
    auth_epoch = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "email"], name="user_email_unique"),
            models.UniqueConstraint(fields=["network", "handle"], name="user_handle_unique"),
        ]
        indexes = [models.Index(fields=["network", "sort_name", "id"], name="user_sort_name_idx")]

    def __str__(self) -> str:
        return self.display_name

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "essaim.accounts.session", f"{self.password}:{self.auth_epoch}", algorithm="sha256"
        ).hexdigest()

    @property
    def initials(self) -> str:
        parts = [p for p in self.display_name.split() if p[:1].isalnum()]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def email_hash(self) -> str:
        return hashlib.md5(self.email.strip().lower().encode(), usedforsecurity=False).hexdigest()


class Follow(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_set")
    followee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["follower", "followee"], name="follow_unique")]


class Invitation(models.Model):
    """A one-time link to join the network, sent by e-mail by an administrator."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    email = models.EmailField(max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    is_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored."""

    SCOPES = ("read", "write", "admin")

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    scopes = models.CharField(max_length=100, default="read")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @property
    def scope_set(self) -> set[str]:
        return {s for s in self.scopes.split(",") if s}

"""Fixtures for the rule tests: posts in every place of the `world`, and a few look-ups."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Max

from essaim.notifications import actions as notifications
from essaim.notifications.models import Notification

# Where a post can live: a community of each visibility, the All company feed, a person's profile.
PLACES = ("open", "private", "secret", "company", "profile")

# Every persona of the world fixture, plus someone who is not signed in.
PERSONAS = ("admin", "owner", "moderator", "member", "requester", "outsider", "stranger", "anonymous")


def persona(world, name: str):
    return AnonymousUser() if name == "anonymous" else getattr(world, name)


@pytest.fixture
def who(world):
    """who(name) -> the persona's user object (AnonymousUser for "anonymous")."""
    return lambda name: persona(world, name)


class Notes:
    """Notification rows written after the world was built (its invitations and join request are
    marked read and left out), so each test sees only what it caused."""

    def __init__(self, world):
        personas = [world.admin, world.owner, world.moderator, world.member, world.requester, world.outsider,
                    world.stranger]
        for user in personas:
            notifications.do_mark_read(user, all=True)
        self.baseline = Notification.objects.aggregate(n=Max("id"))["n"] or 0

    def __call__(self, user, kind=None, actor=None) -> list[Notification]:
        """The user's new notification rows (visible to them or not), oldest first."""
        qs = Notification.objects.filter(recipient=user, id__gt=self.baseline)
        if kind is not None:
            qs = qs.filter(kind=kind)
        if actor is not None:
            qs = qs.filter(actor=actor)
        return list(qs.order_by("id"))

    def new(self, items) -> list:
        """Only the new ones among listed notifications."""
        return [n for n in items if n.id > self.baseline]


@pytest.fixture
def notes(world) -> Notes:
    return Notes(world)

"""Helpers shared by the notification tests (a module name of their own: every test folder has a
conftest, so `from conftest import ...` would be ambiguous)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.utils import timezone

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.core.jobs import run_pending

BASE_URL = "https://essaim.example.com"


def run_jobs(later: timedelta = timedelta(0)) -> int:
    """Run every job ready now, or `later` from now."""
    if not later:
        return run_pending(limit=1000)
    moved = timezone.now() + later
    with mock.patch("django.utils.timezone.now", return_value=moved):
        return run_pending(limit=1000)


def body_of(message, subtype: str = "plain") -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def more_members(world, community, n: int, prefix: str = "extra"):
    people = [accounts.do_create_user(world.network, email=f"{prefix}{i}@acme.test", display_name=f"Extra {i}",
                                      handle=f"{prefix}{i}") for i in range(n)]
    for person in people:
        communities.do_join_community(person, community)
    return people

"""Rules that must hold when people act at the same moment (PostgreSQL: SQLite serialises writers)."""

from __future__ import annotations


import pytest

from essaim.communities import actions as communities
from essaim.communities.models import JoinRequest, Membership, Role
from essaim.core.errors import Conflict

from shared_helpers import at_once, needs_postgres




@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_owners_leaving_at_once_leave_one_owner(world, attempt):
    communities.do_change_role(world.open, world.moderator, role=Role.OWNER, acting_user=world.owner)
    results = at_once(lambda: communities.do_leave_community(world.owner, world.open),
                      lambda: communities.do_leave_community(world.moderator, world.open))
    assert Membership.objects.filter(community=world.open, role=Role.OWNER).count() == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert sum(r is None for r in results) == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_owners_stepping_down_at_once_leave_one_owner(world, attempt):
    communities.do_change_role(world.open, world.moderator, role=Role.OWNER, acting_user=world.owner)
    results = at_once(
        lambda: communities.do_change_role(world.open, world.owner, role=Role.MEMBER, acting_user=world.owner),
        lambda: communities.do_change_role(world.open, world.moderator, role=Role.MEMBER,
                                           acting_user=world.moderator))
    assert Membership.objects.filter(community=world.open, role=Role.OWNER).count() == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert sum(isinstance(r, Membership) for r in results) == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_request_sent_twice_at_once_makes_one(world):
    results = at_once(*[lambda: communities.do_join_community(world.outsider, world.private)] * 4)
    assert JoinRequest.objects.filter(community=world.private, user=world.outsider).count() == 1
    assert sum(isinstance(r, JoinRequest) for r in results) == 1
    assert all(isinstance(r, (JoinRequest, Conflict)) for r in results)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_many_joining_an_open_community_at_once_keep_the_count_right(world):
    people = [world.outsider, world.requester, world.admin]
    results = at_once(*[lambda u=u: communities.do_join_community(u, world.open) for u in people])
    assert all(isinstance(r, Membership) for r in results)
    world.open.refresh_from_db()
    assert world.open.member_count == Membership.objects.filter(community=world.open).count() == 6

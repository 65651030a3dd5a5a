"""Joining, requesting, deciding, roles and removal, as people in a community experience them."""

from __future__ import annotations

import pytest

from essaim.accounts import actions as accounts
from essaim.communities import access
from essaim.communities import actions as communities
from essaim.communities.models import Community, JoinRequest, Membership, Role
from essaim.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from essaim.notifications.models import Kind


def count_is_right(community: Community) -> int:
    """The stored member_count equals the number of memberships; returns it."""
    stored = Community.objects.get(pk=community.pk).member_count
    assert stored == Membership.objects.filter(community=community).count()
    return stored


def pending(community, user):
    return JoinRequest.objects.filter(community=community, user=user, status=JoinRequest.Status.PENDING)


# --- joining -------------------------------------------------------------------------------------


def test_joining_an_open_community_makes_a_member_at_once(world):
    membership = communities.do_join_community(world.outsider, world.open)
    assert isinstance(membership, Membership)
    assert access.role_in(world.outsider, world.open) == Role.MEMBER
    assert access.can_post_in(world.outsider, world.open)
    assert count_is_right(world.open) == 4


def test_joining_a_private_community_asks_and_tells_its_moderators(world, notes):
    request = communities.do_join_community(world.outsider, world.private, message="Hello, may I join?")
    assert isinstance(request, JoinRequest) and request.status == JoinRequest.Status.PENDING
    assert access.role_in(world.outsider, world.private) is None
    assert not access.can_read_content(world.outsider, world.private)
    assert count_is_right(world.private) == 3
    # Owners and moderators hear about it; plain members do not.
    assert len(notes(world.owner, Kind.JOIN_REQUEST, actor=world.outsider)) == 1
    assert len(notes(world.moderator, Kind.JOIN_REQUEST, actor=world.outsider)) == 1
    assert notes(world.member, Kind.JOIN_REQUEST) == []


def test_asking_twice_is_a_conflict_and_keeps_one_pending_request(world):
    with pytest.raises(Conflict) as err:
        communities.do_join_community(world.requester, world.private)
    assert err.value.code == "request_pending"
    assert pending(world.private, world.requester).count() == 1


@pytest.mark.parametrize("who,where,error", [
    ("outsider", "secret", NotFound),  # a secret community cannot be joined from outside
    ("stranger", "open", NotFound),  # nor any community from another network
    ("member", "open", Conflict),  # joining again
])
def test_a_refused_join_changes_nothing(world, who, where, error):
    community = world.community(where)
    with pytest.raises(error):
        communities.do_join_community(getattr(world, who), community)
    assert not pending(community, getattr(world, who)).exists()
    assert count_is_right(community) == 3


def test_a_join_message_over_the_limit_is_refused(world):
    with pytest.raises(InvalidInput):
        communities.do_join_community(world.outsider, world.private, message="x" * 1001)
    assert not pending(world.private, world.outsider).exists()


def test_cancelling_a_request_lets_the_person_ask_again(world):
    communities.do_cancel_request(world.requester, world.private)
    assert not pending(world.private, world.requester).exists()
    communities.do_join_community(world.requester, world.private)
    assert pending(world.private, world.requester).count() == 1


# --- deciding requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("decider", ["owner", "moderator"])
def test_a_moderator_or_owner_approves_and_the_person_is_told(world, notes, decider):
    request = pending(world.private, world.requester).get()
    communities.do_decide_request(request, approve=True, acting_user=getattr(world, decider))
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.APPROVED
    assert access.role_in(world.requester, world.private) == Role.MEMBER
    assert access.can_read_content(world.requester, world.private)
    assert count_is_right(world.private) == 4
    assert len(notes(world.requester, Kind.REQUEST_APPROVED)) == 1


def test_a_denied_request_adds_nobody_and_tells_nobody(world, notes):
    request = pending(world.private, world.requester).get()
    communities.do_decide_request(request, approve=False, acting_user=world.moderator)
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.DENIED
    assert access.role_in(world.requester, world.private) is None
    assert count_is_right(world.private) == 3
    assert notes(world.requester, Kind.REQUEST_APPROVED) == []
    # A denied person may ask again later.
    communities.do_join_community(world.requester, world.private)
    assert pending(world.private, world.requester).count() == 1


def test_a_request_is_decided_once(world):
    request = pending(world.private, world.requester).get()
    communities.do_decide_request(request, approve=False, acting_user=world.owner)
    with pytest.raises(Conflict):
        communities.do_decide_request(request, approve=True, acting_user=world.owner)
    assert access.role_in(world.requester, world.private) is None


@pytest.mark.parametrize("decider", ["member", "outsider", "admin", "requester"])
def test_only_moderators_and_owners_decide(world, decider):
    request = pending(world.private, world.requester).get()
    with pytest.raises(Forbidden):
        communities.do_decide_request(request, approve=True, acting_user=getattr(world, decider))
    assert pending(world.private, world.requester).count() == 1
    assert count_is_right(world.private) == 3


def test_a_request_is_looked_up_only_within_its_community(world):
    request = pending(world.private, world.requester).get()
    assert access.access_join_request(world.moderator, world.private, request.id) == request
    with pytest.raises(NotFound):
        access.access_join_request(world.moderator, world.open, request.id)
    with pytest.raises(Forbidden):
        access.access_join_request(world.member, world.private, request.id)


def test_adding_a_person_approves_their_pending_request(world, notes):
    communities.do_add_member(world.private, world.requester, acting_user=world.moderator)
    assert not pending(world.private, world.requester).exists()
    assert access.role_in(world.requester, world.private) == Role.MEMBER
    assert len(notes(world.requester, Kind.INVITATION)) == 1
    assert count_is_right(world.private) == 4


# --- roles, owners and removal -------------------------------------------------------------------


def test_the_last_owner_can_neither_leave_nor_be_demoted(world):
    with pytest.raises(Conflict) as err:
        communities.do_leave_community(world.owner, world.private)
    assert err.value.code == "last_owner"
    with pytest.raises(Conflict):
        communities.do_change_role(world.private, world.owner, role=Role.MEMBER, acting_user=world.owner)
    with pytest.raises(Conflict):
        communities.do_remove_member(world.private, world.owner, acting_user=world.owner)
    assert access.role_in(world.owner, world.private) == Role.OWNER
    assert count_is_right(world.private) == 3


def test_the_owner_can_leave_after_handing_over(world):
    communities.do_change_role(world.private, world.moderator, role=Role.OWNER, acting_user=world.owner)
    communities.do_leave_community(world.owner, world.private)
    assert access.role_in(world.owner, world.private) is None
    assert access.role_in(world.moderator, world.private) == Role.OWNER
    assert count_is_right(world.private) == 2
    # The new sole owner is now the last one.
    with pytest.raises(Conflict):
        communities.do_leave_community(world.moderator, world.private)


def test_an_owner_can_step_down_when_another_owner_remains(world):
    communities.do_change_role(world.open, world.member, role=Role.OWNER, acting_user=world.owner)
    communities.do_change_role(world.open, world.owner, role=Role.MEMBER, acting_user=world.owner)
    assert access.role_in(world.owner, world.open) == Role.MEMBER
    assert access.role_in(world.member, world.open) == Role.OWNER


def test_moderators_cannot_promote(world):
    with pytest.raises(Forbidden):
        communities.do_change_role(world.open, world.member, role=Role.MODERATOR, acting_user=world.moderator)
    with pytest.raises(Forbidden):
        communities.do_change_role(world.open, world.moderator, role=Role.OWNER, acting_user=world.moderator)
    with pytest.raises(Forbidden):
        communities.do_add_member(world.open, world.outsider, role=Role.MODERATOR, acting_user=world.moderator)
    assert access.role_in(world.member, world.open) == Role.MEMBER
    assert access.role_in(world.moderator, world.open) == Role.MODERATOR
    assert access.role_in(world.outsider, world.open) is None
    assert count_is_right(world.open) == 3


def test_members_cannot_change_roles_or_add_people(world):
    with pytest.raises(Forbidden):
        communities.do_change_role(world.open, world.member, role=Role.OWNER, acting_user=world.member)
    with pytest.raises(Forbidden):
        communities.do_add_member(world.open, world.outsider, acting_user=world.member)
    assert count_is_right(world.open) == 3


def test_an_unknown_role_is_refused(world):
    with pytest.raises(InvalidInput):
        communities.do_change_role(world.open, world.member, role="king", acting_user=world.owner)
    with pytest.raises(InvalidInput):
        communities.do_add_member(world.open, world.outsider, role="king", acting_user=world.owner)
    assert access.role_in(world.member, world.open) == Role.MEMBER
    assert count_is_right(world.open) == 3


def test_moderators_remove_members_but_not_owners_nor_moderators(world):
    with pytest.raises(Forbidden):
        communities.do_remove_member(world.open, world.owner, acting_user=world.moderator)
    other = accounts.do_create_user(world.network, email="mod2@acme.test", display_name="Mod Two")
    communities.do_add_member(world.open, other, role=Role.MODERATOR, acting_user=world.owner)
    with pytest.raises(Forbidden):
        communities.do_remove_member(world.open, other, acting_user=world.moderator)
    communities.do_remove_member(world.open, world.member, acting_user=world.moderator)
    assert access.role_in(world.member, world.open) is None
    assert access.role_in(world.owner, world.open) == Role.OWNER
    assert count_is_right(world.open) == 3


def test_owners_remove_moderators(world):
    communities.do_remove_member(world.secret, world.moderator, acting_user=world.owner)
    assert access.role_in(world.moderator, world.secret) is None
    assert count_is_right(world.secret) == 2


def test_adding_someone_twice_or_from_another_network_changes_nothing(world):
    with pytest.raises(Conflict):
        communities.do_add_member(world.open, world.member, acting_user=world.owner)
    with pytest.raises(NotFound):
        communities.do_add_member(world.open, world.stranger, acting_user=world.owner)
    assert count_is_right(world.open) == 3


def test_leaving_when_not_a_member_is_a_conflict(world):
    with pytest.raises(Conflict):
        communities.do_leave_community(world.outsider, world.open)
    assert count_is_right(world.open) == 3


def test_member_count_follows_joins_leaves_and_removals(world):
    c = world.open
    communities.do_join_community(world.outsider, c)
    communities.do_join_community(world.requester, c)
    assert count_is_right(c) == 5
    communities.do_leave_community(world.outsider, c)
    assert count_is_right(c) == 4
    communities.do_remove_member(c, world.requester, acting_user=world.moderator)
    assert count_is_right(c) == 3
    communities.do_join_community(world.outsider, c)
    assert count_is_right(c) == 4
    # A refused leave (last owner) leaves the count alone.
    with pytest.raises(Conflict):
        communities.do_leave_community(world.owner, c)
    assert count_is_right(c) == 4


# --- creation and settings -----------------------------------------------------------------------


def test_creator_is_the_owner_and_only_member(world):
    c = communities.do_create_community(world.outsider, name="Cyclists", visibility="private")
    assert access.role_in(world.outsider, c) == Role.OWNER
    assert c.slug == "cyclists"
    assert count_is_right(c) == 1


def test_bad_community_input_is_refused_and_writes_nothing(world):
    before = Community.objects.count()
    for kwargs in ({"name": ""}, {"name": "x" * 101}, {"name": "Ok", "visibility": "hidden"},
                   {"name": "Ok", "description": "d" * 2001}, {"name": "Ok", "slug": "no spaces!"}):
        with pytest.raises(InvalidInput):
            communities.do_create_community(world.outsider, **kwargs)
    assert Community.objects.count() == before


def test_only_administrators_create_communities_when_restricted(world):
    accounts.do_update_network_settings(world.network, acting_user=world.admin, restrict_community_creation=True)
    world.outsider.network.refresh_from_db()
    with pytest.raises(Forbidden):
        communities.do_create_community(world.outsider, name="Not allowed")
    assert not Community.objects.filter(name="Not allowed").exists()
    world.admin.network.refresh_from_db()
    assert communities.do_create_community(world.admin, name="Allowed").slug == "allowed"


def test_only_owners_edit_the_community(world):
    with pytest.raises(Forbidden):
        communities.do_update_community(world.open, acting_user=world.moderator, name="Renamed")
    communities.do_update_community(world.open, acting_user=world.owner, name="Renamed",
                                    description="About us", visibility="private")
    world.open.refresh_from_db()
    assert (world.open.name, world.open.visibility) == ("Renamed", "private")
    assert not access.can_read_content(world.outsider, world.open)

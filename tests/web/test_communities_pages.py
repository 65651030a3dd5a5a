"""The community pages per role and visibility, used as people would without JavaScript:
GET a page, POST its forms, follow the redirect."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from essaim.accounts import actions as accounts
from essaim.communities.models import Community, JoinRequest, Membership, Role
from essaim.core.models import Activity
from essaim.notifications.models import Kind, Notification
from essaim.stream.actions import do_create_post

pytestmark = pytest.mark.django_db


def as_user(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def role_of(user, community) -> str | None:
    return Membership.objects.filter(user=user, community=community).values_list("role", flat=True).first()


@pytest.fixture
def posted(world):
    """A post in each community, with words that must not leak."""
    for visibility in ("open", "private", "secret"):
        community = world.community(visibility)
        Community.objects.filter(pk=community.pk).update(description=f"About the {visibility} zebra club")
        community.refresh_from_db()
        do_create_post(world.member, f"Inside the {visibility} club: quarterly figures", community=community)
    return world


# The list

def listed(response) -> set[str]:
    return set(re.findall(r'<a href="/communities/\d+/"><strong>([^<]+)</strong></a>', text(response)))


def test_list_shows_open_and_private_but_secret_only_to_members(world):
    assert listed(as_user(world.outsider).get("/communities/")) == {"Open Club", "Private Club"}
    assert listed(as_user(world.member).get("/communities/")) == {"Open Club", "Private Club", "Secret Club"}
    assert listed(as_user(world.admin).get("/communities/")) == {"Open Club", "Private Club"}


def test_list_shows_visibility_badges_and_my_role(world):
    body = text(as_user(world.moderator).get("/communities/"))
    assert ">Open<" in body and ">Private<" in body and ">Secret<" in body and ">Moderator<" in body


def test_list_search_and_mine(world):
    client = as_user(world.requester)
    assert listed(client.get("/communities/", {"q": "priv"})) == {"Private Club"}
    assert listed(client.get("/communities/", {"q": "secret"})) == set()
    assert listed(client.get("/communities/", {"scope": "mine"})) == set()
    assert "You are in no community yet" in text(client.get("/communities/", {"scope": "mine"}))
    assert listed(as_user(world.member).get("/communities/", {"scope": "mine"})) == {
        "Open Club", "Private Club", "Secret Club"}


def test_list_pages_with_a_cursor(world):
    for n in range(31):
        Community.objects.create(network=world.network, name=f"Club {n:02d}", slug=f"club-{n}")
    client = as_user(world.outsider)
    first = client.get("/communities/")
    next_url = re.search(r'href="([^"]*cursor=[^"]+)" rel="next"', text(first)).group(1).replace("&amp;", "&")
    second = client.get(next_url)
    assert len(listed(first)) == 30 and len(listed(second)) == 3
    assert not listed(first) & listed(second)


# Creating and editing

def test_anyone_creates_a_community(world):
    client = as_user(world.outsider)
    page = client.get("/communities/new/")
    assert page.status_code == 200 and "Invisible to non-members" in text(page)
    response = client.post("/communities/new/", {"name": "Cyclists", "description": "Bike to work",
                                                 "visibility": "private", "slug": ""})
    community = Community.objects.get(network=world.network, name="Cyclists")
    assert response.status_code == 302 and response["Location"] == f"/communities/{community.id}/"
    assert community.slug == "cyclists" and community.visibility == "private"
    assert role_of(world.outsider, community) == Role.OWNER


def test_create_refuses_bad_input_clearly(world):
    client = as_user(world.outsider)
    assert client.post("/communities/new/", {"name": "", "visibility": "open"}).status_code == 422
    assert client.post("/communities/new/", {"name": "X", "visibility": "public"}).status_code == 422
    response = client.post("/communities/new/", {"name": "X", "visibility": "open", "slug": "owner"})
    assert response.status_code == 422 and "already taken" in text(response)  # handles and slugs share names
    response = client.post("/communities/new/", {"name": "x" * 101, "visibility": "open"})
    assert response.status_code == 422
    assert not Community.objects.filter(created_by=world.outsider).exists()


def test_creation_can_be_restricted_to_administrators(world):
    accounts.do_update_network_settings(world.network, acting_user=world.admin, restrict_community_creation=True)
    client = as_user(world.outsider)
    assert client.get("/communities/new/").status_code == 403
    assert client.post("/communities/new/", {"name": "Rebels", "visibility": "open"}).status_code == 403
    assert "Create a community" not in text(client.get("/communities/"))
    assert not Community.objects.filter(name="Rebels").exists()
    assert as_user(world.admin).post("/communities/new/", {"name": "Official", "visibility": "open"}).status_code == 302


def test_only_owners_edit(world):
    path = f"/communities/{world.private.id}/edit/"
    assert as_user(world.moderator).get(path).status_code == 403
    assert as_user(world.member).post(path, {"name": "Hacked", "visibility": "open"}).status_code == 403
    assert as_user(world.outsider).get(f"/communities/{world.secret.id}/edit/").status_code == 404
    client = as_user(world.owner)
    assert 'value="Private Club"' in text(client.get(path))
    response = client.post(path, {"name": "Private Circle", "description": "New words", "visibility": "open",
                                  "slug": "circle"})
    assert response.status_code == 302
    world.private.refresh_from_db()
    assert (world.private.name, world.private.visibility, world.private.slug) == ("Private Circle", "open", "circle")


# A community's page, per role and visibility

@pytest.mark.parametrize("persona", ["outsider", "requester", "admin"])
def test_secret_community_is_not_found_for_non_members_and_leaks_nothing(posted, persona):
    client = as_user(getattr(posted, persona))
    community = posted.secret
    missing = client.get("/communities/999999/")
    for path in ("", "members/", "requests/", "edit/"):
        response = client.get(f"/communities/{community.id}/{path}")
        assert response.status_code == 404, path
        body = text(response)
        assert "Secret Club" not in body and "zebra" not in body and "quarterly" not in body
    for path in ("join/", "leave/", "cancel-request/", "members/add/"):
        assert client.post(f"/communities/{community.id}/{path}", {"who": "member"}).status_code == 404, path
    assert role_of(getattr(posted, persona), community) is None
    assert missing.status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "requester", "admin"])
def test_private_community_shows_its_description_but_no_content_to_non_members(posted, persona):
    client = as_user(getattr(posted, persona))
    response = client.get(f"/communities/{posted.private.id}/")
    body = text(response)
    assert response.status_code == 200
    assert "Private Club" in body and "About the private zebra club" in body
    assert "quarterly figures" not in body
    assert 'name="body"' not in body  # no composer
    if persona == "requester":
        assert "Withdraw the request" in body
    else:
        assert "Request to join" in body
    assert client.get(f"/communities/{posted.private.id}/members/").status_code == 404
    assert f'href="/people/{posted.member.id}/"' not in body  # no member list, no authors


def test_open_community_shows_content_and_a_join_button_to_non_members(posted):
    body = text(as_user(posted.outsider).get(f"/communities/{posted.open.id}/"))
    assert "Inside the open club" in body and ">Join<" in body and 'name="body"' not in body
    assert as_user(posted.outsider).get(f"/communities/{posted.open.id}/members/").status_code == 200


@pytest.mark.parametrize("persona", ["member", "moderator", "owner"])
@pytest.mark.parametrize("visibility", ["open", "private", "secret"])
def test_members_see_content_and_a_composer(posted, persona, visibility):
    community = posted.community(visibility)
    body = text(as_user(getattr(posted, persona)).get(f"/communities/{community.id}/"))
    assert f"Inside the {visibility} club" in body
    assert f'name="community" value="{community.id}"' in body
    assert ">Leave<" in body
    assert ("Requests" in body) == (persona != "member")
    assert (f"/communities/{community.id}/edit/" in body) == (persona == "owner")


def test_stranger_of_another_network_gets_404(world):
    client = Client(HTTP_HOST="globex.test")
    client.force_login(world.stranger)
    for community in (world.open, world.private, world.secret):
        assert client.get(f"/communities/{community.id}/").status_code == 404


def test_community_views_are_recorded(world):
    as_user(world.member).get(f"/communities/{world.private.id}/")
    assert Activity.objects.filter(user_id=world.member.id, verb=Activity.Verb.VIEW,
                                   object_type=Activity.Object.COMMUNITY, object_id=world.private.id,
                                   community_id=world.private.id).exists()


# Joining, requests, leaving

def test_join_an_open_community(world):
    client = as_user(world.outsider)
    response = client.post(f"/communities/{world.open.id}/join/", follow=True)
    assert "Welcome to Open Club" in text(response)
    assert role_of(world.outsider, world.open) == Role.MEMBER
    again = client.post(f"/communities/{world.open.id}/join/", follow=True)
    assert again.status_code == 200 and "already a member" in text(again)
    assert client.get(f"/communities/{world.open.id}/join/").status_code == 405


def test_request_to_join_a_private_community_then_approve(world):
    client = as_user(world.outsider)
    response = client.post(f"/communities/{world.private.id}/join/", {"message": "I run the numbers"}, follow=True)
    assert "Your request is sent" in text(response) and "Withdraw the request" in text(response)
    assert role_of(world.outsider, world.private) is None
    duplicate = client.post(f"/communities/{world.private.id}/join/", follow=True)
    assert duplicate.status_code == 200 and "already asked to join" in text(duplicate)
    assert JoinRequest.objects.filter(community=world.private, user=world.outsider).count() == 1
    assert Notification.objects.filter(recipient=world.owner, kind=Kind.JOIN_REQUEST).exists()

    moderator = as_user(world.moderator)
    page = text(moderator.get(f"/communities/{world.private.id}/requests/"))
    assert "I run the numbers" in page and "Outsider" in page
    request_id = JoinRequest.objects.get(community=world.private, user=world.outsider).id
    response = moderator.post(f"/communities/{world.private.id}/requests/{request_id}/approve/", follow=True)
    assert "Outsider is now a member" in text(response)
    assert role_of(world.outsider, world.private) == Role.MEMBER
    again = moderator.post(f"/communities/{world.private.id}/requests/{request_id}/approve/", follow=True)
    assert "already been decided" in text(again)
    assert "quarterly" not in text(client.get(f"/communities/{world.private.id}/"))  # nothing posted yet
    assert ">Leave<" in text(client.get(f"/communities/{world.private.id}/"))


def test_deny_and_cancel_requests(world):
    request_id = JoinRequest.objects.get(community=world.private, user=world.requester).id
    owner = as_user(world.owner)
    owner.post(f"/communities/{world.private.id}/requests/{request_id}/deny/")
    assert JoinRequest.objects.get(pk=request_id).status == JoinRequest.Status.DENIED
    assert role_of(world.requester, world.private) is None
    client = as_user(world.outsider)
    client.post(f"/communities/{world.private.id}/join/")
    client.post(f"/communities/{world.private.id}/cancel-request/")
    assert not JoinRequest.objects.filter(user=world.outsider, status=JoinRequest.Status.PENDING).exists()
    assert owner.post(f"/communities/{world.private.id}/requests/{request_id}/maybe/").status_code == 404
    assert owner.post(f"/communities/{world.private.id}/requests/999999/approve/").status_code == 404


def test_members_cannot_see_or_decide_requests(world):
    request_id = JoinRequest.objects.get(community=world.private, user=world.requester).id
    client = as_user(world.member)
    assert client.get(f"/communities/{world.private.id}/requests/").status_code == 403
    assert client.post(f"/communities/{world.private.id}/requests/{request_id}/approve/").status_code == 403
    assert as_user(world.requester).post(
        f"/communities/{world.private.id}/requests/{request_id}/approve/").status_code == 403
    assert role_of(world.requester, world.private) is None


def test_a_secret_community_cannot_be_joined_by_request(world):
    assert as_user(world.outsider).post(f"/communities/{world.secret.id}/join/").status_code == 404
    assert not JoinRequest.objects.filter(community=world.secret).exists()


def test_the_last_owner_cannot_leave(world):
    client = as_user(world.owner)
    response = client.post(f"/communities/{world.open.id}/leave/", follow=True)
    assert response.status_code == 200
    assert "last owner cannot leave" in text(response)
    assert role_of(world.owner, world.open) == Role.OWNER
    # once someone else is owner, they can
    client.post(f"/communities/{world.open.id}/members/{world.moderator.id}/role/",
                {f"m{world.moderator.id}-role": "owner"})
    assert role_of(world.moderator, world.open) == Role.OWNER
    client.post(f"/communities/{world.open.id}/leave/")
    assert role_of(world.owner, world.open) is None


def test_leaving_a_secret_community_goes_back_to_the_list(world):
    response = as_user(world.member).post(f"/communities/{world.secret.id}/leave/")
    assert response.status_code == 302 and response["Location"] == "/communities/"
    assert as_user(world.member).get(f"/communities/{world.secret.id}/").status_code == 404


def test_leaving_when_not_a_member_is_a_clear_message(world):
    response = as_user(world.outsider).post(f"/communities/{world.open.id}/leave/", follow=True)
    assert response.status_code == 200 and "not a member" in text(response)


# Members

def test_members_page_lists_roles(world):
    body = text(as_user(world.member).get(f"/communities/{world.private.id}/members/"))
    for name in ("Owner", "Moderator", "Member"):
        assert f">{name}</a>" in body
    assert "Requester" not in body and "Add a colleague" not in body and ">Remove<" not in body


def test_moderator_adds_a_colleague_by_handle_or_email(world):
    client = as_user(world.moderator)
    response = client.post(f"/communities/{world.secret.id}/members/add/", {"who": "@outsider", "role": "member"},
                           follow=True)
    assert "Outsider is now a member" in text(response)
    assert role_of(world.outsider, world.secret) == Role.MEMBER
    assert Notification.objects.filter(recipient=world.outsider, kind=Kind.INVITATION).exists()
    client.post(f"/communities/{world.secret.id}/members/add/", {"who": world.admin.email.upper(), "role": "member"})
    assert role_of(world.admin, world.secret) == Role.MEMBER


def test_adding_unknown_people_strangers_or_members_is_a_clear_message(world):
    client = as_user(world.moderator)
    url = f"/communities/{world.private.id}/members/add/"
    assert "Nobody in the network" in text(client.post(url, {"who": "ghost", "role": "member"}, follow=True))
    assert "Nobody in the network" in text(client.post(url, {"who": world.stranger.email, "role": "member"},
                                                       follow=True))
    assert role_of(world.stranger, world.private) is None
    assert "Already a member" in text(client.post(url, {"who": "member", "role": "member"}, follow=True))
    assert "Give the colleague" in text(client.post(url, {"who": "", "role": "member"}, follow=True))


def test_moderators_cannot_make_owners_and_members_cannot_add(world):
    url = f"/communities/{world.private.id}/members/add/"
    as_user(world.moderator).post(url, {"who": "outsider", "role": "owner"})
    assert role_of(world.outsider, world.private) is None
    assert as_user(world.member).post(url, {"who": "outsider", "role": "member"}).status_code == 403
    assert role_of(world.outsider, world.private) is None


def test_owner_changes_roles_and_the_last_owner_stays(world):
    client = as_user(world.owner)
    url = f"/communities/{world.private.id}/members/{world.member.id}/role/"
    client.post(url, {f"m{world.member.id}-role": "moderator"})
    assert role_of(world.member, world.private) == Role.MODERATOR
    response = client.post(f"/communities/{world.private.id}/members/{world.owner.id}/role/",
                           {f"m{world.owner.id}-role": "member"}, follow=True)
    assert "at least one owner" in text(response)
    assert role_of(world.owner, world.private) == Role.OWNER
    response = client.post(url, {f"m{world.member.id}-role": "emperor"}, follow=True)
    assert "Choose a role" in text(response) and role_of(world.member, world.private) == Role.MODERATOR
    assert as_user(world.moderator).post(url, {"role": "owner"}).status_code == 403
    assert role_of(world.member, world.private) == Role.MODERATOR
    assert client.post(f"/communities/{world.private.id}/members/{world.outsider.id}/role/",
                       {"role": "member"}).status_code == 404


def test_removing_members(world):
    moderator = as_user(world.moderator)
    base = f"/communities/{world.private.id}/members"
    # A moderator removes a member but not the owner.
    assert moderator.post(f"{base}/{world.owner.id}/remove/").status_code == 403
    moderator.post(f"{base}/{world.member.id}/remove/")
    assert role_of(world.member, world.private) is None
    # Someone outside the community removes nobody.
    assert as_user(world.outsider).post(f"{base}/{world.moderator.id}/remove/").status_code == 403
    # The owner removes a moderator.
    as_user(world.owner).post(f"{base}/{world.moderator.id}/remove/")
    assert role_of(world.moderator, world.private) is None
    world.private.refresh_from_db()
    assert world.private.member_count == 1

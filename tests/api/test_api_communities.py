"""Communities: the directory, creating and changing, joining and leaving, members, join requests."""

from __future__ import annotations

import pytest
from api_helpers import UNICODE_TEXT, assert_error, assert_not_found, walk

from essaim.communities import actions as communities
from essaim.communities.models import Community, JoinRequest, Membership, Role
from essaim.core.models import Activity
from essaim.notifications.models import Kind, Notification


def role_of(community, user):
    return Membership.objects.filter(community=community, user=user).values_list("role", flat=True).first()


class TestDirectory:
    def test_outsiders_do_not_see_secret_communities(self, world, api_as):
        items = api_as(world.outsider).get("communities").json_body["items"]
        assert [c["slug"] for c in items] == ["open-club", "private-club"]
        assert all(c["my_role"] is None and c["my_request"] is None for c in items)

    def test_members_see_their_role_and_requesters_their_request(self, world, api_as):
        items = {c["slug"]: c for c in api_as(world.moderator).get("communities").json_body["items"]}
        assert set(items) == {"open-club", "private-club", "secret-club"}
        assert items["secret-club"]["my_role"] == "moderator"
        private = {c["slug"]: c for c in api_as(world.requester).get("communities").json_body["items"]}
        assert private["private-club"]["my_request"] == "pending"
        assert private["private-club"]["my_role"] is None

    def test_search_and_mine(self, world, api_as):
        client = api_as(world.member)
        assert [c["slug"] for c in client.get("communities", q="PRIV").json_body["items"]] == ["private-club"]
        communities.do_create_community(world.owner, name="Another")
        assert len(client.get("communities", mine="true").json_body["items"]) == 3
        assert len(client.get("communities").json_body["items"]) == 4

    def test_other_networks_communities_are_not_listed(self, world, api_as):
        communities.do_create_community(world.stranger, name="Globex Club")
        assert api_as(world.member).get("communities", q="globex").json_body["items"] == []

    def test_walks_every_page_once(self, world, api_as):
        for i in range(9):
            communities.do_create_community(world.owner, name="Club", slug=f"club-{i}")
        found = walk(api_as(world.member), "communities", limit=4)
        assert len(found) == 12

    @pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"cursor": "garbage!"}, {"mine": "perhaps"}])
    def test_bad_list_parameters(self, world, api_as, params):
        assert_error(api_as(world.member).get("communities", **params), 422)


class TestCreate:
    def test_create_makes_me_owner(self, world, api_as):
        response = api_as(world.outsider).post("communities", {
            "name": UNICODE_TEXT, "description": "Equipe <b>donnees</b>", "visibility": "private"})
        assert response.status_code == 201, response.content
        body = response.json_body
        assert body["name"] == UNICODE_TEXT and body["visibility"] == "private"
        assert body["my_role"] == "owner" and body["member_count"] == 1
        assert body["slug"] and body["created_at"].endswith("Z")
        assert role_of(Community.objects.get(pk=body["id"]), world.outsider) == Role.OWNER

    def test_slug_can_be_chosen(self, world, api_as):
        body = api_as(world.outsider).post("communities", {"name": "Data", "slug": "data-team"}).json_body
        assert body["slug"] == "data-team" and body["visibility"] == "open"

    @pytest.mark.parametrize("payload,status,code", [
        ({"name": "X", "visibility": "hidden"}, 422, "invalid"),
        ({"name": "X", "colour": "red"}, 422, "invalid"),
        ({"description": "no name"}, 422, "invalid"),
        ({"name": ["X"]}, 422, "invalid"),
        ({"name": "   "}, 422, "required"),
        ({"name": "x" * 101}, 422, "too_long"),
        ({"name": "X", "description": "x" * 2001}, 422, "too_long"),
        ({"name": "X", "slug": "open-club"}, 409, "name_taken"),
        ({"name": "X", "slug": "member"}, 409, "name_taken"),  # a person's handle
        ({"name": "X", "slug": "No Spaces"}, 422, "invalid_name"),
    ])
    def test_bad_input_creates_nothing(self, world, api_as, payload, status, code):
        before = Community.objects.count()
        assert_error(api_as(world.outsider).post("communities", payload), status, code)
        assert Community.objects.count() == before

    def test_restricted_creation(self, world, api_as):
        world.network.restrict_community_creation = True
        world.network.save()
        assert_error(api_as(world.member).post("communities", {"name": "Mine"}), 403)
        assert api_as(world.admin).post("communities", {"name": "Admins"}).status_code == 201


class TestDetailAndUpdate:
    def test_detail_records_a_view(self, world, api_as):
        body = api_as(world.outsider).get(f"communities/{world.private.id}").json_body
        assert body["name"] == "Private Club" and body["my_role"] is None
        assert Activity.objects.filter(user_id=world.outsider.id, verb=Activity.Verb.VIEW,
                                       object_type=Activity.Object.COMMUNITY, object_id=world.private.id,
                                       community_id=world.private.id).exists()

    @pytest.mark.parametrize("who", ["outsider", "requester", "admin"])
    def test_secret_community_looks_missing_to_non_members(self, world, api_as, who):
        assert_not_found(api_as(getattr(world, who)).get(f"communities/{world.secret.id}"))
        assert_not_found(api_as(world.member).get("communities/424242"))
        assert_not_found(api_as(world.member).get("communities/open-club"))

    def test_owner_updates(self, world, api_as):
        response = api_as(world.owner).patch(f"communities/{world.open.id}", {
            "name": "Renamed", "description": "New", "visibility": "private", "slug": "renamed"})
        assert response.status_code == 200, response.content
        assert {k: response.json_body[k] for k in ("name", "description", "visibility", "slug")} == {
            "name": "Renamed", "description": "New", "visibility": "private", "slug": "renamed"}

    @pytest.mark.parametrize("who,status", [("moderator", 403), ("member", 403), ("outsider", 403),
                                            ("admin", 403)])
    def test_only_owners_update(self, world, api_as, who, status):
        assert_error(api_as(getattr(world, who)).patch(f"communities/{world.private.id}", {"name": "Mine"}), status)
        world.private.refresh_from_db()
        assert world.private.name == "Private Club"

    @pytest.mark.parametrize("visibility", ["open", "private", "secret"])
    def test_communities_of_another_network_look_missing(self, world, api_as, visibility):
        community = world.community(visibility)
        assert_not_found(api_as(world.stranger, host="globex.test").get(f"communities/{community.id}"))

    def test_update_of_an_invisible_community_is_404(self, world, api_as):
        assert_not_found(api_as(world.outsider).patch(f"communities/{world.secret.id}", {"name": "Mine"}))

    @pytest.mark.parametrize("payload,status", [({"slug": "secret-club"}, 409), ({"visibility": "public"}, 422),
                                                ({"owner": "me"}, 422), ({"name": ""}, 422)])
    def test_bad_update(self, world, api_as, payload, status):
        assert_error(api_as(world.owner).patch(f"communities/{world.open.id}", payload), status)
        world.open.refresh_from_db()
        assert world.open.slug == "open-club" and world.open.name == "Open Club"


class TestJoinAndLeave:
    def test_join_open(self, world, api_as):
        response = api_as(world.outsider).post(f"communities/{world.open.id}/join")
        assert response.json_body == {"status": "joined"}
        assert role_of(world.open, world.outsider) == Role.MEMBER

    def test_join_private_asks_and_tells_the_moderators(self, world, api_as):
        response = api_as(world.outsider).post(f"communities/{world.private.id}/join", {"message": "Please"})
        assert response.json_body == {"status": "requested"}
        assert role_of(world.private, world.outsider) is None
        assert JoinRequest.objects.get(user=world.outsider).message == "Please"
        assert Notification.objects.filter(kind=Kind.JOIN_REQUEST, actor=world.outsider,
                                           recipient__in=[world.owner, world.moderator]).count() == 2

    def test_join_without_a_body(self, world, api_as):
        response = api_as(world.outsider).client.generic("POST", f"/api/v1/communities/{world.open.id}/join")
        assert response.status_code == 200 and response.json() == {"status": "joined"}

    def test_duplicate_request_is_a_conflict(self, world, api_as):
        response = api_as(world.requester).post(f"communities/{world.private.id}/join")
        assert_error(response, 409, "request_pending")
        assert JoinRequest.objects.filter(user=world.requester).count() == 1

    def test_joining_again_is_a_conflict(self, world, api_as):
        assert_error(api_as(world.member).post(f"communities/{world.open.id}/join"), 409, "already_member")

    def test_secret_cannot_be_joined(self, world, api_as):
        assert_not_found(api_as(world.outsider).post(f"communities/{world.secret.id}/join"))
        assert role_of(world.secret, world.outsider) is None

    def test_join_message_too_long(self, world, api_as):
        response = api_as(world.outsider).post(f"communities/{world.private.id}/join", {"message": "x" * 1001})
        assert_error(response, 422, "too_long")
        assert not JoinRequest.objects.filter(user=world.outsider).exists()

    def test_leave(self, world, api_as):
        assert api_as(world.member).post(f"communities/{world.open.id}/leave").json_body == {"status": "left"}
        assert role_of(world.open, world.member) is None

    def test_requester_withdraws(self, world, api_as):
        response = api_as(world.requester).post(f"communities/{world.private.id}/leave")
        assert response.json_body == {"status": "cancelled"}
        assert not JoinRequest.objects.filter(user=world.requester, status="pending").exists()

    def test_last_owner_cannot_leave(self, world, api_as):
        assert_error(api_as(world.owner).post(f"communities/{world.open.id}/leave"), 409, "last_owner")
        assert role_of(world.open, world.owner) == Role.OWNER

    def test_leaving_what_i_am_not_in(self, world, api_as):
        assert_error(api_as(world.outsider).post(f"communities/{world.open.id}/leave"), 409, "not_member")


class TestMembers:
    def test_members_of_open_community_for_everyone(self, world, api_as):
        items = api_as(world.outsider).get(f"communities/{world.open.id}/members").json_body["items"]
        assert [(m["user"]["handle"], m["role"]) for m in items] == [
            ("owner", "owner"), ("moderator", "moderator"), ("member", "member")]
        assert items[0]["joined_at"].endswith("Z")

    @pytest.mark.parametrize("visibility", ["private", "secret"])
    def test_members_of_closed_communities_are_for_members(self, world, api_as, visibility):
        community = world.community(visibility)
        assert_not_found(api_as(world.outsider).get(f"communities/{community.id}/members"))
        assert_not_found(api_as(world.requester).get(f"communities/{community.id}/members"))
        assert api_as(world.member).get(f"communities/{community.id}/members").status_code == 200

    def test_member_list_pages(self, world, api_as):
        from api_helpers import new_person

        for i in range(6):
            communities.do_join_community(new_person(world.network, f"joiner{i}"), world.open)
        assert len(walk(api_as(world.member), f"communities/{world.open.id}/members", limit=4)) == 9

    def test_moderator_adds_a_member_who_is_told(self, world, api_as):
        response = api_as(world.moderator).post(f"communities/{world.private.id}/members",
                                                {"user_id": str(world.outsider.id)})
        assert response.status_code == 201, response.content
        assert response.json_body["user"]["id"] == str(world.outsider.id)
        assert response.json_body["role"] == "member"
        assert Notification.objects.filter(recipient=world.outsider, kind=Kind.INVITATION).exists()

    def test_adding_a_requester_settles_the_request(self, world, api_as):
        response = api_as(world.owner).post(f"communities/{world.private.id}/members",
                                            {"user_id": world.requester.id, "role": "moderator"})
        assert response.status_code == 201 and response.json_body["role"] == "moderator"
        assert not JoinRequest.objects.filter(user=world.requester, status="pending").exists()

    @pytest.mark.parametrize("who,target,role,status", [
        ("member", "outsider", "member", 403),
        ("moderator", "outsider", "moderator", 403),   # only owners add moderators
        ("owner", "member", "member", 409),            # already in
        ("owner", "stranger", "member", 404),          # another network
        ("owner", "nobody", "member", 404),
        ("owner", "outsider", "boss", 422),
        ("outsider", "outsider", "member", 403),       # sees the private community, may not add
    ])
    def test_bad_additions(self, world, api_as, who, target, role, status):
        user_id = "abc" if target == "nobody" else str(getattr(world, target).id)
        before = Membership.objects.count()
        response = api_as(getattr(world, who)).post(f"communities/{world.private.id}/members",
                                                    {"user_id": user_id, "role": role})
        assert_error(response, status)
        assert Membership.objects.count() == before

    def test_cannot_add_to_an_invisible_community(self, world, api_as):
        assert_not_found(api_as(world.outsider).post(f"communities/{world.secret.id}/members",
                                                     {"user_id": world.outsider.id}))

    def test_owner_changes_roles(self, world, api_as):
        response = api_as(world.owner).patch(f"communities/{world.open.id}/members/{world.member.id}",
                                             {"role": "owner"})
        assert response.status_code == 200 and response.json_body["role"] == "owner"
        assert role_of(world.open, world.member) == Role.OWNER

    @pytest.mark.parametrize("who,target,payload,status", [
        ("moderator", "member", {"role": "moderator"}, 403),
        ("member", "member", {"role": "owner"}, 403),
        ("owner", "owner", {"role": "member"}, 409),   # the last owner
        ("owner", "outsider", {"role": "member"}, 404),  # not a member
        ("owner", "member", {"role": "king"}, 422),
        ("owner", "member", {}, 422),
    ])
    def test_bad_role_changes(self, world, api_as, who, target, payload, status):
        response = api_as(getattr(world, who)).patch(
            f"communities/{world.open.id}/members/{getattr(world, target).id}", payload)
        assert_error(response, status)
        assert role_of(world.open, world.owner) == Role.OWNER
        assert role_of(world.open, world.member) == Role.MEMBER

    def test_moderator_removes_a_member(self, world, api_as):
        response = api_as(world.moderator).delete(f"communities/{world.open.id}/members/{world.member.id}")
        assert response.status_code == 204 and response.content == b""
        assert role_of(world.open, world.member) is None

    @pytest.mark.parametrize("who,target,status", [
        ("member", "moderator", 403), ("moderator", "owner", 403), ("moderator", "outsider", 404),
        ("outsider", "member", 403),
    ])
    def test_bad_removals(self, world, api_as, who, target, status):
        before = Membership.objects.count()
        response = api_as(getattr(world, who)).delete(
            f"communities/{world.open.id}/members/{getattr(world, target).id}")
        assert_error(response, status)
        assert Membership.objects.count() == before

    def test_removing_myself_is_leaving(self, world, api_as):
        response = api_as(world.member).delete(f"communities/{world.open.id}/members/{world.member.id}")
        assert response.status_code == 204
        assert role_of(world.open, world.member) is None


class TestRequests:
    def test_moderators_see_pending_requests(self, world, api_as):
        items = api_as(world.moderator).get(f"communities/{world.private.id}/requests").json_body["items"]
        assert [(r["user"]["handle"], r["status"]) for r in items] == [("requester", "pending")]

    @pytest.mark.parametrize("who", ["member", "outsider", "requester"])
    def test_others_may_not_see_requests(self, world, api_as, who):
        assert_error(api_as(getattr(world, who)).get(f"communities/{world.private.id}/requests"), 403)
        stranger = api_as(world.stranger, host="globex.test")
        assert_not_found(stranger.get(f"communities/{world.private.id}/requests"))

    def test_secret_requests_look_missing(self, world, api_as):
        assert_not_found(api_as(world.outsider).get(f"communities/{world.secret.id}/requests"))

    def test_approve(self, world, api_as):
        request = JoinRequest.objects.get(user=world.requester)
        response = api_as(world.owner).post(f"communities/{world.private.id}/requests/{request.id}/approve")
        assert response.status_code == 200 and response.json_body["status"] == "approved"
        assert role_of(world.private, world.requester) == Role.MEMBER
        assert Notification.objects.filter(recipient=world.requester, kind=Kind.REQUEST_APPROVED).exists()
        again = api_as(world.owner).post(f"communities/{world.private.id}/requests/{request.id}/deny")
        assert_error(again, 409, "already_decided")
        assert role_of(world.private, world.requester) == Role.MEMBER

    def test_deny(self, world, api_as):
        request = JoinRequest.objects.get(user=world.requester)
        response = api_as(world.moderator).post(f"communities/{world.private.id}/requests/{request.id}/deny")
        assert response.json_body["status"] == "denied"
        assert role_of(world.private, world.requester) is None
        assert api_as(world.owner).get(f"communities/{world.private.id}/requests").json_body["items"] == []

    def test_member_cannot_approve(self, world, api_as):
        request = JoinRequest.objects.get(user=world.requester)
        assert_error(api_as(world.member).post(f"communities/{world.private.id}/requests/{request.id}/approve"),
                     403)
        assert role_of(world.private, world.requester) is None

    def test_request_of_another_community_is_not_found(self, world, api_as):
        request = JoinRequest.objects.get(user=world.requester)
        other = communities.do_create_community(world.owner, name="Other", visibility="private")
        assert_not_found(api_as(world.owner).post(f"communities/{other.id}/requests/{request.id}/approve"))
        assert_not_found(api_as(world.owner).post(f"communities/{world.private.id}/requests/nope/approve"))
        assert role_of(world.private, world.requester) is None

"""/me, the people directory, profiles and following people."""

from __future__ import annotations

import pytest
from api_helpers import UNICODE_TEXT, assert_error, assert_not_found, new_person, walk

from essaim.accounts import actions as accounts
from essaim.accounts.models import Follow
from essaim.core.models import Activity


class TestMe:
    def test_me_is_the_signed_in_person_with_private_fields(self, world, api_as):
        body = api_as(world.admin).get("me").json_body
        assert body["id"] == str(world.admin.id)
        assert body["handle"] == "netadmin"
        assert body["email"] == "netadmin@acme.test"
        assert body["is_admin"] is True and body["language"] == ""
        assert body["avatar_url"] == f"/people/{world.admin.id}/avatar.svg"

    def test_update_profile(self, world, api_as):
        client = api_as(world.member)
        response = client.patch("me", {
            "display_name": UNICODE_TEXT, "job_title": "Analyst", "department": "Finance",
            "organization": "Acme Partners", "location": "Lyon", "phone": "+33 1 23 45 67 89",
            "bio": "Hello **world**", "skills": ["Python", "python", "Data Science"], "language": "fr",
            "handle": "zoe.n",
        })
        assert response.status_code == 200, response.content
        body = response.json_body
        assert body["display_name"] == UNICODE_TEXT
        assert body["organization"] == "Acme Partners"
        assert body["skills"] == ["data science", "python"]
        assert body["language"] == "fr" and body["handle"] == "zoe.n"
        seen = api_as(world.owner).get(f"users/{world.member.id}").json_body
        assert seen["display_name"] == UNICODE_TEXT and seen["department"] == "Finance"
        assert seen["phone"] == "+33 1 23 45 67 89" and seen["bio"] == "Hello **world**"

    def test_avatar_url_is_the_picture_then_gravatar_if_allowed_then_initials(self, world, api_as):
        from io import BytesIO

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        client = api_as(world.member)
        assert client.get("me").json_body["avatar_url"] == f"/people/{world.member.id}/avatar.svg"
        accounts.do_update_network_settings(world.network, gravatar_enabled=True, acting_user=world.admin)
        gravatar = client.get(f"users/{world.owner.id}").json_body["avatar_url"]
        assert gravatar.startswith(f"https://www.gravatar.com/avatar/{world.owner.email_hash}")
        picture = BytesIO()
        Image.new("RGB", (40, 30), "teal").save(picture, format="PNG")
        accounts.do_set_avatar(world.owner, SimpleUploadedFile("me.png", picture.getvalue(), "image/png"),
                               acting_user=world.owner)
        uploaded = client.get(f"users/{world.owner.id}").json_body["avatar_url"]
        assert uploaded.startswith("/media/avatars/") and uploaded.endswith(".png")

    def test_organization_can_be_cleared(self, world, api_as):
        client = api_as(world.member)
        client.patch("me", {"organization": "Acme"})
        assert client.patch("me", {"organization": None}).json_body["organization"] is None

    @pytest.mark.parametrize("payload,status,code", [
        ({"nickname": "x"}, 422, "invalid"),
        ({"skills": "python"}, 422, "invalid"),
        ({"display_name": 42}, 422, "invalid"),
        ({"display_name": None}, 422, "invalid"),
        ({"skills": ["ok", "\udfff"]}, 422, "invalid"),
        ({"is_admin": True}, 422, "invalid"),
        ({"email": "new@acme.test"}, 422, "invalid"),
        ({"display_name": ""}, 422, "invalid_display_name"),
        ({"display_name": "x" * 121}, 422, "too_long"),
        ({"bio": "x" * 5001}, 422, "too_long"),
        ({"language": "de"}, 422, "invalid_language"),
        ({"handle": "Not a handle!"}, 422, "invalid_name"),
        ({"handle": "admin"}, 422, "reserved_name"),
        ({"handle": "owner"}, 409, "name_taken"),
        ({"handle": "open-club"}, 409, "name_taken"),  # communities share the name space
        ({"skills": [f"skill {i}" for i in range(51)]}, 422, "too_many_skills"),
    ])
    def test_bad_profile_input_changes_nothing(self, world, api_as, payload, status, code):
        client = api_as(world.member)
        before = client.get("me").json_body
        response = client.patch("me", dict(payload, job_title="Changed"))
        assert_error(response, status, code)
        assert client.get("me").json_body == before


class TestDirectory:
    @pytest.fixture
    def people(self, world):
        made = [
            new_person(world.network, "alice", department="Sales", organization="Acme", location="Paris",
                      skills=["negotiation"]),
            new_person(world.network, "bob", department="Engineering", organization="Partner Co",
                      location="Lyon", skills=["python", "sql"]),
            new_person(world.network, "chloe", department="engineering", location="Paris 11e", skills=["Python"]),
        ]
        ghost = new_person(world.network, "ghost")
        accounts.do_deactivate_user(ghost, acting_user=world.admin)
        return made

    def test_lists_active_people_of_my_network_by_name(self, world, api_as, people):
        items = api_as(world.member).get("users", limit=100).json_body["items"]
        handles = [p["handle"] for p in items]
        assert handles == ["alice", "bob", "chloe", "member", "moderator", "netadmin", "outsider", "owner",
                           "requester"]
        assert "stranger" not in handles and "ghost" not in handles
        assert "email" not in items[0]  # the directory stays light

    @pytest.mark.parametrize("params,expected", [
        ({"q": "ALI"}, ["alice"]),
        ({"q": "bob@"}, ["bob"]),  # e-mail prefix
        ({"q": "lo"}, ["chloe"]),
        ({"department": "engineering"}, ["bob", "chloe"]),
        ({"organization": "partner co"}, ["bob"]),
        ({"skill": "Python"}, ["bob", "chloe"]),
        ({"location": "paris"}, ["alice", "chloe"]),
        ({"skill": "python", "location": "paris"}, ["chloe"]),
        ({"q": "nobody-has-this"}, []),
    ])
    def test_search_and_filters(self, world, api_as, people, params, expected):
        body = api_as(world.member).get("users", **params).json_body
        assert [p["handle"] for p in body["items"]] == expected

    def test_walks_every_page_once(self, world, api_as, people):
        for i in range(12):
            new_person(world.network, f"person{i:02d}", display_name="Same Name")
        everyone = walk(api_as(world.member), "users", limit=5)
        assert len(everyone) == 9 + 12
        same = [p["id"] for p in everyone if p["display_name"] == "Same Name"]
        assert same == sorted(same, key=int)  # ties in name are ordered by id

    @pytest.mark.parametrize("params,code", [
        ({"limit": 0}, "invalid"), ({"limit": 101}, "invalid"), ({"limit": "ten"}, "invalid"),
        ({"cursor": "bm9wZQ"}, "invalid_cursor"), ({"cursor": "%%%"}, "invalid_cursor"),
        ({"q": "x" * 201}, "invalid"),
    ])
    def test_bad_list_parameters(self, world, api_as, params, code):
        assert_error(api_as(world.member).get("users", **params), 422, code)


class TestProfile:
    def test_profile_of_a_colleague_records_a_view(self, world, api_as):
        response = api_as(world.member).get(f"users/{world.owner.id}")
        assert response.status_code == 200
        assert response.json_body["email"] == "owner@acme.test"
        assert response.json_body["following"] is False
        assert Activity.objects.filter(user_id=world.member.id, verb=Activity.Verb.VIEW,
                                       object_type=Activity.Object.PROFILE, object_id=world.owner.id).count() == 1

    @pytest.mark.parametrize("user_id", ["stranger", "999999", "abc", "-1", "1.5", "99999999999999999999999"])
    def test_people_of_other_networks_look_missing(self, world, api_as, user_id):
        if user_id == "stranger":
            user_id = str(world.stranger.id)
        assert_not_found(api_as(world.member).get(f"users/{user_id}"))

    def test_deactivated_person_keeps_a_profile(self, world, api_as):
        accounts.do_deactivate_user(world.outsider, acting_user=world.admin)
        body = api_as(world.member).get(f"users/{world.outsider.id}").json_body
        assert body["is_active"] is False


class TestFollow:
    def test_follow_and_unfollow(self, world, api_as):
        client = api_as(world.member)
        response = client.post(f"users/{world.owner.id}/follow")
        assert response.status_code == 200 and response.json_body == {"following": True}
        assert client.post(f"users/{world.owner.id}/follow").json_body == {"following": True}  # idempotent
        assert Follow.objects.filter(follower=world.member, followee=world.owner).count() == 1
        assert client.get(f"users/{world.owner.id}").json_body["following"] is True
        assert client.delete(f"users/{world.owner.id}/follow").json_body == {"following": False}
        assert not Follow.objects.exists()

    def test_cannot_follow_myself(self, world, api_as):
        assert_error(api_as(world.member).post(f"users/{world.member.id}/follow"), 422, "invalid_follow")

    def test_cannot_follow_someone_of_another_network(self, world, api_as):
        assert_not_found(api_as(world.member).post(f"users/{world.stranger.id}/follow"))
        assert not Follow.objects.exists()

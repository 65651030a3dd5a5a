"""Posts: writing in every place, reading, editing with versions, deleting; rich text stays harmless."""

from __future__ import annotations

import pytest
from api_helpers import UNICODE_TEXT, assert_error, assert_not_found, walk

from essaim.core.models import Activity
from essaim.notifications.models import Kind, Notification
from essaim.stream import actions as stream
from essaim.stream.models import Post, PostVersion


class TestCreate:
    def test_post_into_a_community(self, world, api_as):
        response = api_as(world.member).post("posts", {
            "body": "Hello @owner, see #Roadmap and #roadmap", "community_id": str(world.open.id)})
        assert response.status_code == 201, response.content
        post = response.json_body
        assert post["author"] == {"id": str(world.member.id), "handle": "member", "display_name": "Member",
                                  "avatar_url": f"/people/{world.member.id}/avatar.svg"}
        assert post["community"] == {"id": str(world.open.id), "name": "Open Club", "slug": "open-club"}
        assert post["profile_user"] is None
        assert post["body"] == "Hello @owner, see #Roadmap and #roadmap"
        assert '<a class="mention" href="/people/' in post["html"]
        assert post["mentions"] == [{"id": str(world.owner.id), "handle": "owner", "display_name": "Owner",
                                     "avatar_url": f"/people/{world.owner.id}/avatar.svg"}]
        assert post["topics"] == ["roadmap"]
        assert post["created_at"].endswith("Z") and post["edited_at"] is None
        assert post["reactions"] == {} and post["my_reactions"] == [] and post["comment_count"] == 0
        assert post["permissions"] == {"edit": True, "delete": True}
        assert post["announcement"] is False and post["pinned"] is False
        assert Notification.objects.filter(recipient=world.owner, kind=Kind.MENTION).count() == 1

    def test_post_to_all_company_and_to_a_profile(self, world, api_as):
        client = api_as(world.member)
        company = client.post("posts", {"body": "To everyone"}).json_body
        assert company["community"] is None and company["profile_user"] is None
        profile = client.post("posts", {"body": "Happy birthday", "profile_user_id": world.outsider.id}).json_body
        assert profile["profile_user"]["id"] == str(world.outsider.id)

    def test_announcements_are_pinned(self, world, api_as):
        body = api_as(world.admin).post("posts", {"body": "Holiday on Friday", "announcement": True}).json_body
        assert body["announcement"] is True and body["pinned"] is True
        owner = api_as(world.owner).post("posts", {"body": "Read me", "announcement": True,
                                                   "community_id": world.private.id})
        assert owner.status_code == 201 and owner.json_body["pinned"] is True

    def test_unicode_round_trips(self, world, api_as):
        client = api_as(world.member)
        post = client.post("posts", {"body": UNICODE_TEXT, "community_id": world.open.id}).json_body
        again = client.get(f"posts/{post['id']}").json_body
        assert again["body"] == UNICODE_TEXT
        assert UNICODE_TEXT in again["html"]

    @pytest.mark.parametrize("body", [
        "<script>alert('x')</script>Hi",
        '<img src=x onerror="alert(1)">Hi',
        '<a href="javascript:alert(1)">Hi</a>',
        '[Hi](javascript:alert(1))',
        '<iframe src="https://evil.example"></iframe>Hi',
        '<b onclick="alert(1)" style="color:red">Hi</b>',
        '<svg><script>alert(1)</script></svg>Hi',
    ])
    def test_stored_script_comes_back_harmless(self, world, api_as, body):
        client = api_as(world.member)
        post = client.post("posts", {"body": body, "community_id": world.open.id}).json_body
        for html in (post["html"], client.get(f"posts/{post['id']}").json_body["html"],
                     client.get("feed").json_body["items"][0]["html"]):
            lowered = html.lower()
            for bad in ("<script", "onerror=", "onclick=", 'href="javascript', "<iframe", "<img", "style=", "<svg"):
                assert bad not in lowered, html
        assert post["body"] == body  # the source is kept as written

    def test_allowed_html_is_kept(self, world, api_as):
        body = '<abbr title="Request for comments">RFC</abbr> <del>old</del> <q cite="https://a.example">q</q>'
        html = api_as(world.member).post("posts", {"body": body}).json_body["html"]
        assert '<abbr title="Request for comments">RFC</abbr>' in html and "<del>old</del>" in html

    @pytest.mark.parametrize("payload,code", [
        ({"body": "x" * 20_001}, "too_long"),
        ({"body": "   "}, "empty_body"),
        ({"body": 42}, "invalid"),
        ({"body": "half a pair \ud800"}, "invalid"),
        ({"body": None}, "invalid"),
        ({}, "invalid"),
        ({"body": "Hi", "title": "extra"}, "invalid"),
        ({"body": "Hi", "announcement": "yes"}, "invalid"),
        ({"body": "Hi", "community_id": 1.5}, "invalid"),
        ({"body": "Hi", "community_id": "{open}", "profile_user_id": "{outsider}"}, "invalid_target"),
        ({"body": "Hi", "profile_user_id": "{outsider}", "announcement": True}, "not_allowed"),
    ])
    def test_bad_input_writes_nothing(self, world, api_as, payload, code):
        payload = {k: v.format(open=world.open.id, outsider=world.outsider.id) if isinstance(v, str) and k != "body"
                   else v for k, v in payload.items()}
        response = api_as(world.member).post("posts", payload)
        assert_error(response, 403 if code == "not_allowed" else 422, code)
        assert not Post.objects.exists()

    def test_body_at_the_limit_is_accepted(self, world, api_as):
        response = api_as(world.member).post("posts", {"body": "é" * 20_000})
        assert response.status_code == 201 and len(response.json_body["body"]) == 20_000

    @pytest.mark.parametrize("place,who,status", [
        ("open", "outsider", 403),      # readable, not a member
        ("private", "outsider", 404),   # listed but not readable
        ("private", "requester", 404),
        ("secret", "outsider", 404),
        ("secret", "admin", 404),
    ])
    def test_posting_where_i_may_not(self, world, api_as, place, who, status):
        response = api_as(getattr(world, who)).post("posts", {"body": "Hi",
                                                              "community_id": world.community(place).id})
        assert_error(response, status)
        assert not Post.objects.exists()

    @pytest.mark.parametrize("field", ["community_id", "profile_user_id"])
    @pytest.mark.parametrize("value", ["abc", "999999", "-3"])
    def test_unknown_targets_are_not_found(self, world, api_as, field, value):
        assert_not_found(api_as(world.member).post("posts", {"body": "Hi", field: value}))

    def test_members_may_not_announce(self, world, api_as):
        assert_error(api_as(world.member).post("posts", {"body": "Hi", "announcement": True,
                                                         "community_id": world.open.id}), 403, "not_allowed")

    def test_all_company_restricted_to_announcements(self, world, api_as):
        world.network.all_company_announcements_only = True
        world.network.save()
        assert_error(api_as(world.member).post("posts", {"body": "Hi"}), 403, "announcements_only")


class TestRead:
    def test_get_records_a_view(self, world, api_as, make_post):
        post = make_post("private")
        body = api_as(world.moderator).get(f"posts/{post.id}").json_body
        assert body["id"] == str(post.id)
        assert body["permissions"] == {"edit": False, "delete": True}
        assert Activity.objects.filter(user_id=world.moderator.id, verb=Activity.Verb.VIEW,
                                       object_type=Activity.Object.POST, object_id=post.id,
                                       community_id=world.private.id).count() == 1

    @pytest.mark.parametrize("place,who", [("private", "outsider"), ("private", "requester"),
                                           ("secret", "outsider"), ("secret", "admin")])
    def test_invisible_posts_look_missing(self, world, api_as, make_post, place, who):
        post = make_post(place, "Confidential plan")
        response = api_as(getattr(world, who)).get(f"posts/{post.id}")
        assert_not_found(response)
        assert b"Confidential" not in response.content

    def test_posts_of_another_network_look_missing(self, world, api_as, make_post):
        post = make_post("company")
        assert_not_found(api_as(world.stranger, host="globex.test").get(f"posts/{post.id}"))

    def test_deleted_posts_look_missing(self, world, api_as, make_post):
        post = make_post("open")
        stream.do_delete_post(post, acting_user=world.member)
        assert_not_found(api_as(world.member).get(f"posts/{post.id}"))

    @pytest.mark.parametrize("post_id", ["abc", "0", "1e3", "99999999999999999999", "%20"])
    def test_odd_ids_look_missing(self, world, api_as, post_id):
        assert_not_found(api_as(world.member).get(f"posts/{post_id}"))


class TestEditAndVersions:
    def test_author_edits_and_earlier_versions_are_kept(self, world, api_as, make_post):
        post = make_post("open", "First #draft")
        client = api_as(world.member)
        first = client.patch(f"posts/{post.id}", {"body": "Second @owner"}).json_body
        assert first["body"] == "Second @owner" and first["edited_at"].endswith("Z")
        assert first["topics"] == [] and [m["handle"] for m in first["mentions"]] == ["owner"]
        client.patch(f"posts/{post.id}", {"body": "Third"})
        versions = client.get(f"posts/{post.id}/versions").json_body
        assert [v["body"] for v in versions["items"]] == ["Second @owner", "First #draft"]
        assert all(v["created_at"] <= v["replaced_at"] for v in versions["items"])
        assert versions["next_cursor"] is None

    def test_moderators_see_versions(self, world, api_as, make_post):
        post = make_post("private", "v1")
        stream.do_edit_post(post, "v2", acting_user=world.member)
        assert api_as(world.moderator).get(f"posts/{post.id}/versions").json_body["items"][0]["body"] == "v1"

    def test_others_may_not_see_versions(self, world, api_as, make_post):
        post = make_post("open", "v1")
        stream.do_edit_post(post, "v2", acting_user=world.member)
        assert_error(api_as(world.outsider).get(f"posts/{post.id}/versions"), 403)
        secret = make_post("secret", "v1")
        assert_not_found(api_as(world.outsider).get(f"posts/{secret.id}/versions"))

    def test_versions_page(self, world, api_as, make_post):
        post = make_post("open", "v0")
        for i in range(1, 8):
            stream.do_edit_post(post, f"v{i}", acting_user=world.member)
        bodies = [v["body"] for v in walk(api_as(world.member), f"posts/{post.id}/versions", limit=3)]
        assert bodies == [f"v{i}" for i in range(6, -1, -1)]

    @pytest.mark.parametrize("who", ["owner", "moderator", "admin"])
    def test_only_the_author_edits(self, world, api_as, make_post, who):
        post = make_post("open", "Mine")
        assert_error(api_as(getattr(world, who)).patch(f"posts/{post.id}", {"body": "Theirs"}), 403)
        post.refresh_from_db()
        assert post.body == "Mine" and not PostVersion.objects.exists()

    @pytest.mark.parametrize("payload,code", [({"body": "x" * 20_001}, "too_long"), ({"body": ""}, "empty_body"),
                                              ({"text": "new"}, "invalid"), ({"body": ["new"]}, "invalid")])
    def test_bad_edit_changes_nothing(self, world, api_as, make_post, payload, code):
        post = make_post("open", "Mine")
        assert_error(api_as(world.member).patch(f"posts/{post.id}", payload), 422, code)
        post.refresh_from_db()
        assert post.body == "Mine" and post.edited_at is None

    def test_edit_of_an_invisible_post_is_404(self, world, api_as, make_post):
        post = make_post("secret", "Mine")
        assert_not_found(api_as(world.outsider).patch(f"posts/{post.id}", {"body": "Theirs"}))


class TestDelete:
    @pytest.mark.parametrize("who", ["member", "moderator", "owner"])
    def test_author_and_moderators_delete(self, world, api_as, make_post, who):
        post = make_post("open")
        response = api_as(getattr(world, who)).delete(f"posts/{post.id}")
        assert response.status_code == 204 and response.content == b""
        assert_not_found(api_as(world.member).get(f"posts/{post.id}"))
        assert Post.objects.get(pk=post.pk).deleted_at is not None  # soft

    @pytest.mark.parametrize("place,who,status", [("open", "outsider", 403), ("company", "outsider", 403),
                                                  ("secret", "outsider", 404)])
    def test_others_may_not_delete(self, world, api_as, make_post, place, who, status):
        post = make_post(place)
        assert_error(api_as(getattr(world, who)).delete(f"posts/{post.id}"), status)
        assert Post.objects.get(pk=post.pk).deleted_at is None

    def test_deleting_twice_is_404(self, world, api_as, make_post):
        post = make_post("open")
        client = api_as(world.member)
        client.delete(f"posts/{post.id}")
        assert_not_found(client.delete(f"posts/{post.id}"))

"""Comments with one level of replies, and reactions on posts and comments."""

from __future__ import annotations

import threading

import pytest
from api_helpers import UNICODE_TEXT, assert_error, assert_not_found, walk
from django.db import connection, connections
from django.test import Client

from essaim.notifications.models import Kind, Notification
from essaim.stream import actions as stream
from essaim.stream.models import Comment, Post, Reaction


class TestComments:
    def test_comment_and_reply(self, world, api_as, make_post):
        post = make_post("open", "Question?")
        owner = api_as(world.owner)
        comment = owner.post(f"posts/{post.id}/comments", {"body": "An answer"})
        assert comment.status_code == 201, comment.content
        top = comment.json_body
        assert top["post_id"] == str(post.id) and top["parent_id"] is None
        assert top["author"]["handle"] == "owner" and top["html"] == "<p>An answer</p>\n"
        assert top["permissions"] == {"edit": True, "delete": True}
        reply = api_as(world.member).post(f"posts/{post.id}/comments", {"body": "Thanks", "parent_id": top["id"]})
        assert reply.json_body["parent_id"] == top["id"]
        # a reply to a reply joins the same thread: one level only
        deeper = owner.post(f"posts/{post.id}/comments", {"body": "Welcome", "parent_id": reply.json_body["id"]})
        assert deeper.json_body["parent_id"] == top["id"]
        thread = api_as(world.outsider).get(f"posts/{post.id}/comments").json_body
        assert [c["body"] for c in thread["items"]] == ["An answer"]
        assert [r["body"] for r in thread["items"][0]["replies"]] == ["Thanks", "Welcome"]
        assert thread["items"][0]["permissions"] == {"edit": False, "delete": False}
        assert api_as(world.member).get(f"posts/{post.id}").json_body["comment_count"] == 3
        assert Notification.objects.filter(recipient=world.member, kind=Kind.COMMENT, actor=world.owner).exists()
        assert Notification.objects.filter(recipient=world.owner, kind=Kind.REPLY, actor=world.member).exists()

    def test_unicode_and_script_in_comments(self, world, api_as, make_post):
        post = make_post("open")
        client = api_as(world.owner)
        created = client.post(f"posts/{post.id}/comments",
                              {"body": UNICODE_TEXT + "<script>alert(1)</script>"}).json_body
        assert created["body"] == UNICODE_TEXT + "<script>alert(1)</script>"
        listed = client.get(f"posts/{post.id}/comments").json_body["items"][0]
        assert UNICODE_TEXT in listed["html"] and "<script" not in listed["html"]

    def test_comments_page_oldest_first(self, world, api_as, make_post):
        post = make_post("open")
        for i in range(11):
            stream.do_create_comment(post, world.owner, f"c{i}")
        items = walk(api_as(world.member), f"posts/{post.id}/comments", limit=4)
        assert [c["body"] for c in items] == [f"c{i}" for i in range(11)]

    @pytest.mark.parametrize("place,who", [("private", "outsider"), ("secret", "admin")])
    def test_comments_of_invisible_posts_look_missing(self, world, api_as, make_post, place, who):
        post = make_post(place)
        stream.do_create_comment(post, world.owner, "Confidential")
        client = api_as(getattr(world, who))
        response = client.get(f"posts/{post.id}/comments")
        assert_not_found(response)
        assert b"Confidential" not in response.content
        assert_not_found(client.post(f"posts/{post.id}/comments", {"body": "Let me in"}))
        assert Comment.objects.count() == 1

    @pytest.mark.parametrize("payload,status,code", [
        ({"body": "x" * 20_001}, 422, "too_long"),
        ({"body": ""}, 422, "empty_body"),
        ({"body": 3}, 422, "invalid"),
        ({"body": "Hi", "post_id": "1"}, 422, "invalid"),
        ({"body": "Hi", "parent_id": "abc"}, 404, "not_found"),
        ({"body": "Hi", "parent_id": "{other}"}, 422, "invalid_parent"),
        ({"body": "Hi", "parent_id": "{secret}"}, 404, "not_found"),
    ])
    def test_bad_comments_write_nothing(self, world, api_as, make_post, payload, status, code):
        post = make_post("open")
        other = stream.do_create_comment(make_post("open"), world.owner, "elsewhere")
        secret = stream.do_create_comment(make_post("secret"), world.owner, "secret")
        payload = {k: v.format(other=other.id, secret=secret.id) if k == "parent_id" else v
                   for k, v in payload.items()}
        before = Comment.objects.count()
        assert_error(api_as(world.outsider).post(f"posts/{post.id}/comments", payload), status, code)
        assert Comment.objects.count() == before

    def test_author_edits_a_comment(self, world, api_as, make_post):
        comment = stream.do_create_comment(make_post("open"), world.owner, "Tpyo")
        response = api_as(world.owner).patch(f"comments/{comment.id}", {"body": "Typo"})
        assert response.status_code == 200
        assert response.json_body["body"] == "Typo" and response.json_body["edited_at"].endswith("Z")

    @pytest.mark.parametrize("who,status", [("member", 403), ("moderator", 403), ("outsider", 403)])
    def test_others_may_not_edit(self, world, api_as, make_post, who, status):
        comment = stream.do_create_comment(make_post("open"), world.owner, "Mine")
        assert_error(api_as(getattr(world, who)).patch(f"comments/{comment.id}", {"body": "Theirs"}), status)
        comment.refresh_from_db()
        assert comment.body == "Mine"

    def test_bad_comment_edit(self, world, api_as, make_post):
        comment = stream.do_create_comment(make_post("open"), world.owner, "Mine")
        client = api_as(world.owner)
        assert_error(client.patch(f"comments/{comment.id}", {"body": "x" * 20_001}), 422, "too_long")
        assert_error(client.patch(f"comments/{comment.id}", {"body": "ok", "parent_id": None}), 422, "invalid")
        assert_not_found(client.patch("comments/nope", {"body": "ok"}))
        comment.refresh_from_db()
        assert comment.body == "Mine"

    @pytest.mark.parametrize("who", ["owner", "moderator"])  # the comment's author, a moderator
    def test_delete_comment(self, world, api_as, make_post, who):
        post = make_post("open")
        comment = stream.do_create_comment(post, world.owner, "Bye")
        response = api_as(getattr(world, who)).delete(f"comments/{comment.id}")
        assert response.status_code == 204
        assert api_as(world.member).get(f"posts/{post.id}/comments").json_body["items"] == []
        assert Post.objects.get(pk=post.pk).comment_count == 0
        assert_not_found(api_as(world.owner).delete(f"comments/{comment.id}"))

    @pytest.mark.parametrize("who", ["member", "outsider"])  # the post's author, a reader
    def test_others_may_not_delete_a_comment(self, world, api_as, make_post, who):
        comment = stream.do_create_comment(make_post("open"), world.owner, "Stays")
        assert_error(api_as(getattr(world, who)).delete(f"comments/{comment.id}"), 403)
        assert Comment.objects.get(pk=comment.pk).deleted_at is None

    def test_invisible_comment_looks_missing(self, world, api_as, make_post):
        comment = stream.do_create_comment(make_post("secret"), world.owner, "Hidden")
        assert_not_found(api_as(world.outsider).delete(f"comments/{comment.id}"))
        assert_not_found(api_as(world.outsider).patch(f"comments/{comment.id}", {"body": "x"}))
        assert Comment.objects.get(pk=comment.pk).deleted_at is None


class TestReactions:
    def test_react_and_take_back(self, world, api_as, make_post):
        post = make_post("open")
        outsider, owner = api_as(world.outsider), api_as(world.owner)
        assert outsider.post(f"posts/{post.id}/reactions", {"kind": "like"}).json_body == {
            "reactions": {"like": 1}, "my_reactions": ["like"]}
        assert outsider.post(f"posts/{post.id}/reactions", {"kind": "like"}).json_body == {
            "reactions": {"like": 1}, "my_reactions": ["like"]}  # twice is once
        owner.post(f"posts/{post.id}/reactions", {"kind": "like"})
        assert owner.post(f"posts/{post.id}/reactions", {"kind": "celebrate"}).json_body == {
            "reactions": {"like": 2, "celebrate": 1}, "my_reactions": ["celebrate", "like"]}
        seen = api_as(world.member).get(f"posts/{post.id}").json_body
        assert seen["reactions"] == {"like": 2, "celebrate": 1} and seen["my_reactions"] == []
        assert outsider.delete(f"posts/{post.id}/reactions/like").json_body == {
            "reactions": {"like": 1, "celebrate": 1}, "my_reactions": []}
        assert outsider.delete(f"posts/{post.id}/reactions/like").status_code == 200  # already gone
        assert set(Notification.objects.filter(recipient=world.member, kind=Kind.REACTION)
                   .values_list("actor__handle", flat=True)) == {"outsider", "owner"}

    def test_comment_reactions(self, world, api_as, make_post):
        comment = stream.do_create_comment(make_post("open"), world.owner, "Nice")
        client = api_as(world.member)
        assert client.post(f"comments/{comment.id}/reactions", {"kind": "insightful"}).json_body == {
            "reactions": {"insightful": 1}, "my_reactions": ["insightful"]}
        listed = client.get(f"posts/{comment.post_id}/comments").json_body["items"][0]
        assert listed["reactions"] == {"insightful": 1} and listed["my_reactions"] == ["insightful"]
        assert client.delete(f"comments/{comment.id}/reactions/insightful").json_body == {
            "reactions": {}, "my_reactions": []}

    @pytest.mark.parametrize("payload", [{"kind": "love"}, {"kind": "LIKE"}, {"kind": ""}, {"kind": 1}, {},
                                         {"kind": "like", "emoji": "x"}])
    def test_unknown_kinds_are_refused(self, world, api_as, make_post, payload):
        post = make_post("open")
        comment = stream.do_create_comment(post, world.owner, "c")
        client = api_as(world.member)
        assert_error(client.post(f"posts/{post.id}/reactions", payload), 422)
        assert_error(client.post(f"comments/{comment.id}/reactions", payload), 422)
        assert not Reaction.objects.exists()

    def test_unknown_kind_in_the_path(self, world, api_as, make_post):
        post = make_post("open")
        assert_error(api_as(world.member).delete(f"posts/{post.id}/reactions/love"), 422, "invalid_reaction")

    def test_reactions_on_invisible_things_look_missing(self, world, api_as, make_post):
        post = make_post("private")
        comment = stream.do_create_comment(post, world.owner, "c")
        client = api_as(world.outsider)
        assert_not_found(client.post(f"posts/{post.id}/reactions", {"kind": "like"}))
        assert_not_found(client.post(f"comments/{comment.id}/reactions", {"kind": "like"}))
        assert_not_found(client.delete(f"posts/{post.id}/reactions/like"))
        assert not Reaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_reactions_keep_one(world, make_post):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    post = make_post("open")
    users = [world.owner, world.moderator, world.outsider]
    clients = []
    for user in users:
        for _copy in range(4):
            client = Client()
            client.force_login(user)
            clients.append(client)
    barrier = threading.Barrier(len(clients))
    statuses = []

    def react(client):
        try:
            barrier.wait()
            response = client.post(f"/api/v1/posts/{post.id}/reactions", '{"kind": "like"}',
                                   content_type="application/json")
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=react, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(clients)
    assert Reaction.objects.filter(post=post).count() == len(users)
    assert sorted(Reaction.objects.values_list("user_id", flat=True)) == sorted(u.id for u in users)

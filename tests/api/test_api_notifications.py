"""In-app notifications: the list, the unread count, marking read."""

from __future__ import annotations

import pytest
from api_helpers import assert_error, walk

from essaim.communities import actions as communities
from essaim.notifications.models import Notification
from essaim.stream import actions as stream


def unread(client) -> int:
    return client.get("notifications/unread_count").json_body["count"]


def test_list_describes_each_notification(world, api_as, make_post):
    post = make_post("open", "Hello")
    comment = stream.do_create_comment(post, world.owner, "Hi @member")
    items = api_as(world.member).get("notifications").json_body["items"]
    newest = items[0]
    assert newest["kind"] in {"comment", "mention"}
    by_kind = {n["kind"]: n for n in items}
    assert by_kind["comment"] == {
        "id": by_kind["comment"]["id"], "kind": "comment",
        "actor": {"id": str(world.owner.id), "handle": "owner", "display_name": "Owner",
                  "avatar_url": f"/people/{world.owner.id}/avatar.svg"},
        "post_id": str(post.id), "comment_id": str(comment.id), "community": None,
        "text": "Owner commented on your post", "created_at": by_kind["comment"]["created_at"], "read": False,
    }
    invitation = by_kind["invitation"]  # the world fixture added member to the communities
    assert invitation["community"]["id"] in {str(c.id) for c in (world.open, world.private, world.secret)}
    assert invitation["text"].startswith("Owner added you to ")


def test_join_request_and_approval_texts(world, api_as):
    texts = [n["text"] for n in api_as(world.owner).get("notifications").json_body["items"]]
    assert "Requester asked to join Private Club" in texts
    request = world.private.join_requests.get(user=world.requester)
    communities.do_decide_request(request, approve=True, acting_user=world.owner)
    first = api_as(world.requester).get("notifications").json_body["items"][0]
    assert first["kind"] == "request_approved"
    assert first["text"] == "Owner approved your request to join Private Club"


def test_mark_some_read(world, api_as, make_post):
    post = make_post("open")
    for i in range(3):
        stream.do_create_comment(post, world.owner, f"c{i}")
    client = api_as(world.member)
    total = unread(client)
    ids = [n["id"] for n in client.get("notifications", unread="true").json_body["items"][:2]]
    response = client.post("notifications/read", {"ids": ids})
    assert response.status_code == 200 and response.json_body == {"marked": 2}
    assert client.post("notifications/read", {"ids": ids}).json_body == {"marked": 0}  # already read
    assert unread(client) == total - 2
    listed = client.get("notifications", unread="true").json_body["items"]
    assert not {n["id"] for n in listed} & set(ids)
    assert all(n["read"] is False for n in listed)
    assert {n["id"]: n["read"] for n in client.get("notifications").json_body["items"]}[ids[0]] is True


def test_mark_all_read(world, api_as):
    client = api_as(world.member)
    count = unread(client)
    assert count > 0
    assert client.post("notifications/read", {"all": True}).json_body == {"marked": count}
    assert unread(client) == 0


def test_cannot_mark_someone_elses_notifications(world, api_as):
    others = [str(n.id) for n in Notification.objects.filter(recipient=world.owner)]
    assert api_as(world.member).post("notifications/read", {"ids": others}).json_body == {"marked": 0}
    assert unread(api_as(world.owner)) == len(others)


@pytest.mark.parametrize("payload", [{}, {"all": False}, {"ids": "1,2"}, {"ids": ["one"]}, {"ids": [1.5]},
                                     {"ids": [True]}, {"all": "yes"}, {"ids": [], "everything": True},
                                     {"ids": list(range(1, 1002))}])
def test_bad_mark_read_requests(world, api_as, payload):
    client = api_as(world.member)
    before = unread(client)
    assert_error(client.post("notifications/read", payload), 422)
    assert unread(client) == before


def test_notifications_about_what_i_can_no_longer_see_disappear(world, api_as, make_post):
    post = make_post("private", "Hello", author=world.owner)
    stream.do_create_comment(post, world.member, "Hi @owner")
    client = api_as(world.owner)
    assert any(n["post_id"] == str(post.id) for n in client.get("notifications").json_body["items"])
    stream.do_delete_post(post, acting_user=world.owner)
    assert not any(n["post_id"] == str(post.id) for n in client.get("notifications").json_body["items"])


def test_notifications_page(world, api_as, make_post):
    post = make_post("open")
    for i in range(14):
        stream.do_create_comment(post, world.owner, f"c{i}")
    client = api_as(world.member)
    everything = walk(client, "notifications", limit=4)
    assert len(everything) == Notification.objects.filter(recipient=world.member).count()
    assert_error(client.get("notifications", limit=0), 422)
    assert_error(client.get("notifications", cursor="zz"), 422, "invalid_cursor")
    assert_error(client.get("notifications", unread="maybe"), 422)

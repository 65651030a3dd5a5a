"""API: GET/PUT /me/notification-settings, PUT /communities/{id}/notification-level,
POST/DELETE /posts/{id}/mute. Clear errors; a refused request saves nothing."""

from __future__ import annotations

import pytest

from essaim.notifications import queries
from essaim.notifications.models import CommunityNotificationLevel, KindChannel, NotificationSettings, ThreadMute
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db

DEFAULTS = {"channels": {"mention": "email", "comment": "digest", "reply": "digest", "reaction": "digest",
                         "join_request": "digest", "invitation": "digest", "request_approved": "digest",
                         "message": "email", "community_post": "digest", "answer": "digest",
                         "answer_accepted": "digest", "question_routed": "email"},
            "email_delay_minutes": 10, "digest": "daily"}


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json_body["error"]["code"] == code, response.json_body
    assert response.json_body["error"]["message"]


def test_get_gives_the_defaults_and_put_changes_only_what_is_sent(world, api_as):
    client = api_as(world.member)
    assert client.get("me/notification-settings").json_body == DEFAULTS
    response = client.call("put", "me/notification-settings", {"channels": {"reaction": "off", "mention": "app"},
                                                               "email_delay_minutes": 0})
    assert response.status_code == 200
    expected = {**DEFAULTS, "channels": {**DEFAULTS["channels"], "reaction": "off", "mention": "app"},
                "email_delay_minutes": 0}
    assert response.json_body == expected
    assert client.call("put", "me/notification-settings", {"digest": "weekly"}).json_body == {**expected,
                                                                                             "digest": "weekly"}
    assert client.get("me/notification-settings").json_body == {**expected, "digest": "weekly"}
    assert api_as(world.owner).get("me/notification-settings").json_body == DEFAULTS


@pytest.mark.parametrize("payload, code", [
    ({"channels": {"mentions": "email"}}, "unknown_kind"),
    ({"channels": {"mention": "sms"}}, "invalid_channel"),
    ({"channels": {"mention": None}}, "invalid_channel"),
    ({"channels": ["mention"]}, "invalid"),
    ({"email_delay_minutes": -1}, "invalid_delay"),
    ({"email_delay_minutes": 1441}, "invalid_delay"),
    ({"email_delay_minutes": "10"}, "invalid_delay"),
    ({"email_delay_minutes": True}, "invalid_delay"),
    ({"email_delay_minutes": 2.5}, "invalid_delay"),
    ({"digest": "hourly"}, "invalid_digest"),
    ({"digest": 1}, "invalid_digest"),
    ({"sound": "on"}, "invalid"),
])
def test_bad_settings_are_refused_whole(world, api_as, payload, code):
    client = api_as(world.member)
    # Valid fields next to the bad one: nothing at all is saved.
    body = {"channels": {"reaction": "off"}, "email_delay_minutes": 30, "digest": "never", **payload}
    assert_error(client.call("put", "me/notification-settings", body), 422, code)
    assert client.get("me/notification-settings").json_body == DEFAULTS
    assert KindChannel.objects.count() == NotificationSettings.objects.count() == 0


def test_unknown_kinds_are_named_in_the_error(world, api_as):
    response = api_as(world.member).call("put", "me/notification-settings", {"channels": {"likes": "off",
                                                                                          "mention": "off"}})
    assert_error(response, 422, "unknown_kind")
    assert response.json_body["error"]["details"]["kinds"] == ["likes"]
    assert "mention" in response.json_body["error"]["details"]["allowed"]


def test_anonymous_and_read_only_tokens(world, api_as):
    assert_error(api_as(None).get("me/notification-settings"), 401, "unauthenticated")
    from essaim.accounts import actions as accounts

    _token, raw = accounts.do_create_token(world.member, scopes=["read"], acting_user=world.member)
    reader = api_as(token=raw)
    assert reader.get("me/notification-settings").status_code == 200
    assert_error(reader.call("put", "me/notification-settings", {"digest": "never"}), 403, "insufficient_scope")


def test_community_level_for_members_of_visible_communities(world, api_as):
    client = api_as(world.member)
    response = client.call("put", f"communities/{world.open.id}/notification-level", {"level": "all"})
    assert response.status_code == 200 and response.json_body == {"community_id": str(world.open.id), "level": "all"}
    assert queries.community_level(world.member, world.open) == "all"
    client.call("put", f"communities/{world.open.id}/notification-level", {"level": "mentions"})
    assert CommunityNotificationLevel.objects.count() == 0  # the default is no row
    assert_error(client.call("put", f"communities/{world.open.id}/notification-level", {"level": "loud"}),
                 422, "invalid_level")
    assert_error(client.call("put", f"communities/{world.open.id}/notification-level", {}), 422, "invalid")
    outsider = api_as(world.outsider)
    assert_error(outsider.call("put", f"communities/{world.open.id}/notification-level", {"level": "all"}),
                 403, "not_member")
    secret = outsider.call("put", f"communities/{world.secret.id}/notification-level", {"level": "all"})
    missing = outsider.call("put", "communities/999999/notification-level", {"level": "all"})
    assert_error(secret, 404, "not_found")
    assert secret.json_body == missing.json_body
    other_network = api_as(world.stranger, host="globex.test").call("put", f"communities/{world.open.id}/notification-level",
                                                {"level": "all"})
    assert_error(other_network, 404, "not_found")
    assert CommunityNotificationLevel.objects.count() == 0


def test_mute_and_unmute_readable_posts_only(world, api_as):
    post = stream.do_create_post(world.owner, "Private thread", community=world.private)
    member = api_as(world.member)
    assert member.post(f"posts/{post.id}/mute").json_body == {"post_id": str(post.id), "muted": True}
    assert member.post(f"posts/{post.id}/mute").status_code == 200  # twice: still one
    assert ThreadMute.objects.filter(user=world.member, post=post).count() == 1
    assert member.delete(f"posts/{post.id}/mute").json_body == {"post_id": str(post.id), "muted": False}
    assert not ThreadMute.objects.exists()
    outsider = api_as(world.outsider)
    hidden = outsider.post(f"posts/{post.id}/mute")
    missing = outsider.post("posts/999999/mute")
    assert_error(hidden, 404, "not_found")
    assert hidden.json_body == missing.json_body
    assert_error(outsider.delete(f"posts/{post.id}/mute"), 404, "not_found")
    assert_error(member.post("posts/abc/mute"), 404, "not_found")
    assert not ThreadMute.objects.exists()


def test_the_new_endpoints_are_in_the_openapi_description(world, api_as):
    paths = api_as(world.member).get("openapi.json").json_body["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/me/notification-settings"])
    assert "put" in paths["/api/v1/communities/{community_id}/notification-level"]
    assert {"post", "delete"} <= set(paths["/api/v1/posts/{post_id}/mute"])

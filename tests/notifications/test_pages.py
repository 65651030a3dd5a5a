"""Pages: the settings tab (kinds × channels, delay, digest, communities and their levels), the
level selector on a community page, Mute/Unmute on a post page. Everything works without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from essaim.notifications import actions, queries
from essaim.notifications.models import KindChannel, NotificationSettings, ThreadMute
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def checked(body: str, name: str) -> str | None:
    match = re.search(rf'<input type="radio" name="{re.escape(name)}" value="(\w+)"[^>]* checked>', body)
    return match.group(1) if match else None


def form(**changes) -> dict:
    data = {f"channel-{k}": v for k, v in queries.preferences_for([0])[0].channels.items()}
    data.update({"email_delay": "10", "digest": "daily"})
    data.update(changes)
    return data


def test_the_settings_page_shows_the_current_choices(world):
    actions.do_update_notification_settings(world.member, channels={"reaction": "off"}, digest="weekly",
                                            email_delay_minutes=30, acting_user=world.member)
    actions.do_set_community_level(world.member, world.private, "all", acting_user=world.member)
    response = signed_in(world.member).get("/settings/notifications/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="/settings/notifications/" aria-current="page"' in body  # its tab
    assert checked(body, "channel-mention") == "email" and checked(body, "channel-reaction") == "off"
    assert checked(body, "channel-comment") == "digest" and checked(body, "digest") == "weekly"
    assert '<option value="30" selected>After 30 minutes</option>' in body
    for community in (world.open, world.private, world.secret):
        assert f'name="level-{community.id}"' in body
    assert re.search(rf'name="level-{world.private.id}">\s*<option value="all" selected>', body)
    assert "<script>" not in body


def test_the_tab_is_next_to_the_other_settings(world):
    body = signed_in(world.member).get("/settings/profile/").content.decode()
    assert 'href="/settings/notifications/"' in body


def test_saving_the_form(world):
    client = signed_in(world.member)
    response = client.post("/settings/notifications/", form(**{
        "channel-mention": "app", "channel-community_post": "email", "email_delay": "0", "digest": "never",
        f"level-{world.open.id}": "nothing", f"level-{world.private.id}": "mentions"}))
    assert response.status_code == 302 and response["Location"] == "/settings/notifications/"
    prefs = queries.preferences_of(world.member)
    assert prefs.channels["mention"] == "app" and prefs.channels["community_post"] == "email"
    assert (prefs.email_delay_minutes, prefs.digest) == (0, "never")
    assert queries.community_level(world.member, world.open) == "nothing"
    assert "Your notification settings are saved." in client.get("/settings/notifications/").content.decode()


@pytest.mark.parametrize("changes", [{"channel-mention": "pigeon"}, {"email_delay": "soon"}, {"email_delay": "9999"},
                                     {"digest": "hourly"}, {"level-{open}": "loud"}])
def test_a_bad_value_changes_nothing_and_says_why(world, changes):
    changes = {k.format(open=world.open.id): v for k, v in changes.items()}
    response = signed_in(world.member).post("/settings/notifications/", form(**{"channel-reaction": "off",
                                                                               **changes}))
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert KindChannel.objects.count() == NotificationSettings.objects.count() == 0
    assert queries.community_level(world.member, world.open) == "mentions"


def test_levels_of_communities_one_is_not_in_are_ignored(world):
    signed_in(world.outsider).post("/settings/notifications/", form(**{f"level-{world.secret.id}": "all"}))
    assert queries.community_level(world.outsider, world.secret) == "mentions"


def test_the_community_page_has_a_level_selector_for_members(world):
    client = signed_in(world.member)
    body = client.get(f"/communities/{world.open.id}/").content.decode()
    action = f"/communities/{world.open.id}/notification-level/"
    assert f'action="{action}"' in body and '<option value="mentions" selected>' in body
    response = client.post(action, {"level": "all", "next": f"/communities/{world.open.id}/"})
    assert response.status_code == 302 and response["Location"] == f"/communities/{world.open.id}/"
    assert queries.community_level(world.member, world.open) == "all"
    assert '<option value="all" selected>' in client.get(f"/communities/{world.open.id}/").content.decode()
    outsider = signed_in(world.outsider)
    assert action not in outsider.get(f"/communities/{world.open.id}/").content.decode()
    assert outsider.post(action, {"level": "all"}).status_code == 403
    assert outsider.post(f"/communities/{world.secret.id}/notification-level/", {"level": "all"}).status_code == 404
    assert client.post(action, {"level": "loud"}).status_code == 422
    assert queries.community_level(world.member, world.open) == "all"


def test_mute_and_unmute_on_the_post_page(world):
    post = stream.do_create_post(world.owner, "A thread", community=world.open)
    client = signed_in(world.member)
    body = client.get(f"/posts/{post.id}/").content.decode()
    assert f'action="/posts/{post.id}/mute/"' in body and "Mute this thread" in body
    assert client.post(f"/posts/{post.id}/mute/", {"muted": "1"}).status_code == 302
    assert ThreadMute.objects.filter(user=world.member, post=post).exists()
    body = client.get(f"/posts/{post.id}/").content.decode()
    assert "Unmute this thread" in body and 'name="muted" value="0"' in body
    client.post(f"/posts/{post.id}/mute/", {"muted": "0"})
    assert not ThreadMute.objects.exists()
    private = stream.do_create_post(world.owner, "Members only", community=world.private)
    assert signed_in(world.outsider).post(f"/posts/{private.id}/mute/", {"muted": "1"}).status_code == 404
    assert Client().post(f"/posts/{post.id}/mute/").status_code == 302  # to sign in
    assert not ThreadMute.objects.exists()


def test_the_settings_page_needs_sign_in(world):
    response = Client().get("/settings/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")

"""The notifications page: one sentence per kind, links to the object, unread highlighted,
the unread count in the header, and marking read without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from essaim.communities import actions as communities
from essaim.notifications.models import Notification
from essaim.stream import actions

pytestmark = pytest.mark.django_db


def page(user, path="/notifications/"):
    client = Client()
    client.force_login(user)
    return client, client.get(path)


def badge(body: str) -> str | None:
    match = re.search(r'<span class="badge" data-unread-count>(\d+)', body)
    return match.group(1) if match else None


def test_anonymous_visitors_are_sent_to_sign_in(world):
    response = Client().get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Client().post("/notifications/read/").status_code == 302


def test_mention_shows_a_sentence_a_link_and_the_unread_badge(world):
    post = actions.do_create_post(world.owner, "Hello @member, see the plan", community=world.private)
    _client, response = page(world.member)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Owner mentioned you in a post" in body
    n = Notification.objects.get(recipient=world.member, post=post)
    assert f'href="/notifications/{n.id}/"' in body
    assert 'class="notification unread"' in body
    unread = Notification.objects.filter(recipient=world.member, read_at__isnull=True).count()
    assert badge(body) == str(unread) and unread >= 1
    assert "(unread)" in body
    assert "<script>" not in body


def test_every_kind_has_its_sentence(world):
    post = actions.do_create_post(world.member, "My post", community=world.open)
    comment = actions.do_create_comment(post, world.owner, "A comment")
    actions.do_create_comment(post, world.moderator, "A reply", parent=
                              actions.do_create_comment(post, world.member, "Mine"))
    actions.do_add_reaction(world.outsider, "like", post=post)
    actions.do_create_comment(post, world.owner, "Hey @outsider look", parent=comment)
    _client, response = page(world.member)
    body = response.content.decode()
    assert "Owner commented on your post" in body
    assert "Moderator replied to your comment" in body
    assert "Outsider reacted to your post" in body
    reply = Notification.objects.get(recipient=world.member, kind="reply")
    client, _response = page(world.member)
    followed = client.get(f"/notifications/{reply.id}/")
    assert followed.status_code == 302 and followed["Location"] == f"/posts/{post.id}/#comment-{reply.comment_id}"
    _client, response = page(world.outsider)
    assert "Owner mentioned you in a comment" in response.content.decode()
    # invitations (the world fixture added the member to each community)
    assert "Owner added you to Open Club" in body
    # join requests reach the owners and moderators
    _client, response = page(world.owner)
    assert "Requester asked to join Private Club" in response.content.decode()
    request_note = Notification.objects.get(recipient=world.owner, kind="join_request")
    assert f'href="/notifications/{request_note.id}/"' in response.content.decode()


def test_request_approved_sentence(world):
    from essaim.communities.models import JoinRequest

    request = JoinRequest.objects.get(user=world.requester, community=world.private)
    communities.do_decide_request(request, approve=True, acting_user=world.owner)
    _client, response = page(world.requester)
    assert "Owner approved your request to join Private Club" in response.content.decode()


def test_mark_all_as_read(world):
    actions.do_create_post(world.owner, "Hi @member", community=world.open)
    client, response = page(world.member)
    assert "Mark all as read" in response.content.decode()
    response = client.post("/notifications/read/", {"all": "1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert not Notification.objects.filter(recipient=world.member, read_at__isnull=True).exists()
    body = client.get("/notifications/").content.decode()
    assert "notifications marked as read" in body or "notification marked as read" in body
    assert badge(body) is None
    assert 'class="notification unread"' not in body
    assert "Mark all as read" not in body


def test_mark_one_as_read(world):
    actions.do_create_post(world.owner, "Hi @member", community=world.open)
    actions.do_create_post(world.owner, "Again @member", community=world.open)
    client, _response = page(world.member)
    first = Notification.objects.filter(recipient=world.member, kind="mention").first()
    before = Notification.objects.filter(recipient=world.member, read_at__isnull=True).count()
    response = client.post("/notifications/read/", {"id": first.id, "next": "/notifications/"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(recipient=world.member, read_at__isnull=True).count() == before - 1


def test_nobody_marks_someone_elses_notifications(world):
    actions.do_create_post(world.owner, "Hi @member", community=world.open)
    theirs = Notification.objects.get(recipient=world.member, kind="mention")
    client, _response = page(world.outsider)
    for data in ({"id": theirs.id}, {"id": "abc"}, {"id": "99999999999999999999"}, {"id": "-1"}, {"id": "١٢"}):
        response = client.post("/notifications/read/", data)
        assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Hi @member" not in client.get("/notifications/").content.decode()


def test_notifications_about_posts_i_can_no_longer_see_disappear(world):
    actions.do_create_post(world.owner, "Secret plan for @member", community=world.secret)
    _client, response = page(world.member)
    assert "mentioned you in a post" in response.content.decode()
    communities.do_remove_member(world.secret, world.member, acting_user=world.owner)
    _client, response = page(world.member)
    body = response.content.decode()
    assert "mentioned you in a post" not in body
    assert "Secret plan" not in body and "Secret Club" not in body


def test_an_unsafe_next_is_ignored(world):
    client, _response = page(world.member)
    response = client.post("/notifications/read/", {"all": "1", "next": "//evil.example/"})
    assert response["Location"] == "/notifications/"


def test_only_post_is_accepted_for_marking(world):
    client, _response = page(world.member)
    assert client.get("/notifications/read/").status_code == 405


def test_long_lists_are_paginated(world):
    post = actions.do_create_post(world.member, "Popular", community=world.open)
    people = []
    from essaim.accounts import actions as accounts
    for i in range(22):
        people.append(accounts.do_create_user(world.network, email=f"fan{i}@acme.test", display_name=f"Fan {i}",
                                              password="correct horse battery staple", handle=f"fan{i}"))
    for person in people:
        actions.do_add_reaction(person, "like", post=post)
    client, response = page(world.member)
    body = response.content.decode()
    assert body.count('<li class="notification') == 20
    link = re.search(r'rel="next" href="([^"]+)"', body).group(1).replace("&amp;", "&")
    assert "Older notifications" in body
    rest = client.get(link).content.decode()
    assert rest.count('<li class="notification') == Notification.objects.filter(recipient=world.member).count() - 20


def test_empty_state(world):
    _client, response = page(world.outsider)
    assert 'class="empty"' in response.content.decode()
    assert "Mark all as read" not in response.content.decode()


def test_following_a_notification_marks_it_read_and_leads_to_its_object(world):
    post = actions.do_create_post(world.owner, "Hello @member", community=world.private)
    n = Notification.objects.get(recipient=world.member, post=post)
    client, _response = page(world.member)
    response = client.get(f"/notifications/{n.id}/")
    assert response.status_code == 302 and response["Location"] == f"/posts/{post.id}/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_nobody_follows_someone_elses_notification(world):
    post = actions.do_create_post(world.owner, "Hello @member", community=world.open)
    n = Notification.objects.get(recipient=world.member, post=post)
    client, _response = page(world.outsider)
    response = client.get(f"/notifications/{n.id}/")
    assert response.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_a_notification_about_a_post_i_can_no_longer_see_cannot_be_followed(world):
    post = actions.do_create_post(world.owner, "Secret plan @member", community=world.secret)
    n = Notification.objects.get(recipient=world.member, post=post)
    communities.do_remove_member(world.secret, world.member, acting_user=world.owner)
    client, _response = page(world.member)
    assert client.get(f"/notifications/{n.id}/").status_code == 404

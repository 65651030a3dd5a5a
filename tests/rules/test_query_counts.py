"""A feed page costs the same number of queries for 1 post as for 50 (no N+1), with every post
carrying reactions, topics, mentions and comments. The same for a thread and for notifications."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from essaim.accounts import actions as accounts
from essaim.notifications.queries import notifications_for, unread_count
from essaim.stream import actions as stream
from essaim.stream import queries
from essaim.stream.models import Topic


def count_queries(call) -> tuple[int, object]:
    call()  # warm: anything cached per process or per user object is loaded once, as in a request
    with CaptureQueriesContext(connection) as ctx:
        result = call()
    return len(ctx.captured_queries), result


def rich_post(world, author, i, **where):
    """A post with two topics, two mentions, reactions of two kinds and a comment with a reply."""
    post = stream.do_create_post(author, f"Post {i} for @owner and @moderator about #Alpha and #beta", **where)
    stream.do_add_reaction(world.owner, "like", post=post)
    stream.do_add_reaction(world.moderator, "celebrate", post=post)
    stream.do_add_reaction(world.member, "like", post=post)
    comment = stream.do_create_comment(post, world.owner, "A comment")
    stream.do_create_comment(post, world.member, "A reply", parent=comment)
    return post


FEEDS = {
    "home": lambda w: (w.member, lambda: queries.home_feed(w.member, limit=100)),
    "community": lambda w: (w.outsider, lambda: queries.community_feed(w.outsider, w.open, limit=100)),
    "private community": lambda w: (w.moderator, lambda: queries.community_feed(w.moderator, w.private,
                                                                                limit=100)),
    "profile": lambda w: (w.outsider, lambda: queries.profile_feed(w.outsider, w.member, limit=100)),
    "topic": lambda w: (w.member, lambda: queries.topic_feed(w.member, Topic.objects.get(name="alpha"),
                                                             limit=100)),
    "all company": lambda w: (w.outsider, lambda: queries.all_company_feed(w.outsider, limit=100)),
}
PLACES = {"home": "open", "community": "open", "private community": "private", "profile": "profile",
          "topic": "mixed", "all company": "company"}


def add_posts(world, place, start, n):
    for i in range(start, start + n):
        p = place if place != "mixed" else ("open", "private", "company", "profile")[i % 4]
        where = {"open": {"community": world.open}, "private": {"community": world.private}, "company": {},
                 "profile": {"profile_user": world.outsider}}[p]
        rich_post(world, world.member, i, **where)


@pytest.mark.parametrize("feed", list(FEEDS))
def test_a_feed_costs_the_same_for_1_and_50_posts(world, feed):
    # Something to follow, so the home feed's every branch has data behind it.
    accounts.do_follow_user(world.member, world.owner)
    stream.do_follow_topic(world.member, "beta")
    viewer, call = FEEDS[feed](world)
    add_posts(world, PLACES[feed], 0, 1)
    one, page = count_queries(call)
    assert len(page.items) == 1
    add_posts(world, PLACES[feed], 1, 49)
    fifty, page = count_queries(call)
    assert len(page.items) == 50
    post = page.items[0]
    assert post.reaction_counts == {"like": 2, "celebrate": 1}
    assert post.topic_names == ["alpha", "beta"]
    assert {u.handle for u in post.mentioned_users} == {"owner", "moderator"}
    assert post.comment_count == 2
    assert one == fifty, f"{feed}: {one} queries for 1 post, {fifty} for 50"
    assert fifty <= 6, f"{feed}: {fifty} queries"


def test_a_thread_costs_the_same_for_1_and_50_comments(world):
    post = stream.do_create_post(world.owner, "Discuss", community=world.open)

    def add(start, n):
        for i in range(start, start + n):
            top = stream.do_create_comment(post, world.member, f"Comment {i} @owner")
            stream.do_create_comment(post, world.moderator, "Reply", parent=top)
            stream.do_add_reaction(world.owner, "like", comment=top)

    call = lambda: queries.comments_for(world.outsider, post, limit=100)  # noqa: E731
    add(0, 1)
    one, page = count_queries(call)
    assert len(page.items) == 1
    add(1, 49)
    fifty, page = count_queries(call)
    assert len(page.items) == 50 and len(page.items[0].visible_replies) == 1
    assert page.items[0].reaction_counts == {"like": 1}
    assert one == fifty, f"{one} queries for 1 comment, {fifty} for 50"


def test_the_notification_list_costs_the_same_for_1_and_50(world):
    def add(start, n):
        for i in range(start, start + n):
            post = stream.do_create_post(world.owner, f"Hey @member {i}", community=world.private)
            stream.do_create_comment(post, world.moderator, "@member see this")

    def call():
        page = notifications_for(world.member, limit=100)
        # What a list shows of each: who, about which post or comment, in which community.
        for n in page.items:
            _ = (n.actor.display_name, n.post and n.post.body, n.comment and n.comment.body,
                 n.community and n.community.name)
        return page

    add(0, 1)
    one, first = count_queries(call)
    add(1, 49)
    fifty, page = count_queries(call)
    assert len(page.items) == min(len(first.items) + 49 * 2, 100) and len(page.items) > 50
    assert one == fifty, f"{one} queries for a few notifications, {fifty} for many"
    with CaptureQueriesContext(connection) as ctx:
        assert unread_count(world.member) > 50
    assert len(ctx.captured_queries) == 1


# --- the same through the API and the pages ------------------------------------------------------

HTTP_FEEDS = {
    # name: (viewer, place of the posts, API path, page path)
    "home": ("member", "open", "/api/v1/feed", "/"),
    "community": ("outsider", "open", "/api/v1/communities/{open}/feed", "/communities/{open}/"),
    "private community": ("moderator", "private", "/api/v1/communities/{private}/feed", "/communities/{private}/"),
    "profile": ("outsider", "profile", "/api/v1/users/{member}/feed", "/people/{member}/"),
    "topic": ("member", "mixed", "/api/v1/topics/alpha/feed", "/topics/alpha/"),
    "all company": ("outsider", "company", "/api/v1/feed/all", "/all/"),
}


def http_count(client, url) -> tuple[int, object]:
    client.get(url)  # warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("surface", ["api", "page"])
@pytest.mark.parametrize("feed", list(HTTP_FEEDS))
def test_a_feed_over_http_costs_the_same_for_1_and_50_posts(world, client, feed, surface):
    accounts.do_follow_user(world.member, world.owner)
    stream.do_follow_topic(world.member, "beta")
    role, place, api_path, page_path = HTTP_FEEDS[feed]
    ids = {"open": world.open.id, "private": world.private.id, "member": world.member.id}
    url = (api_path + "?limit=100" if surface == "api" else page_path).format(**ids)
    client.force_login(getattr(world, role))
    add_posts(world, place, 0, 1)
    one, response = http_count(client, url)
    if surface == "api":
        assert len(response.json()["items"]) == 1
    add_posts(world, place, 1, 49)
    fifty, response = http_count(client, url)
    if surface == "api":
        items = response.json()["items"]
        assert len(items) == 50 and items[0]["reactions"] == {"like": 2, "celebrate": 1}
        assert items[0]["topics"] == ["alpha", "beta"] and len(items[0]["mentions"]) == 2
    else:
        assert response.content.decode().count("Post 49 for") == 1  # the newest is on the first page
    assert one == fifty, f"{feed} ({surface}): {one} queries for 1 post, {fifty} for 50"


@pytest.mark.parametrize("surface", ["api", "page"])
def test_a_thread_over_http_costs_the_same_for_1_and_50_comments(world, client, surface):
    post = stream.do_create_post(world.owner, "Discuss", community=world.open)
    url = f"/api/v1/posts/{post.id}/comments?limit=100" if surface == "api" else f"/posts/{post.id}/"
    client.force_login(world.outsider)

    def add(start, n):
        for i in range(start, start + n):
            top = stream.do_create_comment(post, world.member, f"Comment {i} @owner")
            stream.do_create_comment(post, world.moderator, "Reply", parent=top)
            stream.do_add_reaction(world.owner, "like", comment=top)

    add(0, 1)
    one, _response = http_count(client, url)
    add(1, 49)
    fifty, _response = http_count(client, url)
    assert one == fifty, f"{surface}: {one} queries for 1 comment, {fifty} for 50"


@pytest.mark.parametrize("surface", ["api", "page"])
def test_the_notification_list_over_http_costs_the_same_for_few_and_many(world, client, surface):
    url = "/api/v1/notifications?limit=100" if surface == "api" else "/notifications/"
    client.force_login(world.member)

    def add(start, n):
        for i in range(start, start + n):
            post = stream.do_create_post(world.owner, f"Hey @member {i}", community=world.private)
            stream.do_create_comment(post, world.moderator, "@member see this")

    add(0, 1)
    one, _response = http_count(client, url)
    add(1, 49)
    fifty, _response = http_count(client, url)
    assert one == fifty, f"{surface}: {one} queries for a few notifications, {fifty} for many"


def test_a_home_feed_page_for_a_token_is_seven_queries(world, token_for):
    """The token (with its person and network), the page's ids, the posts, the reader's roles, then
    reactions, topics and mentions: the network is not read again."""
    add_posts(world, "open", 0, 3)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(world.member, 'read')}")
    assert client.get("/api/v1/feed").status_code == 200  # warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/feed")
    assert response.status_code == 200 and len(response.json()["items"]) == 3
    tables = [q["sql"].split(" FROM ")[1].split()[0].strip('"') for q in ctx.captured_queries]
    assert "core_network" not in tables and len(tables) == 7, tables

"""What the live page updates ask: how many posts of a feed are new (GET /feed/new_count) and the
header's counters (GET /me/counters); and what the pages give live.js to ask it."""

from __future__ import annotations

import re

import pytest
from api_helpers import NOT_FOUND, assert_error, assert_not_found, walk
from django.db import connection
from django.test.utils import CaptureQueriesContext

from essaim.stream import actions as stream
from essaim.stream import queries

PLACES = ["open", "private", "secret", "company", "profile"]


def new_count(client, feed: str, after) -> int:
    response = client.get("feed/new_count", feed=feed, after=str(after))
    assert response.status_code == 200, response.content[:500]
    assert set(response.json_body) == {"count"}
    return response.json_body["count"]


def feed_path(world, feed: str) -> str:
    """The feed's own API list, to compare with."""
    kind, _, arg = feed.partition(":")
    return {"home": "feed", "all": "feed/all", "community": f"communities/{arg}/feed",
            "profile": f"users/{arg}/feed", "topic": f"topics/{arg.replace('#', '%23')}/feed"}[kind]


@pytest.fixture
def posts_everywhere(world, post_in):
    """Posts about #budget in every place, by the member and by the owner; the first one comes before
    the reader's page was shown."""
    made = [post_in("open", "before the page #budget")]
    for place in PLACES:
        made.append(post_in(place, f"{place} by member #budget"))
        made.append(post_in(place, f"{place} by owner #budget", author=world.owner))
    return made


class TestNewCount:
    FEEDS = ["home", "all", "community:{open}", "community:{private}", "community:{secret}",
             "profile:{member}", "profile:{outsider}", "profile:{owner}", "topic:budget", "topic:#Budget"]

    @pytest.mark.parametrize("reader", ["member", "moderator", "outsider", "owner", "requester", "admin"])
    def test_the_count_is_what_the_feed_itself_shows_newer_than_the_post(self, world, api_as, posts_everywhere,
                                                                          reader):
        client = api_as(getattr(world, reader))
        ids = {"open": world.open.id, "private": world.private.id, "secret": world.secret.id,
               "member": world.member.id, "outsider": world.outsider.id, "owner": world.owner.id}
        after = posts_everywhere[0].id
        checked = 0
        for pattern in self.FEEDS:
            feed = pattern.format(**ids)
            listing = client.get(feed_path(world, feed))
            if listing.status_code == 404:  # a place this reader may not read: the same 404 here
                assert_not_found(client.get("feed/new_count", feed=feed, after=str(after)))
                continue
            shown = walk(client, feed_path(world, feed), limit=100)
            expected = len([p for p in shown if int(p["id"]) > after])
            assert new_count(client, feed, after) == expected, feed
            assert new_count(client, feed, 0) == len(shown), feed
            assert new_count(client, feed, posts_everywhere[-1].id) == 0, feed
            checked += 1
        assert checked >= 7

    def test_posts_people_cannot_see_are_never_counted(self, world, api_as, post_in):
        outsider = api_as(world.outsider)
        start = post_in("company", "the page shows this").id
        post_in("private", "secret plan #budget")
        post_in("secret", "more secret #budget")
        assert new_count(outsider, "home", start) == 0
        assert new_count(outsider, "all", start) == 0
        assert new_count(outsider, "topic:budget", start) == 0
        assert new_count(outsider, f"profile:{world.member.id}", start) == 0
        member = api_as(world.member)
        assert new_count(member, "home", start) == 2
        assert new_count(member, "topic:budget", start) == 2
        assert new_count(member, f"profile:{world.member.id}", start) == 2
        assert new_count(member, f"community:{world.private.id}", start) == 1

    def test_a_deleted_post_no_longer_counts(self, world, api_as, post_in):
        start = post_in("open", "shown").id
        post = post_in("open", "new")
        client = api_as(world.moderator)
        assert new_count(client, f"community:{world.open.id}", start) == 1
        stream.do_delete_post(post, acting_user=world.member)
        assert new_count(client, f"community:{world.open.id}", start) == 0

    @pytest.mark.parametrize("who,place", [("outsider", "private"), ("outsider", "secret"),
                                           ("requester", "private"), ("stranger", "open")])
    def test_places_the_reader_cannot_read_are_the_same_404(self, world, api_as, who, place):
        client = api_as(getattr(world, who), host="globex.test" if who == "stranger" else "testserver")
        community = world.community(place)
        response = client.get("feed/new_count", feed=f"community:{community.id}", after="0")
        assert_not_found(response)
        assert response.json_body == client.get(f"communities/{community.id}/feed").json_body == NOT_FOUND

    @pytest.mark.parametrize("feed", ["community:999999", "community:abc", "community:-1", "community:1.5",
                                      "profile:999999", "profile:x", "community:99999999999999999999"])
    def test_missing_places_are_404(self, world, api_as, feed):
        assert_not_found(api_as(world.member).get("feed/new_count", feed=feed, after="0"))

    def test_people_of_another_network_are_404(self, world, api_as):
        assert_not_found(api_as(world.member).get("feed/new_count", feed=f"profile:{world.stranger.id}", after="0"))
        stranger = api_as(world.stranger, host="globex.test")
        assert_not_found(stranger.get("feed/new_count", feed=f"profile:{world.member.id}", after="0"))
        assert new_count(stranger, f"profile:{world.stranger.id}", 0) == 0

    def test_an_unknown_topic_has_no_new_posts_like_its_feed(self, world, api_as, post_in):
        post_in("secret", "only in secret #hidden")
        client = api_as(world.outsider)
        # A topic only used where the reader cannot read looks like a topic nobody used.
        assert new_count(client, "topic:hidden", 0) == 0
        assert new_count(client, "topic:neverused", 0) == 0
        assert new_count(client, "topic:not a topic!", 0) == 0
        assert new_count(api_as(world.member), "topic:hidden", 0) == 1

    @pytest.mark.parametrize("params,code", [
        ({"after": "0"}, "invalid_feed"), ({"feed": "", "after": "0"}, "invalid_feed"),
        ({"feed": "mine", "after": "0"}, "invalid_feed"), ({"feed": "community", "after": "0"}, "invalid_feed"),
        ({"feed": "community:", "after": "0"}, "invalid_feed"), ({"feed": "home:1", "after": "0"}, "invalid_feed"),
        ({"feed": "topic:", "after": "0"}, "invalid_feed"), ({"feed": "people:1", "after": "0"}, "invalid_feed"),
        ({"feed": "topic:" + "a" * 300, "after": "0"}, "invalid_feed"),
        ({"feed": "home"}, "invalid_after"), ({"feed": "home", "after": ""}, "invalid_after"),
        ({"feed": "home", "after": "-1"}, "invalid_after"), ({"feed": "home", "after": "1.5"}, "invalid_after"),
        ({"feed": "home", "after": "abc"}, "invalid_after"), ({"feed": "home", "after": "٣"}, "invalid_after"),
        ({"feed": "home", "after": "9" * 19}, "invalid_after"), ({"feed": "home", "after": "1" * 40}, "invalid_after"),
    ])
    def test_bad_parameters_are_400(self, world, api_as, params, code):
        assert_error(api_as(world.member).get("feed/new_count", **params), 400, code)

    def test_anonymous_is_401(self, world, api_as):
        assert_error(api_as(None).get("feed/new_count", feed="home", after="0"), 401, "unauthenticated")

    def test_a_read_token_may_ask(self, world, api_as, token_for, post_in):
        post_in("company", "hello")
        assert new_count(api_as(token=token_for(world.member, "read")), "all", 0) == 1

    def test_the_count_stops_at_99(self, world, api_as, post_in, monkeypatch):
        assert queries.NEW_POSTS_CAP == 99
        monkeypatch.setattr(queries, "NEW_POSTS_CAP", 3)
        for i in range(5):
            post_in("company", f"post {i}")
        assert new_count(api_as(world.member), "all", 0) == 3

    @pytest.mark.parametrize("feed", ["home", "all", "community:{open}", "profile:{owner}", "topic:budget"])
    def test_one_query_whatever_the_number_of_posts(self, world, api_as, post_in, feed):
        feed = feed.format(open=world.open.id, owner=world.owner.id)
        client = api_as(world.member)
        post_in("open", "first #budget", author=world.owner)
        client.get("feed/new_count", feed=feed, after="0")  # warm the session
        with CaptureQueriesContext(connection) as few:
            assert new_count(client, feed, 0) == (1 if feed != "all" else 0)
        for i in range(25):
            post_in(["open", "company", "private"][i % 3], f"more #budget {i}", author=world.owner)
        with CaptureQueriesContext(connection) as many:
            assert new_count(client, feed, 0) > 1
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
        counting = [q for q in many.captured_queries if "stream_post" in q["sql"]]
        assert len(counting) == 1, counting
        assert len(many) <= 4, [q["sql"] for q in many.captured_queries]  # session, user, place, count


class TestCounters:
    def test_unread_notifications_and_conversations(self, world, api_as):
        client = api_as(world.member)
        client.post("notifications/read", {"all": True})  # being added to the communities
        assert client.get("me/counters").json_body == {"notifications": 0, "messages": 0}
        stream.do_create_post(world.owner, "Hello @member", community=world.open)
        assert client.get("me/counters").json_body == {"notifications": 1, "messages": 0}
        assert client.get("me/counters").json_body["notifications"] == client.get(
            "notifications/unread_count").json_body["count"]
        client.post("notifications/read", {"all": True})
        assert client.get("me/counters").json_body == {"notifications": 0, "messages": 0}

    def test_unread_conversations(self, world, api_as):
        messaging = pytest.importorskip("essaim.messaging.actions")
        conversation = messaging.do_start_conversation(world.owner, [world.member.id])
        messaging.do_send_message(conversation, "Un mot", acting_user=world.owner)
        counts = api_as(world.member).get("me/counters").json_body
        assert counts["messages"] == 1
        assert api_as(world.owner).get("me/counters").json_body["messages"] == 0

    def test_anonymous_is_401(self, world, api_as):
        assert_error(api_as(None).get("me/counters"), 401, "unauthenticated")

    def test_few_queries(self, world, api_as):
        client = api_as(world.member)
        client.get("me/counters")
        with CaptureQueriesContext(connection) as queries_made:
            assert client.get("me/counters").status_code == 200
        assert len(queries_made) <= 4, [q["sql"] for q in queries_made.captured_queries]


class TestPagesGiveLiveJsWhatItNeeds:
    """The feeds carry their name and newest post id; the post page its id; base.html loads live.js
    for signed-in people only."""

    def attrs(self, html: str) -> dict:
        match = re.search(r'<div class="new-posts" data-new-posts data-feed="([^"]*)"\s+data-after="(\d+)"', html)
        assert match, html[:3000]
        return {"feed": match.group(1), "after": int(match.group(2))}

    def page(self, client, path: str) -> str:
        response = client.get(path)
        assert response.status_code == 200, path
        return response.content.decode()

    def test_every_feed_page(self, world, post_in, client):
        older = post_in("open", "older #budget")
        newest = post_in("open", "newest #budget", author=world.owner)
        pinned = post_in("company", "pinned news", author=world.admin, announcement=True)
        client.force_login(world.member)
        expected = {"/": ("home", pinned.id), "/all/": ("all", pinned.id),
                    f"/communities/{world.open.id}/": (f"community:{world.open.id}", newest.id),
                    f"/people/{world.member.id}/": (f"profile:{world.member.id}", older.id),
                    "/topics/budget/": ("topic:budget", newest.id),
                    "/topics/nothing/": ("topic:nothing", 0)}
        for path, (feed, after) in expected.items():
            html = self.page(client, path)
            assert self.attrs(html) == {"feed": feed, "after": after}, path
            assert "data-feed-list" in html
            assert 'data-one="%(count)s new post"' in html and 'data-many="%(count)s new posts"' in html
            assert 'aria-live="polite"' in html

    def test_later_pages_have_no_button(self, world, post_in, client):
        for i in range(25):
            post_in("company", f"post {i}")
        client.force_login(world.member)
        first = self.page(client, "/all/")
        cursor = re.search(r'rel="next" href="/all/\?cursor=([^"]+)"', first).group(1)
        assert "data-new-posts" not in self.page(client, f"/all/?cursor={cursor}")

    def test_post_page_and_script(self, world, post_in, client):
        post = post_in("open", "a post")
        assert "live.js" not in client.get("/login/").content.decode()
        client.force_login(world.member)
        html = self.page(client, f"/posts/{post.id}/")
        assert f'data-live-post="{post.id}" data-live-url="/posts/{post.id}/"' in html
        assert re.search(rf'<script type="module" src="[^"]*live\.js" data-live data-user-id="{world.member.id}"', html)
        assert 'data-counter="notifications"' in html

    def test_a_live_refresh_is_not_a_new_view(self, world, post_in, client):
        from essaim.core.models import Activity

        post = post_in("open", "a post")
        client.force_login(world.member)
        views = Activity.objects.filter(verb=Activity.Verb.VIEW, object_id=post.id)
        client.get(f"/posts/{post.id}/", HTTP_X_ESSAIM_LIVE="refresh")
        assert views.count() == 0
        client.get(f"/posts/{post.id}/")
        assert views.count() == 1

"""Feeds: home, All company, community, profile and topic; following topics; cursor pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from api_helpers import assert_error, assert_not_found, walk
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from essaim.stream import actions as stream
from essaim.stream.models import TopicFollow


def bodies(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [p["body"] for p in response.json_body["items"]]


class TestHome:
    def test_home_holds_my_communities_and_all_company(self, world, api_as, make_post):
        make_post("open", "in open")
        make_post("secret", "in secret")
        make_post("company", "for all")
        client = api_as(world.outsider)
        assert bodies(client.get("feed")) == ["for all"]
        assert bodies(api_as(world.moderator).get("feed")) == ["for all", "in secret", "in open"]
        assert client.get("posts").json_body == client.get("feed").json_body

    def test_announcements_come_first(self, world, api_as, make_post):
        make_post("company", "older news", author=world.admin, announcement=True,
                  created_at=timezone.now() - timedelta(days=3))
        make_post("company", "fresh")
        assert bodies(api_as(world.outsider).get("feed")) == ["older news", "fresh"]

    def test_followed_people_and_topics(self, world, api_as, make_post):
        make_post("open", "about #Budget")
        make_post("open", "by the owner", author=world.owner)
        client = api_as(world.outsider)
        assert bodies(client.get("feed")) == []
        assert client.post("topics/budget/follow").json_body == {"topic": "budget", "following": True}
        client.post(f"users/{world.owner.id}/follow")
        assert bodies(client.get("feed")) == ["by the owner", "about #Budget"]
        assert client.delete("topics/%23Budget/follow").json_body == {"topic": "budget", "following": False}
        assert not TopicFollow.objects.exists()

    def test_walks_every_page_once(self, world, api_as, make_post):
        start = timezone.now() - timedelta(hours=1)
        for i in range(23):  # some share a timestamp: the id breaks the tie
            make_post("open", f"post {i}", created_at=start + timedelta(seconds=i // 3))
        make_post("open", "pinned", author=world.owner, announcement=True, created_at=start)
        items = walk(api_as(world.member), "feed", limit=5)
        assert [p["body"] for p in items][0] == "pinned"
        assert len(items) == 24

    @pytest.mark.parametrize("params,code", [
        ({"limit": 0}, "invalid"), ({"limit": 101}, "invalid"), ({"limit": -1}, "invalid"),
        ({"limit": "all"}, "invalid"), ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"cursor": "WzEsMiwzXQ"}, "invalid_cursor"),  # [1,2,3]
        ({"cursor": "x" * 501}, "invalid"),
    ])
    def test_bad_page_parameters(self, world, api_as, params, code):
        assert_error(api_as(world.member).get("feed", **params), 422, code)

    def test_same_queries_for_one_post_and_for_many(self, world, api_as, make_post):
        client = api_as(world.member)
        make_post("open", "first @owner #one")
        stream.do_add_reaction(world.owner, "like", post=make_post("private", "second"))
        client.get("feed")  # warm the session
        with CaptureQueriesContext(connection) as few:
            assert len(client.get("feed", limit=100).json_body["items"]) == 2
        for i in range(30):
            post = make_post(["open", "private", "secret", "company", "profile"][i % 5], f"more @owner #t{i}")
            stream.do_add_reaction(world.owner, "celebrate", post=post)
            stream.do_create_comment(post, world.owner, "c")
        with CaptureQueriesContext(connection) as many:
            assert len(client.get("feed", limit=100).json_body["items"]) == 32
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


class TestOtherFeeds:
    def test_all_company(self, world, api_as, make_post):
        make_post("open", "in open")
        make_post("company", "for all")
        make_post("profile", "on a profile")
        assert bodies(api_as(world.outsider).get("feed/all")) == ["for all"]

    def test_community_feed(self, world, api_as, make_post):
        make_post("open", "in open")
        make_post("private", "in private")
        assert bodies(api_as(world.outsider).get(f"communities/{world.open.id}/feed")) == ["in open"]
        assert bodies(api_as(world.member).get(f"communities/{world.private.id}/feed")) == ["in private"]

    @pytest.mark.parametrize("place,who", [("private", "outsider"), ("private", "requester"),
                                           ("secret", "outsider"), ("secret", "admin")])
    def test_closed_community_feed_looks_missing(self, world, api_as, make_post, place, who):
        make_post(place, "Confidential")
        response = api_as(getattr(world, who)).get(f"communities/{world.community(place).id}/feed")
        assert_not_found(response)
        assert b"Confidential" not in response.content

    def test_profile_feed_hides_what_the_viewer_may_not_read(self, world, api_as, make_post):
        make_post("open", "member in open")
        make_post("secret", "member in secret")
        make_post("company", "member for all")
        seen_by_outsider = bodies(api_as(world.outsider).get(f"users/{world.member.id}/feed"))
        assert seen_by_outsider == ["member for all", "member in open"]
        assert len(bodies(api_as(world.owner).get(f"users/{world.member.id}/feed"))) == 3
        assert_not_found(api_as(world.member).get(f"users/{world.stranger.id}/feed"))

    def test_topic_feed(self, world, api_as, make_post):
        make_post("open", "about #Roadmap")
        make_post("secret", "secret #roadmap")
        client = api_as(world.outsider)
        assert bodies(client.get("topics/roadmap/feed")) == ["about #Roadmap"]
        assert bodies(client.get("topics/ROADMAP/feed")) == ["about #Roadmap"]
        assert bodies(client.get("topics/%23roadmap/feed")) == ["about #Roadmap"]

    @pytest.mark.parametrize("name", ["never-used", "two words", "%C3%A9t%C3%A9", "x" * 80])
    def test_unknown_topic_is_an_empty_feed(self, world, api_as, name):
        response = api_as(world.member).get(f"topics/{name}/feed")
        assert response.status_code == 200
        assert response.json_body == {"items": [], "next_cursor": None}

    def test_unknown_topic_still_checks_page_parameters(self, world, api_as):
        assert_error(api_as(world.member).get("topics/never/feed", limit=0), 422)
        assert_error(api_as(world.member).get("topics/never/feed", cursor="nope"), 422, "invalid_cursor")

    def test_topics_of_another_network_are_separate(self, world, api_as, make_post):
        make_post("company", "about #hiring")
        stranger = api_as(world.stranger, host="globex.test")
        assert bodies(stranger.get("topics/hiring/feed")) == []

    def test_unicode_topic(self, world, api_as, make_post):
        make_post("open", "Vive l'#été")
        client = api_as(world.outsider)
        assert bodies(client.get("topics/%C3%A9t%C3%A9/feed")) == ["Vive l'#été"]
        assert client.post("topics/%C3%89T%C3%89/follow").json_body == {"topic": "été", "following": True}

    @pytest.mark.parametrize("name", ["two%20words", "a.b", "%23", "x" * 60])
    def test_invalid_topic_names_cannot_be_followed(self, world, api_as, name):
        assert_error(api_as(world.member).post(f"topics/{name}/follow"), 422)
        assert not TopicFollow.objects.exists()

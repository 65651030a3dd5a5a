"""The live stream, end to end: two web processes sharing events through a real Redis.

A client connected to process A receives what is written through process B within 2 s; a client
resuming with Last-Event-ID gets exactly what it missed; a member removed from a private community
receives none of its later events. Everything is observed on the stream itself."""

from __future__ import annotations

import json
import os

import pytest

from live_sites import REDIS_TEST_URL, EventClient, Server, drop_site_database, migrate, redis_available, run_python, site_env

SETUP = """
import json
from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
network = accounts.do_create_network("Live", "live")
people = {h: accounts.do_create_user(network, email=f"{h}@live.test", display_name=h.title(), handle=h,
                                     password="correct horse battery staple")
          for h in ("owner", "member", "outsider")}
open_club = communities.do_create_community(people["owner"], name="Open club", visibility="open", slug="open-club")
private = communities.do_create_community(people["owner"], name="Private club", visibility="private", slug="private-club")
closed = communities.do_create_community(people["owner"], name="Closed club", visibility="private", slug="closed-club")
for club in (open_club, private):
    communities.do_add_member(club, people["member"], role="member", acting_user=people["owner"])
tokens = {h: accounts.do_create_token(u, scopes=["read", "write"], name="t", acting_user=u)[1] for h, u in people.items()}
print(json.dumps({"ids": {h: u.id for h, u in people.items()}, "tokens": tokens,
                  "open": open_club.id, "private": private.id, "closed": closed.id}))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, django_db_blocker):
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    tmp = tmp_path_factory.mktemp("live")
    with django_db_blocker.unblock():
        env = site_env(tmp, "live")
    env.update(ESSAIM_REDIS_URL=REDIS_TEST_URL, ESSAIM_JOBS="worker")
    migrate(env)
    world = json.loads(run_python(env, SETUP))
    a, b = Server(env), Server(env)
    world.update(a=a, b=b)
    try:
        yield world
    finally:
        a.stop()
        b.stop()
        drop_site_database(env)


def post(site, server, who: str, body: str, community: str | None = None) -> str:
    payload = {"body": body}
    if community:
        payload["community_id"] = str(site[community])
    status, created = server.request("POST", "/api/v1/posts", site["tokens"][who], payload)
    assert status == 201, created
    return created["id"]


def is_post(post_id: str):
    return lambda e: e["type"] == "post.created" and e["data"]["post_id"] == post_id


def test_an_event_written_through_one_process_reaches_a_client_of_the_other_within_2_s(site):
    client = EventClient(site["a"].port, site["tokens"]["member"])
    try:
        assert client.status == 200
        ready = client.next()
        assert ready["type"] == "stream.ready" and int(ready["id"]) >= 0
        post_id = post(site, site["b"], "owner", "Through B", "open")
        event, _ = client.wait_for(is_post(post_id), timeout=2.0)
        assert event["data"]["community_id"] == str(site["open"])
        assert set(event) == {"id", "type", "data"}
        # A comment and a reaction on it arrive too, in order.
        status, comment = site["b"].request("POST", f"/api/v1/posts/{post_id}/comments", site["tokens"]["outsider"],
                                            {"body": "Seen it"})
        assert status == 201
        event, _ = client.wait_for(lambda e: e["type"] == "comment.created", timeout=2.0)
        assert event["data"] == {"post_id": post_id, "comment_id": comment["id"]}
    finally:
        client.close()


def test_resuming_with_last_event_id_gets_exactly_the_missed_events(site):
    first = EventClient(site["a"].port, site["tokens"]["member"])
    ready = first.next()
    first.close()
    # While the member is away: two posts they may see, one they may not.
    seen_one = post(site, site["b"], "owner", "Missed 1", "open")
    hidden = post(site, site["b"], "owner", "Not for the member", "closed")
    seen_two = post(site, site["a"], "owner", "Missed 2", "private")
    # Back, on the other process, from where they left.
    again = EventClient(site["b"].port, site["tokens"]["member"], last_event_id=ready["id"])
    try:
        missed = [e for e in again.drain(1.5) if e["type"] == "post.created"]
        assert [e["data"]["post_id"] for e in missed] == [seen_one, seen_two]
        assert hidden not in {e["data"].get("post_id") for e in again.drain(0)}
        ids = [int(e["id"]) for e in missed]
        assert ids == sorted(ids) and all(i > int(ready["id"]) for i in ids)
        # Then live events follow, once each.
        live = post(site, site["a"], "owner", "Live again", "open")
        event, before = again.wait_for(is_post(live), timeout=2.0)
        assert all(e["data"].get("post_id") not in (seen_one, seen_two) for e in before)
        assert not [e for e in again.drain(0.5) if e["data"].get("post_id") == live]
    finally:
        again.close()
    # Resuming from the last event seen gets nothing old again.
    last = EventClient(site["a"].port, site["tokens"]["member"], last_event_id=event["id"])
    try:
        assert [e for e in last.drain(1.0) if e["type"] == "post.created"] == []
    finally:
        last.close()


def test_a_member_removed_from_a_private_community_receives_none_of_its_later_events(site):
    client = EventClient(site["a"].port, site["tokens"]["member"])
    try:
        client.next()
        before = post(site, site["b"], "owner", "Still a member", "private")
        client.wait_for(is_post(before), timeout=2.0)
        status, _ = site["b"].request("DELETE", f"/api/v1/communities/{site['private']}/members/{site['ids']['member']}",
                                      site["tokens"]["owner"])
        assert status == 204
        secret_post = post(site, site["b"], "owner", "After the removal", "private")
        site["b"].request("POST", f"/api/v1/posts/{before}/comments", site["tokens"]["owner"], {"body": "later"})
        marker = post(site, site["b"], "owner", "Open to all", "open")
        _event, received = client.wait_for(is_post(marker), timeout=2.0)
        leaked = [e for e in received if e["data"].get("post_id") in (secret_post, before)
                  or e["data"].get("community_id") == str(site["private"]) and e["type"].startswith("post.")]
        assert leaked == []
        assert any(e["type"] == "community.membership_changed" for e in received)
    finally:
        client.close()
    # And a resume from before the removal does not replay them either.
    resumed = EventClient(site["b"].port, site["tokens"]["member"], last_event_id="0")
    try:
        replayed = {e["data"].get("post_id") for e in resumed.drain(1.5)}
        assert secret_post not in replayed
        assert before not in replayed  # no longer theirs to see
    finally:
        resumed.close()


def test_the_stream_refuses_strangers_and_bad_resume_points(site):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", site["a"].port, timeout=10)
    conn.request("GET", "/api/v1/events", headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    assert response.status == 401 and json.loads(response.read())["error"]["code"] == "unauthorized"
    conn.request("GET", "/api/v1/events", headers={"Host": "127.0.0.1", "Authorization": "Bearer nope"})
    response = conn.getresponse()
    assert response.status == 401
    response.read()
    conn.request("GET", "/api/v1/events", headers={"Host": "127.0.0.1", "Last-Event-ID": "abc",
                                                    "Authorization": f"Bearer {site['tokens']['member']}"})
    response = conn.getresponse()
    assert response.status == 400 and json.loads(response.read())["error"]["code"] == "invalid_last_event_id"
    conn.close()


def test_notifications_reach_only_their_recipient(site):
    member = EventClient(site["a"].port, site["tokens"]["member"])
    outsider = EventClient(site["a"].port, site["tokens"]["outsider"])
    try:
        member.next()
        outsider.next()
        mention = post(site, site["b"], "owner", "Hello @member", "open")
        event, _ = member.wait_for(lambda e: e["type"] == "notification.created", timeout=2.0)
        assert event["data"]["post_id"] == mention
        outsider.wait_for(is_post(mention), timeout=2.0)  # the post itself is for everyone
        assert not [e for e in outsider.drain(0.5) if e["type"] == "notification.created"]
    finally:
        member.close()
        outsider.close()

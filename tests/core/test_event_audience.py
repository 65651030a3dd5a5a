"""Events: recorded with the change, published after commit, delivered to exactly who may see them,
in a number of queries that does not grow with the number of people connected."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.core import events
from essaim.core.events import Event, audience_of
from essaim.core.models import EventLog
from essaim.stream import actions as stream


def test_an_event_of_a_rolled_back_change_leaves_nothing(world, captured_events):
    before = EventLog.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        stream.do_create_post(world.member, "Never", community=world.open)
        raise RuntimeError("the change fails")
    assert EventLog.objects.count() == before
    assert captured_events == []


def test_an_event_is_logged_with_its_change_and_published_after_commit(world, captured_events,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = stream.do_create_post(world.member, "Logged", community=world.private)
        row = EventLog.objects.filter(type="post.created").latest("id")
        assert row.data["post_id"] == str(post.id) and row.recipients is None
        assert captured_events == []
    published = [e for e in captured_events if e.type == "post.created"]
    assert [e.id for e in published] == [row.id]


def test_undeclared_types_and_audience_less_broadcasts_are_refused(world):
    with pytest.raises(ValueError):
        events.emit_on_commit("nothing.like.this", network_id=world.network.id, data={})
    with pytest.raises(ValueError):  # a type without an audience must name its recipients
        events.emit_on_commit("notification.created", network_id=world.network.id, data={})


def test_addressed_events_reach_only_active_recipients_of_the_network(world):
    event = Event(type="notification.created", network_id=world.network.id, data={},
                  recipients=frozenset({world.member.id, world.stranger.id, world.outsider.id}))
    accounts.do_deactivate_user(world.outsider, acting_user=world.admin)
    everyone = [world.member.id, world.owner.id, world.outsider.id, world.stranger.id]
    assert audience_of(event, everyone) == {world.member.id}


def test_a_private_post_reaches_members_only_and_stops_at_removal(world):
    post = stream.do_create_post(world.owner, "Members only", community=world.private)
    event = Event(type="post.created", network_id=world.network.id, data={"post_id": str(post.id)})
    everyone = [world.admin.id, world.owner.id, world.moderator.id, world.member.id, world.requester.id,
                world.outsider.id, world.stranger.id]
    assert audience_of(event, everyone) == {world.owner.id, world.moderator.id, world.member.id}
    communities.do_remove_member(world.private, world.member, acting_user=world.owner)
    assert audience_of(event, everyone) == {world.owner.id, world.moderator.id}
    # A deleted post's news goes to who could read it, so that their pages drop it.
    stream.do_delete_post(post, acting_user=world.owner)
    gone = Event(type="post.deleted", network_id=world.network.id, data={"post_id": str(post.id)})
    assert audience_of(gone, everyone) == {world.owner.id, world.moderator.id}
    assert audience_of(event, everyone) == set()


def test_a_secret_communitys_news_stays_with_its_members(world):
    event = Event(type="community.updated", network_id=world.network.id, data={"community_id": str(world.secret.id)})
    everyone = [world.admin.id, world.owner.id, world.member.id, world.outsider.id, world.stranger.id]
    assert audience_of(event, everyone) == {world.owner.id, world.member.id}


def test_the_audience_costs_the_same_queries_for_3_or_60_people(world):
    crowd = [accounts.do_create_user(world.network, email=f"reader{i}@acme.test", display_name=f"Reader {i}",
                                     handle=f"reader{i}") for i in range(57)]
    for person in crowd[:30]:
        communities.do_add_member(world.private, person, role="member", acting_user=world.owner)
    post = stream.do_create_post(world.owner, "Counted", community=world.private)
    event = Event(type="comment.created", network_id=world.network.id, data={"post_id": str(post.id)})
    few = [world.owner.id, world.member.id, world.outsider.id]
    with CaptureQueriesContext(connection) as small:
        assert audience_of(event, few) == {world.owner.id, world.member.id}
    with CaptureQueriesContext(connection) as large:
        allowed = audience_of(event, few + [p.id for p in crowd])
    assert allowed == {world.owner.id, world.member.id} | {p.id for p in crowd[:30]}
    assert len(small.captured_queries) == len(large.captured_queries) <= 3


def test_a_durable_reaction_is_a_job_written_with_the_change(world):
    from essaim.core import jobs
    from essaim.core.models import Job

    seen = []
    jobs.job("test.on_post")(lambda row: seen.append(row.payload))
    events.run_job_on("post.created", job="test.on_post")
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            stream.do_create_post(world.member, "Rolled back", community=world.open)
            raise RuntimeError
        assert not Job.objects.filter(kind="test.on_post").exists()
        post = stream.do_create_post(world.member, "Kept", community=world.open)
        jobs.run_pending(kinds=["test.on_post"])
        assert [p["data"]["post_id"] for p in seen] == [str(post.id)]
        assert seen[0]["type"] == "post.created" and seen[0]["event_id"] > 0
    finally:
        events._jobs_on["post.created"].remove("test.on_post")

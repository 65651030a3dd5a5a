"""Events leave only after commit; every contribution leaves one row in the activity log."""

from __future__ import annotations

import pytest
from django.db import transaction

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.core import events
from essaim.core.errors import Forbidden, InvalidInput
from essaim.core.models import Activity
from essaim.notifications.models import Notification
from essaim.stream import actions as stream
from essaim.stream.models import Post, PostMention, PostTopic, Topic

Verb, Object = Activity.Verb, Activity.Object


def of_type(captured, type_):
    return [e for e in captured if e.type == type_]


# --- events after commit -------------------------------------------------------------------------


def test_creating_a_post_emits_post_created_once_after_commit(world, captured_events,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post = stream.do_create_post(world.member, "Hello @owner", community=world.open)
        assert captured_events == []  # nothing leaves before the commit
    created = of_type(captured_events, "post.created")
    assert len(created) == 1
    assert created[0].data == {"post_id": str(post.id), "community_id": str(world.open.id),
                               "author_id": str(world.member.id), "profile_user_id": None}
    assert created[0].recipients is None  # the audience of the post, computed at delivery
    assert created[0].network_id == world.network.id
    # The mention's notification went out too, to its one recipient.
    told = of_type(captured_events, "notification.created")
    assert [e.recipients for e in told] == [frozenset({world.owner.id})]
    # Every other after-commit callback only wakes the job runner (jobs are rows of the transaction).
    from essaim.core import jobs

    publishing = [c for c in callbacks if getattr(c, "__self__", None) is not jobs._wake]
    assert len(publishing) == len(captured_events)


def test_a_write_that_fails_inside_its_transaction_emits_nothing_and_writes_nothing(
        world, captured_events, django_capture_on_commit_callbacks, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    # The last step of creating a post fails, after the post, its topic, mention and notification rows.
    monkeypatch.setattr("essaim.stream.actions.activity.record", broken)
    notifications_before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            stream.do_create_post(world.member, "Hello @owner #launch", community=world.open)
    assert callbacks == [] and captured_events == []
    assert not Post.objects.exists()
    assert not PostTopic.objects.exists() and not PostMention.objects.exists()
    assert not Topic.objects.exists()
    assert Notification.objects.count() == notifications_before


def test_refused_input_emits_nothing(world, captured_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(InvalidInput):
            stream.do_create_post(world.member, "x" * 20_001, community=world.open)
    assert callbacks == [] and captured_events == []


def test_an_outer_rollback_takes_the_events_with_it(world, captured_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                stream.do_create_post(world.member, "Soon undone", community=world.open)
                communities.do_join_community(world.outsider, world.open)
                raise RuntimeError("undo")
        except RuntimeError:
            pass
    assert callbacks == [] and captured_events == []
    assert not Post.objects.exists()


def test_every_emitted_event_type_is_declared(world, captured_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = stream.do_create_post(world.owner, "All of it @member", community=world.open)
        comment = stream.do_create_comment(post, world.member, "Reply")
        stream.do_add_reaction(world.member, "like", post=post)
        stream.do_edit_post(post, "Edited", acting_user=world.owner)
        stream.do_delete_comment(comment, acting_user=world.member)
        stream.do_delete_post(post, acting_user=world.owner)
        communities.do_join_community(world.outsider, world.open)
    types = {e.type for e in captured_events}
    assert types <= events.EVENT_TYPES
    assert {"post.created", "post.updated", "post.deleted", "comment.created", "comment.deleted",
            "reaction.changed", "notification.created", "community.membership_changed"} <= types
    with pytest.raises(ValueError):
        events.emit_on_commit("made.up", network_id=world.network.id, data={}, recipients=[])


# --- activity log --------------------------------------------------------------------------------


@pytest.fixture
def log(world):
    """log() -> the activity rows written since the world was built, as (user, verb, object, id, community)."""
    start = Activity.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def rows():
        return list(Activity.objects.filter(id__gt=start).order_by("id").values_list(
            "user_id", "verb", "object_type", "object_id", "community_id"))

    return rows


def test_a_post_is_logged_once(world, log):
    post = stream.do_create_post(world.member, "Logged", community=world.private)
    assert log() == [(world.member.id, Verb.POST, Object.POST, post.id, world.private.id)]
    company = stream.do_create_post(world.member, "Logged too")
    assert log()[-1] == (world.member.id, Verb.POST, Object.POST, company.id, None)


def test_a_comment_is_logged_once(world, log):
    post = stream.do_create_post(world.member, "Logged", community=world.open)
    comment = stream.do_create_comment(post, world.outsider, "Me too")
    assert log()[1:] == [(world.outsider.id, Verb.COMMENT, Object.COMMENT, comment.id, world.open.id)]


def test_a_reaction_is_logged_once_even_when_repeated(world, log):
    post = stream.do_create_post(world.member, "Logged", community=world.secret)
    stream.do_add_reaction(world.owner, "like", post=post)
    stream.do_add_reaction(world.owner, "like", post=post)
    assert log()[1:] == [(world.owner.id, Verb.REACT, Object.POST, post.id, world.secret.id)]
    comment = stream.do_create_comment(post, world.owner, "c")
    stream.do_add_reaction(world.member, "funny", comment=comment)
    assert log()[-1] == (world.member.id, Verb.REACT, Object.COMMENT, comment.id, world.secret.id)


def test_following_is_logged_once(world, log):
    accounts.do_follow_user(world.member, world.owner)
    accounts.do_follow_user(world.member, world.owner)
    topic = stream.do_follow_topic(world.member, "#Design")
    stream.do_follow_topic(world.member, "design")
    assert log() == [
        (world.member.id, Verb.FOLLOW, Object.PROFILE, world.owner.id, None),
        (world.member.id, Verb.FOLLOW, Object.TOPIC, topic.id, None),
    ]


def test_joining_is_logged_once(world, log):
    communities.do_join_community(world.outsider, world.open)
    assert log() == [(world.outsider.id, Verb.JOIN, Object.COMMUNITY, world.open.id, world.open.id)]
    # A request is not a join; its approval is.
    communities.do_join_community(world.outsider, world.private)
    assert len(log()) == 1
    request = world.private.join_requests.get(user=world.outsider)
    communities.do_decide_request(request, approve=True, acting_user=world.owner)
    assert log()[-1] == (world.outsider.id, Verb.JOIN, Object.COMMUNITY, world.private.id, world.private.id)


def test_refused_contributions_log_nothing(world, log):
    post = stream.do_create_post(world.member, "Logged", community=world.private)
    with pytest.raises(Forbidden):
        stream.do_create_comment(post, world.outsider, "Let me in")
    with pytest.raises(Forbidden):
        stream.do_add_reaction(world.outsider, "like", post=post)
    with pytest.raises(Forbidden):
        stream.do_create_post(world.outsider, "Here?", community=world.private)
    assert len(log()) == 1


def test_activity_rows_carry_their_network(world, log):
    stream.do_create_post(world.member, "acme")
    stream.do_create_post(world.stranger, "globex")
    assert list(Activity.objects.filter(verb=Verb.POST).order_by("id").values_list("network_id", flat=True)) == [
        world.network.id, world.other_network.id]

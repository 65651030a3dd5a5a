"""Preferences applied by notify(): channels per kind (off leaves no row), community levels,
muted threads, the "every new post" fan-out through jobs, and defaults stored as no rows at all."""

from __future__ import annotations

import pytest
from notification_helpers import run_jobs
from django.db import connection
from django.test.utils import CaptureQueriesContext

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.core.models import Job
from essaim.messaging import actions as messaging
from essaim.notifications import actions, queries
from essaim.notifications.models import (
    CommunityNotificationLevel, KindChannel, Kind, Notification, NotificationSettings, ThreadMute,
)
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


def kinds_for(user, post=None):
    qs = Notification.objects.filter(recipient=user)
    if post is not None:
        qs = qs.filter(post=post)
    return sorted(qs.values_list("kind", flat=True))


def email_jobs():
    """E-mail jobs of the `world` network (other suites may keep a world of their own in the database)."""
    from essaim.core.models import Network

    return Job.objects.filter(kind="notifications.email",
                              network_id__in=Network.objects.filter(slug="acme").values("id")).count()


def test_defaults_are_implicit_and_respect_attention(world):
    prefs = queries.preferences_of(world.member)
    assert prefs.channels == {"mention": "email", "message": "email", "comment": "digest", "reply": "digest",
                              "reaction": "digest", "join_request": "digest", "invitation": "digest",
                              "request_approved": "digest", "community_post": "digest", "answer": "digest",
                              "answer_accepted": "digest", "question_routed": "email"}
    assert (prefs.email_delay_minutes, prefs.digest, prefs.last_digest_at) == (10, "daily", None)
    post = stream.do_create_post(world.owner, "Hi @member", community=world.open)
    stream.do_create_comment(post, world.member, "Thanks")
    assert KindChannel.objects.count() == NotificationSettings.objects.count() == 0
    assert CommunityNotificationLevel.objects.count() == ThreadMute.objects.count() == 0
    # Setting the defaults explicitly stores nothing either.
    actions.do_update_notification_settings(world.member, channels={"mention": "email", "comment": "digest"},
                                            email_delay_minutes=10, digest="daily", acting_user=world.member)
    assert KindChannel.objects.count() == NotificationSettings.objects.count() == 0
    # A change is one row; going back to the default removes it.
    actions.do_update_notification_settings(world.member, channels={"comment": "off"}, acting_user=world.member)
    assert list(KindChannel.objects.values_list("kind", "channel")) == [("comment", "off")]
    actions.do_update_notification_settings(world.member, channels={"comment": "digest"}, acting_user=world.member)
    assert KindChannel.objects.count() == 0


@pytest.mark.parametrize("channel, rows, jobs", [("off", 0, 0), ("app", 1, 0), ("digest", 1, 0), ("email", 1, 1)])
def test_each_channel(world, channel, rows, jobs):
    actions.do_update_notification_settings(world.member, channels={"mention": channel}, acting_user=world.member)
    post = stream.do_create_post(world.owner, "Hi @member", community=world.open)
    assert kinds_for(world.member, post) == ["mention"] * rows
    assert email_jobs() == jobs


def test_off_for_one_kind_leaves_the_others(world):
    actions.do_update_notification_settings(world.member, channels={"comment": "off"}, acting_user=world.member)
    post = stream.do_create_post(world.member, "Mine", community=world.open)
    stream.do_create_comment(post, world.owner, "A comment")
    stream.do_add_reaction(world.owner, "like", post=post)
    assert kinds_for(world.member, post) == ["reaction"]


def test_level_nothing_silences_a_communitys_posts_only(world):
    actions.do_set_community_level(world.member, world.open, "nothing", acting_user=world.member)
    in_open = stream.do_create_post(world.member, "Mine in open", community=world.open)
    stream.do_create_comment(in_open, world.owner, "Hey @member")
    stream.do_add_reaction(world.owner, "like", post=in_open)
    mention = stream.do_create_post(world.owner, "Hi @member", community=world.open)
    assert kinds_for(world.member, in_open) == [] and kinds_for(world.member, mention) == []
    elsewhere = stream.do_create_post(world.owner, "Hi @member", community=world.private)
    company = stream.do_create_post(world.owner, "Hi @member")
    assert kinds_for(world.member, elsewhere) == ["mention"] and kinds_for(world.member, company) == ["mention"]
    # Community events of that community still come: they are not about its posts.
    communities.do_join_community(world.outsider, world.open)
    assert email_jobs() == 2


def test_mentions_level_is_the_default_and_gives_no_post_notifications(world):
    stream.do_create_post(world.owner, "News for everyone", community=world.open)
    run_jobs()
    assert kinds_for(world.member) == ["invitation"] * 3
    assert queries.community_level(world.member, world.open) == "mentions"


def test_level_all_notifies_every_new_post_through_a_job(world):
    actions.do_set_community_level(world.member, world.open, "all", acting_user=world.member)
    actions.do_set_community_level(world.moderator, world.open, "all", acting_user=world.moderator)
    actions.do_set_community_level(world.outsider, world.private, "all", acting_user=world.outsider)  # not a member
    post = stream.do_create_post(world.owner, "Roadmap for Q3 with @moderator", community=world.open)
    assert kinds_for(world.member, post) == []  # never in the writing request
    assert Job.objects.filter(kind="notifications.community_post", key=f"community-post:{post.id}").count() == 1
    run_jobs()
    assert kinds_for(world.member, post) == ["community_post"]
    assert kinds_for(world.moderator, post) == ["mention"]  # mentioned: told once
    n = Notification.objects.get(recipient=world.member, post=post)
    assert n.community_id == world.open.id and n.actor_id == world.owner.id
    assert queries.describe(n) == "Owner posted in Open Club"
    # Their own posts do not notify them; a private community's posts reach members only.
    mine = stream.do_create_post(world.member, "Mine", community=world.open)
    stream.do_create_post(world.owner, "Private news", community=world.private)
    run_jobs()
    assert kinds_for(world.member, mine) == []
    assert Notification.objects.filter(recipient=world.outsider, kind="community_post").count() == 0
    # Nobody at "all": no job at all.
    stream.do_create_post(world.owner, "Secret news", community=world.secret)
    assert Job.objects.filter(kind="notifications.community_post").count() == 3


def test_the_fan_out_goes_in_batches(world, monkeypatch):
    monkeypatch.setattr(actions, "FANOUT_BATCH", 2)
    from notification_helpers import more_members

    people = more_members(world, world.open, 5)
    for person in people:
        actions.do_set_community_level(person, world.open, "all", acting_user=person)
    post = stream.do_create_post(world.owner, "Hello all", community=world.open)
    run_jobs()
    assert Notification.objects.filter(post=post, kind="community_post").count() == 5
    assert Job.objects.filter(kind="notifications.community_post").count() == 3  # 2 + 2 + 1


def test_a_deleted_post_is_not_fanned_out(world):
    actions.do_set_community_level(world.member, world.open, "all", acting_user=world.member)
    post = stream.do_create_post(world.owner, "Oops", community=world.open)
    stream.do_delete_post(post, acting_user=world.owner)
    run_jobs()
    assert kinds_for(world.member, post) == []


def test_a_muted_thread_gives_no_comment_reply_or_reaction_but_mentions_still_come(world):
    post = stream.do_create_post(world.member, "Mine", community=world.open)
    mine = stream.do_create_comment(post, world.member, "My comment")
    actions.do_mute_thread(world.member, post, True, acting_user=world.member)
    actions.do_mute_thread(world.member, post, True, acting_user=world.member)  # idempotent
    assert ThreadMute.objects.count() == 1
    stream.do_create_comment(post, world.owner, "A comment")
    stream.do_create_comment(post, world.owner, "A reply", parent=mine)
    stream.do_add_reaction(world.owner, "like", post=post)
    assert kinds_for(world.member, post) == []
    stream.do_create_comment(post, world.owner, "But @member look")
    assert kinds_for(world.member, post) == ["mention"]
    actions.do_mute_thread(world.member, post, False, acting_user=world.member)
    stream.do_add_reaction(world.moderator, "like", post=post)
    assert kinds_for(world.member, post) == ["mention", "reaction"]


def test_direct_message_notifications_stay_out_of_the_notification_list(world, api_as):
    client = api_as(world.member)
    before = client.get("notifications/unread_count").json_body["count"]
    conversation = messaging.do_start_conversation(world.owner, [world.member.id])
    messaging.do_send_message(conversation, "Hello", acting_user=world.owner)
    assert Notification.objects.filter(recipient=world.member, kind=Kind.MESSAGE).count() == 1
    assert client.get("notifications/unread_count").json_body["count"] == before
    assert "message" not in {n["kind"] for n in client.get("notifications").json_body["items"]}
    client.post("notifications/read", {"all": True})  # "mark all read" is for the list: messages stay unread
    assert Notification.objects.get(recipient=world.member, kind=Kind.MESSAGE).read_at is None


def test_preferences_cost_the_same_queries_for_1_and_50_recipients(world):
    from notification_helpers import more_members

    people = more_members(world, world.open, 50)
    for i, person in enumerate(people):
        if i % 3 == 0:
            actions.do_update_notification_settings(person, channels={"comment": "email"}, email_delay_minutes=i,
                                                    acting_user=person)
        if i % 5 == 0:
            actions.do_mute_thread(person, post := stream.do_create_post(world.owner, "x", community=world.open),
                                   True, acting_user=person)
    post = stream.do_create_post(world.owner, "Thread", community=world.open)

    def count(ids):
        with CaptureQueriesContext(connection) as ctx:
            result = queries.deliveries(ids, kind="comment", post=post)
        return len(ctx.captured_queries), result

    one, _ = count([people[0].id])
    fifty, result = count([p.id for p in people])
    assert one == fifty <= 4
    assert result[people[3].id].channel == "email" and result[people[3].id].email_delay_minutes == 3
    assert result[people[1].id].channel == "digest"
    with CaptureQueriesContext(connection) as ctx:
        prefs = queries.preferences_for([p.id for p in people])
    assert len(ctx.captured_queries) == 2 and len(prefs) == 50


def test_a_deactivated_persons_settings_do_not_matter_but_their_rows_are_theirs(world):
    actions.do_update_notification_settings(world.member, digest="weekly", acting_user=world.member)
    with pytest.raises(Exception):
        actions.do_update_notification_settings(world.member, digest="weekly", acting_user=world.owner)
    accounts.do_deactivate_user(world.member, acting_user=world.admin)
    assert NotificationSettings.objects.get(user=world.member).digest == "weekly"

"""Comments, replies, reactions and the notifications they bring; losing access takes effect at once."""

from __future__ import annotations

import pytest

from essaim.communities import actions as communities
from essaim.core.errors import Forbidden, InvalidInput, NotFound
from essaim.notifications import actions as notifications
from essaim.notifications.models import Kind, Notification
from essaim.notifications.queries import notifications_for, unread_count
from essaim.stream import access, queries
from essaim.stream import actions as stream
from essaim.stream.models import Comment, Post, Reaction

# --- comments and replies ------------------------------------------------------------------------


def test_a_comment_tells_the_post_author(world, post_in, notes):
    post = post_in("open", author=world.owner)
    comment = stream.do_create_comment(post, world.member, "Nice one")
    told = notes(world.owner, Kind.COMMENT)
    assert len(told) == 1 and told[0].comment_id == comment.id and told[0].actor_id == world.member.id
    assert Post.objects.get(pk=post.pk).comment_count == 1


def test_commenting_on_my_own_post_tells_nobody(world, post_in):
    post = post_in("open", author=world.owner)
    stream.do_create_comment(post, world.owner, "Adding a detail")
    assert not Notification.objects.filter(kind__in=[Kind.COMMENT, Kind.REPLY]).exists()


def test_a_reply_tells_the_comment_author_and_the_post_author_once_each(world, post_in, notes):
    post = post_in("open", author=world.owner)
    top = stream.do_create_comment(post, world.member, "Question?")
    stream.do_create_comment(post, world.moderator, "Answer.", parent=top)
    assert len(notes(world.member, Kind.REPLY)) == 1
    assert notes(world.member, Kind.COMMENT) == []
    assert len(notes(world.owner, Kind.COMMENT)) == 2  # one per comment on their post
    assert notes(world.moderator) == []


def test_replying_on_my_own_post_to_a_comment_tells_the_comment_author_only(world, post_in, notes):
    post = post_in("open", author=world.owner)
    top = stream.do_create_comment(post, world.member, "Question?")
    stream.do_create_comment(post, world.owner, "Answer.", parent=top)
    assert len(notes(world.member, Kind.REPLY)) == 1
    assert len(notes(world.owner)) == 1  # only the member's comment


def test_a_reply_to_a_reply_joins_the_thread_and_tells_whom_it_answers(world, post_in, notes):
    post = post_in("open", author=world.owner)
    top = stream.do_create_comment(post, world.member, "Top")
    reply = stream.do_create_comment(post, world.moderator, "Reply", parent=top)
    deeper = stream.do_create_comment(post, world.outsider, "Reply to the reply", parent=reply)
    assert deeper.parent_id == top.id
    # The person whose reply was answered hears about it, once.
    assert len(notes(world.moderator, Kind.REPLY, actor=world.outsider)) == 1
    # So does the person who started the thread, as before.
    assert len(notes(world.member, Kind.REPLY, actor=world.outsider)) == 1
    assert len(notes(world.owner, Kind.COMMENT, actor=world.outsider)) == 1
    page = queries.comments_for(world.member, post)
    assert page.items == [top]
    assert page.items[0].visible_replies == [reply, deeper]


def test_a_reply_to_a_comment_of_another_post_is_refused(world, post_in):
    first, second = post_in("open"), post_in("open")
    other = stream.do_create_comment(first, world.member, "On the first")
    with pytest.raises(InvalidInput):
        stream.do_create_comment(second, world.member, "Lost", parent=other)
    assert Comment.objects.filter(post=second).count() == 0
    assert Post.objects.get(pk=second.pk).comment_count == 0


def test_a_reply_to_a_deleted_comment_is_refused(world, post_in):
    post = post_in("open")
    top = stream.do_create_comment(post, world.member, "Top")
    reply = stream.do_create_comment(post, world.owner, "Reply", parent=top)
    stream.do_delete_comment(top, acting_user=world.member)
    for parent in (Comment.objects.get(pk=top.pk), Comment.objects.get(pk=reply.pk)):
        with pytest.raises(InvalidInput):
            stream.do_create_comment(post, world.outsider, "Too late", parent=parent)
    assert not Comment.objects.filter(author=world.outsider).exists()


@pytest.mark.parametrize("name", ["outsider", "requester", "admin", "stranger"])
def test_those_who_cannot_read_a_post_cannot_comment(world, post_in, name):
    post = post_in("private")
    with pytest.raises(Forbidden):
        stream.do_create_comment(post, getattr(world, name), "Let me in")
    assert not Comment.objects.exists()


def test_a_comment_body_is_checked_like_a_post_body(world, post_in):
    post = post_in("open")
    for body in ("", "x" * 20_001):
        with pytest.raises(InvalidInput):
            stream.do_create_comment(post, world.member, body)
    assert not Comment.objects.exists()
    assert not Notification.objects.filter(kind=Kind.COMMENT).exists()


def test_comments_are_read_through_their_post(world, post_in):
    comment = stream.do_create_comment(post_in("private"), world.member, "Members only")
    assert access.access_comment(world.moderator, comment.id) == comment
    for name in ("outsider", "requester", "admin", "stranger"):
        with pytest.raises(NotFound):
            access.access_comment(getattr(world, name), comment.id)


def test_a_deleted_comment_disappears_and_the_count_follows(world, post_in):
    post = post_in("open")
    comment = stream.do_create_comment(post, world.outsider, "Oops")
    with pytest.raises(Forbidden):
        stream.do_delete_comment(comment, acting_user=world.member)
    stream.do_delete_comment(comment, acting_user=world.moderator)
    stream.do_delete_comment(comment, acting_user=world.moderator)  # twice: counted once
    with pytest.raises(NotFound):
        access.access_comment(world.outsider, comment.id)
    assert queries.comments_for(world.member, post).items == []
    assert Post.objects.get(pk=post.pk).comment_count == 0


def test_only_the_author_edits_a_comment(world, post_in):
    comment = stream.do_create_comment(post_in("open"), world.member, "Frist")
    with pytest.raises(Forbidden):
        stream.do_edit_comment(comment, "Vandalised", acting_user=world.owner)
    stream.do_edit_comment(comment, "First", acting_user=world.member)
    comment.refresh_from_db()
    assert comment.body == "First" and comment.edited_at is not None


def test_a_mention_in_a_comment_tells_only_readers(world, post_in, notes):
    post = post_in("private", author=world.owner)
    stream.do_create_comment(post, world.member, "cc @moderator @outsider @owner")
    assert len(notes(world.moderator, Kind.MENTION)) == 1
    assert notes(world.outsider) == []
    # The post author is told of the comment, not a second time of the mention.
    assert [n.kind for n in notes(world.owner)] == [Kind.COMMENT]


# --- reactions -----------------------------------------------------------------------------------


def test_reacting_twice_keeps_one_reaction_and_one_notification(world, post_in, notes):
    post = post_in("open", author=world.owner)
    assert stream.do_add_reaction(world.member, "like", post=post) is True
    assert stream.do_add_reaction(world.member, "like", post=post) is False
    assert Reaction.objects.filter(post=post).count() == 1
    assert len(notes(world.owner, Kind.REACTION)) == 1
    stream.do_add_reaction(world.member, "celebrate", post=post)
    decorated = queries.community_feed(world.member, world.open).items[0]
    assert decorated.reaction_counts == {"like": 1, "celebrate": 1}
    assert decorated.my_reactions == ["celebrate", "like"]
    assert queries.community_feed(world.owner, world.open).items[0].my_reactions == []


def test_removing_a_reaction_is_idempotent(world, post_in):
    post = post_in("open")
    stream.do_add_reaction(world.owner, "like", post=post)
    assert stream.do_remove_reaction(world.owner, "like", post=post) is True
    assert stream.do_remove_reaction(world.owner, "like", post=post) is False
    assert not Reaction.objects.exists()


@pytest.mark.parametrize("kind", ["love", "", "LIKE", "like ", None])
def test_an_unknown_reaction_is_refused(world, post_in, kind):
    post = post_in("open")
    with pytest.raises(InvalidInput):
        stream.do_add_reaction(world.member, kind, post=post)
    assert not Reaction.objects.exists()


def test_reacting_to_my_own_post_tells_nobody(world, post_in):
    post = post_in("open")
    stream.do_add_reaction(world.member, "like", post=post)
    assert not Notification.objects.filter(kind=Kind.REACTION).exists()


def test_reactions_on_comments(world, post_in):
    comment = stream.do_create_comment(post_in("open"), world.owner, "Well said")
    assert stream.do_add_reaction(world.member, "insightful", comment=comment)
    assert not stream.do_add_reaction(world.member, "insightful", comment=comment)
    top = queries.comments_for(world.member, comment.post).items[0]
    assert top.reaction_counts == {"insightful": 1} and top.my_reactions == ["insightful"]


@pytest.mark.parametrize("name", ["outsider", "requester", "stranger"])
def test_those_who_cannot_read_cannot_react(world, post_in, name):
    post = post_in("secret")
    with pytest.raises(Forbidden):
        stream.do_add_reaction(getattr(world, name), "like", post=post)
    assert not Reaction.objects.exists()


# --- losing access -------------------------------------------------------------------------------


def test_a_removed_member_stops_seeing_the_private_community_at_once(world, notes):
    post = stream.do_create_post(world.owner, "Plans for @member", community=world.private)
    member = world.member  # the same object, as within one request
    assert access.access_post(member, post.id) == post
    assert post in queries.home_feed(member).items
    assert [n.post_id for n in notes.new(notifications_for(member).items)] == [post.id]
    assert unread_count(member) == 1

    communities.do_remove_member(world.private, member, acting_user=world.owner)

    with pytest.raises(NotFound):
        access.access_post(member, post.id)
    assert post not in queries.home_feed(member).items
    assert not Post.objects.visible_to(member).filter(pk=post.pk).exists()
    assert notes.new(notifications_for(member).items) == []
    assert unread_count(member) == 0
    with pytest.raises(Forbidden):
        stream.do_create_comment(post, member, "Still here?")
    # The notification row is kept; it shows again if they come back.
    assert len(notes(member, Kind.MENTION)) == 1
    communities.do_add_member(world.private, member, acting_user=world.owner)
    assert [n.post_id for n in notifications_for(member).items if n.kind == Kind.MENTION] == [post.id]
    assert unread_count(member) == 2  # the mention again, and being added back


def test_a_deleted_post_takes_its_notifications_with_it(world, notes):
    post = stream.do_create_post(world.owner, "Hey @member", community=world.open)
    assert unread_count(world.member) == 1
    stream.do_delete_post(post, acting_user=world.owner)
    assert notes.new(notifications_for(world.member).items) == [] and unread_count(world.member) == 0


def test_a_community_turned_secret_hides_its_notifications_from_non_members(world, notes):
    request = world.private.join_requests.get()
    communities.do_decide_request(request, approve=True, acting_user=world.owner)
    approved = notes(world.requester, Kind.REQUEST_APPROVED)
    communities.do_leave_community(world.requester, world.private)
    # A private community stays listed: the notice of approval is still theirs to see.
    assert approved and approved[0] in notifications_for(world.requester).items
    communities.do_update_community(world.private, acting_user=world.owner, visibility="secret")
    assert approved[0] not in notifications_for(world.requester).items
    assert all(n.community_id != world.private.id for n in notifications_for(world.requester).items)
    # Its members still see theirs.
    assert any(n.community_id == world.private.id for n in notifications_for(world.owner).items)


def test_marking_notifications_read(world, notes):
    a = stream.do_create_post(world.owner, "@member one", community=world.open)
    stream.do_create_post(world.owner, "@member two", community=world.open)
    first = Notification.objects.get(recipient=world.member, post=a)
    assert unread_count(world.member) == 2
    assert notifications.do_mark_read(world.member, ids=[first.id]) == 1
    assert unread_count(world.member) == 1
    # Someone else's notification is not theirs to mark.
    theirs = stream.do_create_post(world.member, "@owner hi", community=world.open)
    other = Notification.objects.get(recipient=world.owner, post=theirs)
    assert notifications.do_mark_read(world.member, ids=[other.id]) == 0
    assert Notification.objects.get(pk=other.pk).read_at is None
    assert notifications.do_mark_read(world.member, all=True) == 1
    assert unread_count(world.member) == 0

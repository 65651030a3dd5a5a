"""One predicate, two forms: for any world, the single-object checks agree with the list filters.

`access_post(user, id)` succeeds exactly when the post is in `Post.objects.visible_to(user)`;
`access_community(user, id)` exactly when the community is in `Community.objects.visible_to(user)`;
a comment is readable exactly when its post is; the live stream's batched audience of a post or
community is exactly the set of people the single-object check lets in. Worlds are random: two networks, people (some
administrators, some deactivated), communities of every visibility whose visibility may change
later, memberships of every role, pending requests, people leaving, and posts in communities, in
All company and on profiles, some deleted.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from essaim.accounts import actions as accounts
from essaim.accounts.models import User
from essaim.communities import access as community_access
from essaim.communities import actions as communities
from essaim.communities.models import Community, Membership, Role
from essaim.core.errors import Conflict, NotFound
from essaim.stream import access as stream_access
from essaim.stream import actions as stream
from essaim.stream.models import Comment, Post

VISIBILITIES = ("open", "private", "secret")
# What each person is to a community: nothing, a pending requester, or a member of some role.
TIES = ("none", "none", "pending", "member", "member", "moderator", "owner")


@st.composite
def network_specs(draw):
    n_users = draw(st.integers(2, 4))
    users = [{"admin": i == 0 or draw(st.booleans()), "deactivated": i > 0 and draw(st.integers(0, 5)) == 0}
             for i in range(n_users)]
    user = st.integers(0, n_users - 1)
    clubs = []
    for _ in range(draw(st.integers(0, 3))):
        clubs.append({
            "creator": draw(user),
            "visibility": draw(st.sampled_from(VISIBILITIES)),
            "later_visibility": draw(st.none() | st.sampled_from(VISIBILITIES)),
            "ties": [draw(st.sampled_from(TIES)) for _ in range(n_users)],
            "leavers": draw(st.sets(user, max_size=2)),
        })
    place = st.one_of(
        st.tuples(st.just("community"), st.integers(0, max(len(clubs) - 1, 0))) if clubs else st.nothing(),
        st.tuples(st.just("company"), st.just(0)),
        st.tuples(st.just("profile"), user),
    )
    posts = [{"author": draw(user), "place": draw(place), "deleted": draw(st.integers(0, 3)) == 0,
              "comment_deleted": draw(st.integers(0, 3)) == 0}
             for _ in range(draw(st.integers(0, 6)))]
    return {"users": users, "clubs": clubs, "posts": posts}


def build_network(index: int, spec: dict):
    network = accounts.do_create_network(f"Network {index}", f"net{index}", domain=f"net{index}.test")
    users = [accounts.do_create_user(network, email=f"p{i}@net{index}.test", display_name=f"P{i}",
                                     is_admin=u["admin"], handle=f"p{i}")
             for i, u in enumerate(spec["users"])]
    clubs = []
    for k, c in enumerate(spec["clubs"]):
        creator = users[c["creator"]]
        club = communities.do_create_community(creator, name=f"Club {k}", visibility=c["visibility"])
        for i, tie in enumerate(c["ties"]):
            person = users[i]
            if person == creator or tie == "none":
                continue
            if tie == "pending":
                if club.visibility == "private":
                    communities.do_join_community(person, club)
            elif tie == "member" and club.visibility == "open":
                communities.do_join_community(person, club)
            else:
                communities.do_add_member(club, person, role=tie, acting_user=creator)
        clubs.append(club)
    posts, comments = [], []
    for p in spec["posts"]:
        author = users[p["author"]]
        kind, target = p["place"]
        kwargs = {}
        if kind == "community":
            kwargs["community"] = clubs[target]
            if community_access.role_in(author, clubs[target]) is None:
                author = users[spec["clubs"][target]["creator"]]
        elif kind == "profile":
            kwargs["profile_user"] = users[target]
        post = stream.do_create_post(author, f"post {len(posts)}", **kwargs)
        comment = stream.do_create_comment(post, author, "a comment")
        if p["comment_deleted"]:
            stream.do_delete_comment(comment, acting_user=author)
        if p["deleted"]:
            stream.do_delete_post(post, acting_user=author)
        posts.append(post)
        comments.append(comment)
    # Later: people leave, communities change visibility, people are deactivated.
    for k, c in enumerate(spec["clubs"]):
        for i in c["leavers"]:
            try:
                communities.do_leave_community(users[i], clubs[k])
            except Conflict:  # not a member, or the last owner
                pass
        if c["later_visibility"]:
            owner = Membership.objects.filter(community=clubs[k], role=Role.OWNER).first().user
            communities.do_update_community(clubs[k], acting_user=owner, visibility=c["later_visibility"])
    for i, u in enumerate(spec["users"]):
        if u["deactivated"]:
            accounts.do_deactivate_user(users[i], acting_user=users[0])
    return users, clubs, posts, comments


def assert_access(expected: bool, access_function, viewer, object_id) -> None:
    """access_function(viewer, id) returns that object when expected, else raises NotFound."""
    if expected:
        assert access_function(viewer, object_id).id == object_id
    else:
        with pytest.raises(NotFound):
            access_function(viewer, object_id)


def check_agreement(viewers, posts, clubs, comments):
    missing_post = (Post.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1000
    missing_club = (Community.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1000
    for viewer in viewers:
        visible_posts = set(Post.objects.visible_to(viewer).values_list("id", flat=True))
        for post in posts:
            fresh = Post.objects.select_related("community").get(pk=post.pk)
            expected = post.id in visible_posts
            assert stream_access.can_read_post(viewer, fresh) is expected, (viewer, post.id)
            assert_access(expected, stream_access.access_post, viewer, post.id)
        for comment in comments:
            fresh = Comment.objects.get(pk=comment.pk)
            expected = comment.post_id in visible_posts and fresh.deleted_at is None
            assert_access(expected, stream_access.access_comment, viewer, comment.id)
        assert_access(False, stream_access.access_post, viewer, missing_post)

        visible_clubs = set(Community.objects.visible_to(viewer).values_list("id", flat=True))
        for club in clubs:
            expected = club.id in visible_clubs
            assert community_access.can_see_community(viewer, Community.objects.get(pk=club.pk)) is expected
            assert_access(expected, community_access.access_community, viewer, club.id)
        assert_access(False, community_access.access_community, viewer, missing_club)

    # The live stream's batched audiences pick exactly the people the single-object checks let in.
    people = {v.pk: User.objects.get(pk=v.pk) for v in viewers if getattr(v, "pk", None)}
    ids = list(people) + [missing_post]
    for post in posts:
        fresh = Post.objects.select_related("community").get(pk=post.pk)
        expected = {pk for pk, person in people.items() if stream_access.can_read_post(person, fresh)}
        assert stream_access.post_audience(post.id, ids) == expected, post.id
    for club in clubs:
        fresh = Community.objects.get(pk=club.pk)
        expected = {pk for pk, person in people.items() if community_access.can_see_community(person, fresh)}
        assert community_access.community_audience(club.id, ids) == expected, club.id


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(first=network_specs(), second=network_specs())
def test_single_object_access_agrees_with_the_list_filter(first, second):
    try:
        with transaction.atomic():  # each world is undone after its check
            built = [build_network(1, first), build_network(2, second)]
            posts = [p for b in built for p in b[2]]
            clubs = [c for b in built for c in b[1]]
            comments = [c for b in built for c in b[3]]
            people = [u for b in built for u in b[0]]
            # As a new request would see them (fresh rows), and as the objects used while building.
            viewers = [AnonymousUser()] + [User.objects.get(pk=u.pk) for u in people] + people
            check_agreement(viewers, posts, clubs, comments)
            raise _Rollback
    except _Rollback:
        pass


@pytest.mark.django_db
def test_the_property_holds_for_the_named_world(world, post_in):
    """The same check on the hand-built world, every place, with a deleted post."""
    posts = [post_in(place) for place in ("open", "private", "secret", "company", "profile")]
    gone = post_in("private")
    stream.do_delete_post(gone, acting_user=world.member)
    comments = [stream.do_create_comment(p, world.member, "c") for p in posts]
    people = [world.admin, world.owner, world.moderator, world.member, world.requester, world.outsider,
              world.stranger]
    check_agreement([AnonymousUser()] + people, posts + [gone], [world.open, world.private, world.secret], comments)

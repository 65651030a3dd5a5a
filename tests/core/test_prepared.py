"""Prepared queries (core/prepared.py) answer exactly what the ORM answers, and refuse what they
cannot reuse."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from essaim.accounts.models import User
from essaim.core.prepared import Prepared
from essaim.stream import actions as stream
from essaim.stream.models import Post, Reaction


def reaction_counts(ids, user):
    return Reaction.objects.filter(post_id__in=ids).values("post_id", "kind") \
        .annotate(n=Count("id"), mine=Count("id", filter=Q(user_id=user))).values_list("post_id", "kind", "n", "mine")


@pytest.fixture
def posts(world):
    made = []
    for i in range(6):
        post = stream.do_create_post(world.member, f"Post {i}", community=world.open)
        for who in (world.owner, world.moderator, world.member)[: i % 4]:
            stream.do_add_reaction(who, ("like", "celebrate")[i % 2], post=post)
        made.append(post)
    return made


def test_rows_are_the_orms_rows_for_every_length_and_value(world, posts):
    prepared = Prepared(reaction_counts, lists=("ids",))
    ids = [p.id for p in posts]
    for chosen, user in ((ids, world.owner.id), (ids[:2], world.member.id), (ids[3:], world.moderator.id),
                         (ids, world.member.id), ([ids[0], 999_999], world.owner.id)):
        assert sorted(prepared.rows(ids=chosen, user=user)) == sorted(reaction_counts(chosen, user))
    assert any(n for _p, _k, n, _m in prepared.rows(ids=ids, user=world.owner.id))


def test_objects_come_with_their_related_objects_and_the_orms_values(world, posts):
    prepared = Prepared(lambda ids: Post.objects.filter(id__in=ids).select_related("author", "community",
                                                                                    "profile_user"),
                        lists=("ids",))
    ids = [p.id for p in posts[:4]]
    got = {p.id: p for p in prepared.objects(ids=ids)}
    expected = Post.objects.select_related("author", "community").in_bulk(ids)
    assert set(got) == set(expected)
    with CaptureQueriesContext(connection) as ctx:
        for post_id, post in got.items():
            want = expected[post_id]
            assert (post.body, post.created_at, post.author.handle, post.community.name, post.profile_user) == \
                   (want.body, want.created_at, want.author.handle, want.community.name, None)
            assert post.created_at.tzinfo is not None
            assert not post._state.adding and post._state.db == "default"
    assert len(ctx.captured_queries) == 0  # nothing left to load


def test_text_values_and_one_query_per_call(world):
    prepared = Prepared(lambda handle, network: User.objects.filter(handle=handle, network_id=network)
                        .values_list("id", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        assert prepared.rows(handle="member", network=world.network.id) == [(world.member.id,)]
        assert prepared.rows(handle="stranger", network=world.network.id) == []
        assert prepared.rows(handle="stranger", network=world.other_network.id) == [(world.stranger.id,)]
        assert prepared.rows(handle="it's; DROP TABLE x", network=world.network.id) == []  # a value, not SQL
    assert len(ctx.captured_queries) == 4


def test_an_empty_list_matches_nothing_without_a_query(world, posts):
    prepared = Prepared(reaction_counts, lists=("ids",))
    with CaptureQueriesContext(connection) as ctx:
        assert prepared.rows(ids=[], user=world.owner.id) == []
    assert len(ctx.captured_queries) == 0


def test_none_is_refused_rather_than_compared_with_equals(world):
    prepared = Prepared(lambda user: Reaction.objects.filter(user_id=user).values_list("id"))
    with pytest.raises(TypeError):
        prepared.rows(user=None)
    with pytest.raises(TypeError):
        Prepared(reaction_counts, lists=("ids",)).rows(ids=[1, None], user=1)


def test_a_value_the_orm_changes_is_refused(world):
    prepared = Prepared(lambda user: Post.objects.filter(author_id=abs(user)).values_list("id"))
    with pytest.raises(ValueError, match="user"):
        prepared.rows(user=world.member.id)


def test_a_stand_in_viewer_has_only_an_id_and_a_network():
    """A permission predicate that reads more of its viewer cannot be prepared for every viewer."""
    from essaim.core.prepared import StandInViewer

    viewer = StandInViewer(-1, -2)
    assert (viewer.id, viewer.pk, viewer.network_id, viewer.is_authenticated, viewer.is_active) == (-1, -1, -2, True,
                                                                                                     True)
    with pytest.raises(AttributeError):
        viewer.is_admin  # noqa: B018


def test_datetimes_and_fixed_values_give_the_orms_rows(world, posts):
    """A datetime goes in as the database backend writes it; a fixed value (a page size) makes its
    own shape."""
    prepared = Prepared(lambda limit, before, network: Post.objects.filter(network_id=network, created_at__lte=before)
                        .order_by("-created_at", "-id").values_list("id")[:limit])
    middle = posts[2].created_at
    for limit, before in ((2, middle), (10, middle), (2, posts[-1].created_at)):
        expected = [(i,) for i in Post.objects.filter(network_id=world.network.id, created_at__lte=before)
                    .order_by("-created_at", "-id").values_list("id", flat=True)[:limit]]
        assert prepared.rows(fixed={"limit": limit}, before=before, network=world.network.id) == expected
    assert len(prepared.rows(fixed={"limit": 10}, before=middle, network=world.network.id)) == 3

"""Feed pages are written straight into the PostOut shape (essaim.stream.api.post_json) and their ids
come from prepared SQL (core.pagination.PreparedPages): both must give exactly what the schema and
the ORM give, for every kind of post and viewer."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory
from ninja.responses import NinjaJSONEncoder

from essaim.accounts import actions as accounts
from essaim.core.pagination import paginate
from essaim.core.schemas import Paged
from essaim.questions import actions as questions
from essaim.stream import actions as stream
from essaim.stream import queries
from essaim.stream.api import PostOut, feed_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(world):
    """Posts of every shape: mentions, topics, reactions, edited, pinned, on a profile, a question,
    an announcement, in every visibility."""
    accounts.do_follow_user(world.outsider, world.member)
    stream.do_follow_topic(world.outsider, "roadmap")
    made = [
        stream.do_create_post(world.member, "Hello @owner about #roadmap and #q3", community=world.open),
        stream.do_create_post(world.owner, "Private news", community=world.private),
        stream.do_create_post(world.member, "Secret plans @moderator", community=world.secret),
        stream.do_create_post(world.admin, "All company: welcome **everyone**"),
        stream.do_create_post(world.member, "On your profile", profile_user=world.outsider),
        questions.do_ask_question(world.member, "How do we ship?", "Any #roadmap?", community=world.open),
    ]
    stream.do_edit_post(made[0], "Hello @owner about #roadmap (edited)", acting_user=world.member)
    stream.do_set_pinned(made[1], True, acting_user=world.owner)
    stream.do_add_reaction(world.owner, "like", post=made[0])
    stream.do_add_reaction(world.moderator, "celebrate", post=made[0])
    stream.do_add_reaction(world.member, "like", post=made[3])
    stream.do_create_comment(made[0], world.owner, "Nice")
    for i in range(25):
        stream.do_create_post(world.member if i % 2 else world.owner, f"Filler {i}", community=world.open)
    return world


def _schema_json(request, page) -> dict:
    data = Paged[PostOut].model_validate({"items": page.items, "next_cursor": page.next_cursor},
                                         context={"request": request}).model_dump()
    return json.loads(json.dumps(data, cls=NinjaJSONEncoder))


def _request(viewer):
    request = RequestFactory().get("/api/v1/feed")
    request.auth, request.user, request.network = viewer, viewer, viewer.network
    return request


@pytest.mark.parametrize("who", ["admin", "owner", "moderator", "member", "outsider", "requester"])
def test_feed_json_is_the_schema_output(varied, who):
    viewer = getattr(varied, who)
    request = _request(viewer)
    cursor, pages = None, 0
    while True:
        page = queries.home_feed(viewer, cursor=cursor, limit=7)
        assert json.loads(feed_json(request, page).content) == _schema_json(request, page)
        pages += 1
        cursor = page.next_cursor
        if not cursor:
            break
    if who in ("owner", "moderator", "member"):  # members of the open community: several pages
        assert pages >= 3


@pytest.mark.parametrize("who", ["admin", "owner", "moderator", "member", "outsider", "requester", "stranger"])
@pytest.mark.parametrize("limit", [1, 5, 20])
def test_prepared_home_pages_are_the_orm_pages(varied, who, limit):
    viewer = getattr(varied, who)
    cursor, seen = None, []
    while True:
        prepared = queries.home_feed(viewer, cursor=cursor, limit=limit)
        orm = paginate(queries.home_feed_posts(viewer), cursor=cursor, limit=limit, pinned_field="pinned")
        assert [p.id for p in prepared.items] == [p.id for p in orm.items]
        assert prepared.next_cursor == orm.next_cursor
        seen += [p.id for p in prepared.items]
        cursor = prepared.next_cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == queries.home_feed_posts(viewer).count()
    all_company = queries.all_company_feed(viewer, limit=limit)
    assert [p.id for p in all_company.items] == [p.id for p in paginate(
        queries.all_company_feed_posts(viewer), cursor=None, limit=limit, pinned_field="pinned").items]


def test_prepared_pages_follow_membership_at_once(varied, api_as):
    """A person who leaves a community stops seeing its posts in the next page (no stale shape)."""
    from essaim.communities import actions as communities

    secret_ids = {p.id for p in queries.home_feed(varied.member, limit=100).items if p.community_id == varied.secret.id}
    assert secret_ids
    communities.do_leave_community(varied.member, varied.secret)
    assert not {p.id for p in queries.home_feed(varied.member, limit=100).items} & secret_ids
    body = api_as(varied.member).get("/api/v1/feed?limit=100").json()
    assert not {int(p["id"]) for p in body["items"]} & secret_ids

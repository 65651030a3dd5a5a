"""Posts, comments, reactions, feeds and topics."""

from __future__ import annotations

from datetime import datetime

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder, Status
from pydantic import StrictBool, StrictStr

from essaim.accounts.access import access_user
from essaim.communities import access as community_access
from essaim.core import activity
from essaim.core.api import InSchema
from essaim.core.errors import EssaimError, Forbidden
from essaim.core.pagination import Page, clamp_limit, decode_cursor
from essaim.core.schemas import (CommunityRef, Id, Identified, PageQuery, Paged, PersonRef, avatar_url, paged,
                                 parse_id, responses, str_id, viewer_of)
from essaim.core.text import normalize_topic

from . import access, actions, queries

router = Router(tags=["posts"])


class PermissionsOut(Schema):
    edit: bool
    delete: bool


class WrittenOut(Identified):
    """What posts and comments share."""

    author: PersonRef
    body: str = Field(description="The Markdown source")
    html: str = Field(description="The body rendered and sanitised")
    created_at: datetime
    edited_at: datetime | None
    reactions: dict[str, int] = Field(description="Reaction kind -> how many people reacted so")
    my_reactions: list[str]
    permissions: PermissionsOut = Field(description="What the viewer may do to it")

    @staticmethod
    def resolve_reactions(obj) -> dict[str, int]:
        return obj.reaction_counts


class PostOut(WrittenOut):
    kind: str = Field(description="post, or question (then see /questions/{id})")
    title: str = Field(description="A question's title; empty for other posts")
    source_id: str | None = Field(description="Its id where it was imported from (null: written here)")
    community: CommunityRef | None
    profile_user: PersonRef | None
    announcement: bool
    pinned: bool
    comment_count: int
    mentions: list[PersonRef]
    topics: list[str]

    @staticmethod
    def resolve_source_id(obj) -> str | None:
        return obj.source_id or None

    @staticmethod
    def resolve_mentions(obj) -> list:
        return obj.mentioned_users

    @staticmethod
    def resolve_topics(obj) -> list[str]:
        return obj.topic_names

    @staticmethod
    def resolve_permissions(obj, context) -> dict:
        viewer = viewer_of(context)
        return {"edit": access.can_edit_post(viewer, obj), "delete": access.can_delete_post(viewer, obj)}


class CommentOut(WrittenOut):
    post_id: str
    parent_id: str | None
    source_id: str | None = Field(description="Its id where it was imported from (null: written here)")

    @staticmethod
    def resolve_source_id(obj) -> str | None:
        return obj.source_id or None

    @staticmethod
    def resolve_post_id(obj) -> str:
        return str_id(obj.post_id)

    @staticmethod
    def resolve_parent_id(obj) -> str | None:
        return str_id(obj.parent_id)

    @staticmethod
    def resolve_permissions(obj, context) -> dict:
        viewer = viewer_of(context)
        return {"edit": access.can_edit_comment(viewer, obj), "delete": access.can_delete_comment(viewer, obj)}


class ThreadOut(CommentOut):
    replies: list[CommentOut]

    @staticmethod
    def resolve_replies(obj) -> list:
        return getattr(obj, "visible_replies", [])


class VersionOut(Schema):
    body: str
    created_at: datetime = Field(description="When this version was written")
    replaced_at: datetime = Field(description="When an edit replaced it")


class ReactionsOut(Schema):
    reactions: dict[str, int]
    my_reactions: list[str]


class TopicFollowOut(Schema):
    topic: str
    following: bool


class PostIn(InSchema):
    body: StrictStr = Field(description="Markdown, at most 20,000 characters")
    community_id: Id | None = Field(None, description="Post into this community")
    profile_user_id: Id | None = Field(None, description="Post onto this person's profile")
    announcement: StrictBool = Field(False, description="Administrators (All company) and community owners")


class BodyIn(InSchema):
    body: StrictStr


class CommentIn(InSchema):
    body: StrictStr
    parent_id: Id | None = Field(None, description="Reply to this comment (one level of replies)")


class ReactionIn(InSchema):
    kind: StrictStr = Field(description="like, celebrate, support, insightful or funny")


def _post(post, viewer):
    queries.decorate_posts([post], viewer)
    return post


def _comment(comment, viewer):
    queries.decorate_comments([comment], viewer)
    return comment


# Feeds ------------------------------------------------------------------------------------------
# Feed pages are the most frequent answers: they are written straight into the PostOut shape the
# routes declare (one dict per post) rather than validated field by field, which took a third of a
# home-feed request. tests/api/test_feed_json.py checks that both give the same JSON.

def _person_json(user, network) -> dict:
    return {"id": str(user.id), "handle": user.handle, "display_name": user.display_name,
            "avatar_url": avatar_url(user, network)}


def post_json(post, viewer, network) -> dict:
    """A decorated post (queries.decorate_posts) as PostOut shows it to `viewer`."""
    community = post.community
    return {
        "id": str(post.id), "author": _person_json(post.author, network), "body": post.body, "html": post.html,
        "created_at": post.created_at, "edited_at": post.edited_at, "reactions": post.reaction_counts,
        "my_reactions": post.my_reactions,
        "permissions": {"edit": access.can_edit_post(viewer, post), "delete": access.can_delete_post(viewer, post)},
        "kind": post.kind, "title": post.title, "source_id": post.source_id or None,
        "community": {"id": str(community.id), "name": community.name, "slug": community.slug} if community else None,
        "profile_user": _person_json(post.profile_user, network) if post.profile_user_id else None,
        "announcement": post.announcement, "pinned": post.pinned, "comment_count": post.comment_count,
        "mentions": [_person_json(u, network) for u in post.mentioned_users], "topics": post.topic_names,
    }


def feed_json(request, page: Page) -> JsonResponse:
    viewer, network = request.auth, request.network
    return JsonResponse({"items": [post_json(p, viewer, network) for p in page.items],
                         "next_cursor": page.next_cursor}, encoder=NinjaJSONEncoder)


@router.get("/feed", response=responses(200, Paged[PostOut]), summary="My home feed")
def home_feed(request, query: Query[PageQuery]):
    return feed_json(request, queries.home_feed(request.auth, cursor=query.cursor, limit=query.limit))


@router.get("/feed/all", response=responses(200, Paged[PostOut]), summary="The All company feed")
def all_company_feed(request, query: Query[PageQuery]):
    return feed_json(request, queries.all_company_feed(request.auth, cursor=query.cursor, limit=query.limit))


@router.get("/communities/{community_id}/feed", response=responses(200, Paged[PostOut]),
            summary="A community's posts")
def community_feed(request, community_id: str, query: Query[PageQuery]):
    community = community_access.access_community_content(request.auth, parse_id(community_id))
    return feed_json(request, queries.community_feed(request.auth, community, cursor=query.cursor, limit=query.limit))


@router.get("/users/{user_id}/feed", response=responses(200, Paged[PostOut]),
            summary="Posts by a person and on their profile")
def profile_feed(request, user_id: str, query: Query[PageQuery]):
    user = access_user(request.auth, parse_id(user_id))
    return feed_json(request, queries.profile_feed(request.auth, user, cursor=query.cursor, limit=query.limit))


@router.get("/topics/{name}/feed", response=responses(200, Paged[PostOut]),
            summary="Posts about a #topic (an unknown topic has none)")
def topic_feed(request, name: str, query: Query[PageQuery]):
    topic = queries.find_topic(request.auth, name)
    if topic is None:  # nothing to show, but the same input rules as for a known topic
        clamp_limit(query.limit)
        if query.cursor:
            decode_cursor(query.cursor, 2)
        return paged(Page(items=[], next_cursor=None))
    return feed_json(request, queries.topic_feed(request.auth, topic, cursor=query.cursor, limit=query.limit))


class NewCountOut(Schema):
    count: int = Field(description="Posts newer than `after` in that feed, at most 99")


MAX_FEED_NAME = 200


def _feed_posts(viewer, feed: str):
    """The posts of the feed called `feed` (home, all, community:<id>, profile:<id>, topic:<name>),
    through the same access checks as that feed's own endpoint; None for a topic nobody used."""
    kind, _colon, arg = feed[:MAX_FEED_NAME + 1].partition(":")
    if len(feed) > MAX_FEED_NAME:
        kind = ""  # no such feed
    if feed == "home":
        return queries.home_feed_posts(viewer)
    elif feed == "all":
        return queries.all_company_feed_posts(viewer)
    elif kind == "community" and arg:
        community = community_access.access_community_content(viewer, parse_id(arg))
        return queries.community_feed_posts(viewer, community)
    elif kind == "profile" and arg:
        return queries.profile_feed_posts(viewer, access_user(viewer, parse_id(arg)))
    elif kind == "topic" and arg:
        topic = queries.find_topic(viewer, arg)  # unknown: no posts, as on the topic's feed
        return queries.topic_feed_posts(viewer, topic) if topic is not None else None
    raise EssaimError(_("feed must be home, all, community:<id>, profile:<id> or topic:<name>."),
                      code="invalid_feed")


@router.get("/feed/new_count", response=responses(200, NewCountOut),
            summary="How many posts of a feed are newer than a post (the live \"new posts\" button)")
def new_count(request, feed: str | None = None, after: str | None = None):
    if not after or not (after.isascii() and after.isdigit()) or len(after) > 19 or int(after) >= 2**63:
        raise EssaimError(_("after must be a post id (0 for an empty feed)."), code="invalid_after")
    posts = _feed_posts(request.auth, feed or "")
    return {"count": queries.new_posts_count(posts, int(after)) if posts is not None else 0}


@router.post("/topics/{name}/follow", response=responses(200, TopicFollowOut), summary="Follow a #topic")
def follow_topic(request, name: str):
    topic = actions.do_follow_topic(request.auth, name)
    return {"topic": topic.name, "following": True}


@router.delete("/topics/{name}/follow", response=responses(200, TopicFollowOut), summary="Stop following a #topic")
def unfollow_topic(request, name: str):
    actions.do_unfollow_topic(request.auth, name)
    return {"topic": normalize_topic(name), "following": False}


# Posts ------------------------------------------------------------------------------------------

@router.get("/posts", response=responses(200, Paged[PostOut]), summary="My home feed (same as /feed)")
def list_posts(request, query: Query[PageQuery]):
    return home_feed(request, query)


@router.post("/posts", response=responses(201, PostOut),
             summary="Write a post into a community, onto a profile, or to All company")
def create_post(request, payload: PostIn):
    viewer = request.auth
    community = profile_user = None
    if payload.community_id is not None:
        community = community_access.access_community_content(viewer, parse_id(payload.community_id))
    if payload.profile_user_id is not None:
        profile_user = access_user(viewer, parse_id(payload.profile_user_id), include_inactive=False)
    post = actions.do_create_post(viewer, payload.body, community=community, profile_user=profile_user,
                                  announcement=payload.announcement)
    return Status(201, _post(post, viewer))


@router.get("/posts/{post_id}", response=responses(200, PostOut), summary="A post")
def get_post(request, post_id: str):
    post = access.access_post(request.auth, parse_id(post_id))
    activity.record_view(request.auth, activity.Object.POST, post.id, post.community_id)
    return _post(post, request.auth)


@router.patch("/posts/{post_id}", response=responses(200, PostOut), summary="Edit my post (earlier versions are kept)")
def edit_post(request, post_id: str, payload: BodyIn):
    post = access.access_post(request.auth, parse_id(post_id))
    actions.do_edit_post(post, payload.body, acting_user=request.auth)
    return _post(post, request.auth)


@router.delete("/posts/{post_id}", response=responses(204, None), summary="Delete a post (its author or moderators)")
def delete_post(request, post_id: str):
    post = access.access_post(request.auth, parse_id(post_id))
    actions.do_delete_post(post, acting_user=request.auth)
    return Status(204, None)


@router.get("/posts/{post_id}/versions", response=responses(200, Paged[VersionOut]),
            summary="Earlier versions of a post, newest first (its author and moderators)")
def post_versions(request, post_id: str, query: Query[PageQuery]):
    post = access.access_post(request.auth, parse_id(post_id))
    if not access.can_see_versions(request.auth, post):
        raise Forbidden()
    return paged(queries.post_versions(post, cursor=query.cursor, limit=query.limit))


# Comments ---------------------------------------------------------------------------------------

@router.get("/posts/{post_id}/comments", response=responses(200, Paged[ThreadOut]),
            summary="A post's comments, oldest first, each with its replies")
def list_comments(request, post_id: str, query: Query[PageQuery]):
    post = access.access_post(request.auth, parse_id(post_id))
    page = queries.comments_for(request.auth, post, cursor=query.cursor, limit=query.limit)
    for comment in page.items:
        comment.post = post
        for reply in comment.visible_replies:
            reply.post = post
    return paged(page)


@router.post("/posts/{post_id}/comments", response=responses(201, CommentOut), summary="Comment on a post, or reply")
def create_comment(request, post_id: str, payload: CommentIn):
    post = access.access_post(request.auth, parse_id(post_id))
    parent = None
    if payload.parent_id is not None:
        parent = access.access_comment(request.auth, parse_id(payload.parent_id))
    comment = actions.do_create_comment(post, request.auth, payload.body, parent=parent)
    return Status(201, _comment(comment, request.auth))


@router.patch("/comments/{comment_id}", response=responses(200, CommentOut), summary="Edit my comment")
def edit_comment(request, comment_id: str, payload: BodyIn):
    comment = access.access_comment(request.auth, parse_id(comment_id))
    actions.do_edit_comment(comment, payload.body, acting_user=request.auth)
    return _comment(comment, request.auth)


@router.delete("/comments/{comment_id}", response=responses(204, None),
               summary="Delete a comment (its author or moderators)")
def delete_comment(request, comment_id: str):
    comment = access.access_comment(request.auth, parse_id(comment_id))
    actions.do_delete_comment(comment, acting_user=request.auth)
    return Status(204, None)


# Reactions --------------------------------------------------------------------------------------

def _react(request, kind: str, *, add: bool, post_id: str | None = None, comment_id: str | None = None) -> dict:
    """Add or take back the viewer's reaction on a post or a comment; the target's new reactions."""
    viewer = request.auth
    if post_id is not None:
        target = access.access_post(viewer, parse_id(post_id))
        where, decorate = {"post": target}, queries.decorate_posts
    else:
        target = access.access_comment(viewer, parse_id(comment_id))
        where, decorate = {"comment": target}, queries.decorate_comments
    (actions.do_add_reaction if add else actions.do_remove_reaction)(viewer, kind, **where)
    decorate([target], viewer)
    return {"reactions": target.reaction_counts, "my_reactions": target.my_reactions}


@router.post("/posts/{post_id}/reactions", response=responses(200, ReactionsOut), summary="React to a post")
def react_to_post(request, post_id: str, payload: ReactionIn):
    return _react(request, payload.kind, add=True, post_id=post_id)


@router.delete("/posts/{post_id}/reactions/{kind}", response=responses(200, ReactionsOut),
               summary="Take back my reaction to a post")
def unreact_to_post(request, post_id: str, kind: str):
    return _react(request, kind, add=False, post_id=post_id)


@router.post("/comments/{comment_id}/reactions", response=responses(200, ReactionsOut), summary="React to a comment")
def react_to_comment(request, comment_id: str, payload: ReactionIn):
    return _react(request, payload.kind, add=True, comment_id=comment_id)


@router.delete("/comments/{comment_id}/reactions/{kind}", response=responses(200, ReactionsOut),
               summary="Take back my reaction to a comment")
def unreact_to_comment(request, comment_id: str, kind: str):
    return _react(request, kind, add=False, comment_id=comment_id)

"""Read paths for feeds and threads, with their prefetching: a page costs the same number of
queries for 1 post as for 50."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from essaim.accounts.access import is_member_of_network
from essaim.accounts.models import Follow
from essaim.communities import access as community_access
from essaim.core.pagination import Page, PreparedPages, page_of, paginate
from essaim.core.prepared import Prepared

from .models import Comment, Post, PostTopic, Reaction, Topic, TopicFollow


def _base(viewer):
    return Post.objects.visible_to(viewer).select_related("author", "community", "profile_user")


def home_feed(viewer, *, cursor=None, limit=None) -> Page:
    """My communities, people and topics I follow, All company, posts to or by me, announcements.
    The page's ids come from the prepared SQL of home_feed_posts (written by the ORM once per
    process), then the posts by id: the same rows as paginate(home_feed_posts(viewer)), at a
    fraction of the cost (docs/scale.md)."""
    return _prepared_page(_home_pages, viewer, cursor, limit)


def _prepared_page(pages: PreparedPages, viewer, cursor, limit, **values) -> Page:
    """A page of a prepared feed: its ids from the prepared SQL, then the posts by id, decorated."""
    if not is_member_of_network(viewer):  # nothing to read (the prepared SQL is written for a person)
        return paginate(pages.build(viewer, **values), cursor=cursor, limit=limit, pinned_field="pinned")
    ids, limit = pages.ids(viewer, cursor=cursor, limit=limit, **values)
    return decorate(page_of(posts_by_ids(ids), limit, pinned_field="pinned"), viewer)


def posts_by_ids(ids: list[int]) -> list[Post]:
    """These posts (deleted ones left out), in the order of `ids`, with what every page shows."""
    found = {p.id: p for p in _posts_by_ids.objects(ids=ids)}
    return [found[i] for i in ids if i in found]


# The queries of every feed page, written once per process (core/prepared.py).
_posts_by_ids = Prepared(lambda ids: Post.objects.filter(deleted_at__isnull=True, id__in=ids)
                         .select_related("author", "community", "profile_user"), lists=("ids",))
_post_reactions = Prepared(lambda ids, user: _reaction_counts(Reaction.objects.filter(post_id__in=ids), "post_id",
                                                              user), lists=("ids",))
_comment_reactions = Prepared(lambda ids, user: _reaction_counts(Reaction.objects.filter(comment_id__in=ids),
                                                                 "comment_id", user), lists=("ids",))
_post_topics = Prepared(lambda ids: PostTopic.objects.filter(post_id__in=ids).values_list("post_id", "topic__name"),
                        lists=("ids",))
_post_mentions = Prepared(lambda ids: Post.mentions.through.objects.filter(post_id__in=ids).select_related("user"),
                          lists=("ids",))


# Each feed is one queryset function (`<feed>_feed_posts`), paged by `<feed>_feed` for the pages and
# the API, and counted by new_posts_count for the live "new posts" button: both see the same posts.

def home_feed_posts(viewer):
    followed_topic = PostTopic.objects.filter(
        post_id=OuterRef("pk"),
        topic_id__in=TopicFollow.objects.filter(user_id=viewer.id).values("topic_id"),
    )
    return _base(viewer).filter(
        Q(community_id__in=community_access.member_community_ids(viewer))
        | Q(community__isnull=True, profile_user__isnull=True)
        | Q(author_id__in=Follow.objects.filter(follower_id=viewer.id).values("followee_id"))
        | Q(profile_user_id=viewer.id)
        | Q(author_id=viewer.id)
        | Q(announcement=True)
        | Exists(followed_topic)
    )


_home_pages = PreparedPages(home_feed_posts, pinned_field="pinned")


def community_feed(viewer, community, *, cursor=None, limit=None) -> Page:
    return _prepared_page(_community_pages, viewer, cursor, limit, community=community.id)


def community_feed_posts(viewer, community):
    """`community`: the community or its id."""
    return _base(viewer).filter(community=community)


_community_pages = PreparedPages(community_feed_posts, pinned_field="pinned")


def profile_feed(viewer, user, *, cursor=None, limit=None) -> Page:
    """Posts on the person's profile and posts they wrote, that the viewer may see."""
    return decorate(paginate(profile_feed_posts(viewer, user), cursor=cursor, limit=limit), viewer)


def profile_feed_posts(viewer, user):
    return _base(viewer).filter(Q(profile_user=user) | Q(author=user))


def all_company_feed(viewer, *, cursor=None, limit=None) -> Page:
    return _prepared_page(_all_company_pages, viewer, cursor, limit)


def all_company_feed_posts(viewer):
    return _base(viewer).filter(community__isnull=True, profile_user__isnull=True)


_all_company_pages = PreparedPages(all_company_feed_posts, pinned_field="pinned")


def topic_feed(viewer, topic: Topic, *, cursor=None, limit=None) -> Page:
    return decorate(paginate(topic_feed_posts(viewer, topic), cursor=cursor, limit=limit), viewer)


def topic_feed_posts(viewer, topic: Topic):
    return _base(viewer).filter(Exists(PostTopic.objects.filter(post_id=OuterRef("pk"), topic=topic)))


NEW_POSTS_CAP = 99


def new_posts_count(posts, after: int) -> int:
    """How many posts of a feed (a `<feed>_feed_posts` queryset) are newer than the post `after`:
    one bounded query, at most NEW_POSTS_CAP."""
    return posts.filter(id__gt=after).order_by().values("id")[:NEW_POSTS_CAP].count()


def decorate(page: Page, viewer) -> Page:
    """Attach reactions {kind: count}, my_reactions, topics and mentions to each post (3 queries)."""
    decorate_posts(page.items, viewer)
    return page


def decorate_posts(posts: list[Post], viewer) -> list[Post]:
    if not posts:
        return posts
    community_access.roles_of(viewer)  # loaded once here, so per-post permission checks cost nothing
    ids = [p.id for p in posts]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    mine: dict[int, list[str]] = defaultdict(list)
    for post_id, kind, n, by_me in _post_reactions.rows(ids=ids, user=viewer.id or 0):
        counts[post_id][kind] = n
        if by_me:
            mine[post_id].append(kind)
    topics: dict[int, list[str]] = defaultdict(list)
    for post_id, name in _post_topics.rows(ids=ids):
        topics[post_id].append(name)
    mentions: dict[int, list] = defaultdict(list)
    for m in _post_mentions.objects(ids=ids):
        mentions[m.post_id].append(m.user)
    for p in posts:
        p.reaction_counts = counts.get(p.id, {})
        p.my_reactions = sorted(mine.get(p.id, []))
        p.topic_names = sorted(topics.get(p.id, []))
        p.mentioned_users = mentions.get(p.id, [])
    return posts


def _reaction_counts(qs, field: str, user_id: int):
    """(target id, kind, count, reactions by that person) in one query."""
    return qs.values(field, "kind").annotate(n=Count("id"), mine=Count("id", filter=Q(user_id=user_id))) \
        .values_list(field, "kind", "n", "mine")


def comments_for(viewer, post: Post, *, cursor=None, limit=None) -> Page:
    """Top-level comments oldest first, each with its replies (one level), in order."""
    qs = (Comment.objects.filter(post=post, deleted_at__isnull=True, parent__isnull=True)
          .select_related("author")
          .prefetch_related(Prefetch("replies", queryset=Comment.objects.filter(deleted_at__isnull=True)
                                     .select_related("author").order_by("created_at", "id"),
                                     to_attr="visible_replies")))
    page = paginate(qs, cursor=cursor, limit=limit, ascending=True)
    all_comments = list(page.items) + [r for c in page.items for r in c.visible_replies]
    decorate_comments(all_comments, viewer)
    return page


def decorate_comments(comments: list[Comment], viewer) -> list[Comment]:
    if not comments:
        return comments
    ids = [c.id for c in comments]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    mine: dict[int, list[str]] = defaultdict(list)
    for comment_id, kind, n, by_me in _comment_reactions.rows(ids=ids, user=viewer.id or 0):
        counts[comment_id][kind] = n
        if by_me:
            mine[comment_id].append(kind)
    for c in comments:
        c.reaction_counts = counts.get(c.id, {})
        c.my_reactions = sorted(mine.get(c.id, []))
    return comments


def find_topic(viewer, name: str) -> Topic | None:
    """The topic called `name` (with or without '#', any case) in the viewer's network, if it exists."""
    from essaim.core.text import TOPIC_RE, normalize_topic

    name = normalize_topic(name)
    if not TOPIC_RE.fullmatch("#" + name):  # not a name any topic can have
        return None
    return Topic.objects.filter(network_id=viewer.network_id, name=name).first()


def post_versions(post: Post, *, cursor=None, limit=None) -> Page:
    """A post's earlier bodies, the most recently replaced first."""
    from .models import PostVersion

    return paginate(PostVersion.objects.filter(post=post), cursor=cursor, limit=limit, time_field="replaced_at")

"""Who may see and do what with posts and comments. One predicate, two forms:
`posts_visible_to` (a queryset filter for lists) and `can_read_post` (for one object);
a property test checks that they agree."""

from __future__ import annotations

from django.db.models import Q

from essaim.accounts.access import is_member_of_network
from essaim.communities import access as community_access
from essaim.communities.models import Visibility
from essaim.core.errors import Forbidden, NotFound

from .models import Comment, Post


def readable_place_q(viewer, prefix: str = "") -> Q:
    """The places (a community, or none: All company and profiles) whose content the viewer may
    read, as a Q over anything with a `community` relation (after `prefix`)."""
    if not is_member_of_network(viewer):
        return Q(pk__in=[])
    return (Q(**{f"{prefix}community__isnull": True})
            | Q(**{f"{prefix}community__visibility": Visibility.OPEN})
            | Q(**{f"{prefix}community_id__in": community_access.member_community_ids(viewer)}))


def readable_post_q(viewer, prefix: str = "") -> Q:
    """The posts the viewer may read, as a Q over a post (prefix "") or over a relation to one
    (prefix "post__": a join, e.g. from a search entry). The one definition behind both."""
    if not is_member_of_network(viewer):
        return Q(pk__in=[])
    return Q(**{f"{prefix}network_id": viewer.network_id, f"{prefix}deleted_at__isnull": True}) & readable_place_q(
        viewer, prefix)


def posts_visible_to(qs, viewer):
    if not is_member_of_network(viewer):
        return qs.none()
    return qs.filter(readable_post_q(viewer))


def can_read_post(viewer, post) -> bool:
    if not is_member_of_network(viewer) or post.network_id != viewer.network_id or post.deleted_at is not None:
        return False
    if post.community_id is None:
        return True
    return community_access.can_read_content(viewer, post.community)


def access_post(viewer, post_id) -> Post:
    if not is_member_of_network(viewer):
        raise NotFound()
    try:
        post = Post.objects.select_related("author", "community", "profile_user").get(
            pk=int(post_id), network_id=viewer.network_id
        )
    except (Post.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if not can_read_post(viewer, post):
        raise NotFound()
    return post


def readable_by_authors(network_id: int, pairs: list[tuple]) -> dict[int, Post]:
    """The posts of (person, post id) pairs, checked in bulk: each must exist in the network, not be
    deleted, and be readable by its person (who may then comment on it or react to it). One
    query per 5,000 posts, then one for their communities (each loaded once). The posts hold
    what the check and the bulk actions use: id, network, community, author, kind, deletion.
    Raises Forbidden (nothing is written) when one is not."""
    from essaim.communities.models import Community
    from essaim.core.bulk import among, chunks

    posts: dict[int, Post] = {}
    for part in chunks(sorted({post_id for _who, post_id in pairs}), 5000):
        posts.update((post.id, post) for post in Post.objects.filter(
            network_id=network_id, id__in=among(part, Post), deleted_at__isnull=True).only(
            "id", "network_id", "community_id", "author_id", "kind", "deleted_at"))
    places: dict[int, Community] = {}
    for part in chunks(sorted({p.community_id for p in posts.values() if p.community_id}), 5000):
        places.update((c.id, c) for c in Community.objects.filter(id__in=among(part, Community)))
    for post in posts.values():
        if post.community_id:
            post.community = places[post.community_id]
    community_access.preload_roles({who for who, post_id in pairs if post_id in posts})
    for who, post_id in pairs:
        post = posts.get(post_id)
        if post is None or who.network_id != network_id or not can_read_post(who, post):
            raise Forbidden()
    return posts


def access_comment(viewer, comment_id) -> Comment:
    if not is_member_of_network(viewer):
        raise NotFound()
    try:
        comment = Comment.objects.select_related("post", "post__community", "author").get(
            pk=int(comment_id), network_id=viewer.network_id, deleted_at__isnull=True
        )
    except (Comment.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if not can_read_post(viewer, comment.post):
        raise NotFound()
    return comment


def can_post_to_all_company(viewer) -> bool:
    return is_member_of_network(viewer) and (viewer.is_admin or not viewer.network.all_company_announcements_only)


def can_announce(viewer, community) -> bool:
    """Announcements: administrators network-wide, community owners in their community."""
    if community is None:
        return viewer.is_admin
    return community_access.is_owner(viewer, community) or (
        viewer.is_admin and community_access.can_post_in(viewer, community)
    )


def can_moderate_post(viewer, post) -> bool:
    if getattr(viewer, "network_id", None) != post.network_id:  # tenancy first, for callers without access_post
        return False
    if post.community_id is not None:
        return community_access.can_moderate_content(viewer, post.community)
    return viewer.is_admin or post.profile_user_id == viewer.id


def can_edit_post(viewer, post) -> bool:
    return post.author_id == viewer.id


def can_delete_post(viewer, post) -> bool:
    return post.author_id == viewer.id or can_moderate_post(viewer, post)


def can_see_versions(viewer, post) -> bool:
    return can_edit_post(viewer, post) or can_moderate_post(viewer, post)


def can_edit_comment(viewer, comment) -> bool:
    return comment.author_id == viewer.id


def can_delete_comment(viewer, comment) -> bool:
    return comment.author_id == viewer.id or can_moderate_post(viewer, comment.post)


def can_pin(viewer, post) -> bool:
    return getattr(viewer, "network_id", None) == post.network_id and can_announce(viewer, post.community)


def post_audience(post_id, user_ids, *, deleted_too: bool = False) -> set[int]:
    """Who among `user_ids` may read the post, by `can_read_post` itself (batched: two queries).
    With `deleted_too`, as if it were not deleted: who must be told that it went away."""
    post = Post.objects.select_related("community").filter(pk=post_id).first()
    if post is None:
        return set()
    if deleted_too:
        post.deleted_at = None
    users = community_access.audience_candidates(post.network_id, user_ids)
    community_access.preload_roles(users, [post.community_id])
    return {u.id for u in users if can_read_post(u, post)}

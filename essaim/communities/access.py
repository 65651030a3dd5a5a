"""Every rule about who sees and does what in a community.

Tenancy first, then membership. Open and private communities are listed to everyone in the
network; secret ones only to their members. Content (posts, comments, members) of private and
secret communities is for members only. Administrators get no special view inside private or
secret communities they have not joined.
"""

from __future__ import annotations

from django.db.models import Q

from essaim.accounts.access import is_member_of_network
from essaim.core.errors import Forbidden, NotFound
from essaim.core.prepared import Prepared

from .models import Community, Membership, Role, Visibility


_roles_version = 0  # bumped on every membership change made by this process


def roles_of(viewer) -> dict[int, str]:
    """community id -> role, loaded once per user object (one query) and reloaded after any
    membership change this process makes. User objects live for one request."""
    if not is_member_of_network(viewer):
        return {}
    cached = getattr(viewer, "_community_roles", None)
    if cached is None or cached[0] != _roles_version:
        cached = (_roles_version, dict(_roles.rows(user=viewer.id)))
        viewer._community_roles = cached
    return cached[1]


_roles = Prepared(lambda user: Membership.objects.filter(user_id=user).values_list("community_id", "role"))


def forget_roles(user=None) -> None:
    global _roles_version
    _roles_version += 1


def role_in(viewer, community) -> str | None:
    return roles_of(viewer).get(community.id)


def member_community_ids(viewer):
    """A subquery of the viewer's community ids (no extra round trip)."""
    return Membership.objects.filter(user_id=viewer.id).values("community_id")


def communities_visible_to(qs, viewer):
    if not is_member_of_network(viewer):
        return qs.none()
    return qs.filter(network_id=viewer.network_id).filter(
        ~Q(visibility=Visibility.SECRET) | Q(id__in=member_community_ids(viewer))
    )


def communities_readable_by(qs, viewer):
    """The communities whose content the viewer may read (can_read_content, as a filter): open
    ones and the viewer's own."""
    if not is_member_of_network(viewer):
        return qs.none()
    return qs.filter(network_id=viewer.network_id).filter(Q(visibility=Visibility.OPEN)
                                                          | Q(id__in=member_community_ids(viewer)))


def can_see_community(viewer, community) -> bool:
    return (
        is_member_of_network(viewer)
        and community.network_id == viewer.network_id
        and (community.visibility != Visibility.SECRET or role_in(viewer, community) is not None)
    )


def can_read_content(viewer, community) -> bool:
    return can_see_community(viewer, community) and (
        community.visibility == Visibility.OPEN or role_in(viewer, community) is not None
    )


def access_community(viewer, community_id) -> Community:
    if not is_member_of_network(viewer):
        raise NotFound()
    try:
        community = Community.objects.get(pk=int(community_id), network_id=viewer.network_id)
    except (Community.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if not can_see_community(viewer, community):
        raise NotFound()
    return community


def access_community_by_slug(viewer, slug: str) -> Community:
    if not is_member_of_network(viewer):
        raise NotFound()
    community = Community.objects.filter(network_id=viewer.network_id, slug=str(slug).lower()).first()
    if community is None or not can_see_community(viewer, community):
        raise NotFound()
    return community


def access_community_content(viewer, community_id) -> Community:
    """The community, if the viewer may read its posts and members."""
    community = access_community(viewer, community_id)
    if not can_read_content(viewer, community):
        raise NotFound()
    return community


def is_moderator(viewer, community) -> bool:
    return role_in(viewer, community) in (Role.OWNER, Role.MODERATOR)


def is_owner(viewer, community) -> bool:
    return role_in(viewer, community) == Role.OWNER


def can_post_in(viewer, community) -> bool:
    return role_in(viewer, community) is not None


def can_moderate_content(viewer, community) -> bool:
    """Delete others' posts and comments: community moderators, and administrators where they can read."""
    return is_moderator(viewer, community) or (viewer.is_admin and can_read_content(viewer, community))


def require_manage_members(viewer, community) -> None:
    if not is_moderator(viewer, community):
        raise Forbidden()


def require_owner(viewer, community) -> None:
    if not is_owner(viewer, community):
        raise Forbidden()


def can_create_community(viewer) -> bool:
    return is_member_of_network(viewer) and (viewer.is_admin or not viewer.network.restrict_community_creation)


def access_join_request(viewer, community, request_id):
    from .models import JoinRequest

    require_manage_members(viewer, community)
    try:
        return JoinRequest.objects.select_related("user").get(pk=int(request_id), community=community)
    except (JoinRequest.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def audience_candidates(network_id: int, user_ids):
    """The active people of the network among `user_ids`, ready for the predicates above (one
    query): the live stream asks, per event, which of the people connected may receive it."""
    from essaim.accounts.models import User

    return list(User.objects.filter(id__in=list(user_ids)[:100_000], network_id=network_id, is_active=True)
                .select_related("network"))


def preload_roles(users, community_ids=None) -> None:
    """Load the roles of `users` in one query per 5,000 of them. With `community_ids`, in those
    communities only: the user objects must then be used for questions about those communities
    alone (as the audience functions do). Without, all their roles (bulk actions), for the users
    whose roles are not loaded yet."""
    from essaim.core.bulk import among, chunks

    if community_ids is None:
        users = [u for u in users
                 if is_member_of_network(u) and getattr(u, "_community_roles", (None,))[0] != _roles_version]
        wanted = None
    else:
        wanted = [c for c in community_ids if c is not None]
    roles: dict[int, dict[int, str]] = {u.id: {} for u in users}
    if users and wanted != []:
        for part in chunks(sorted(roles), 5000):
            rows = Membership.objects.filter(user_id__in=among(part, Membership))
            if wanted is not None:
                rows = rows.filter(community_id__in=wanted)
            for user_id, community_id, role in rows.values_list("user_id", "community_id", "role"):
                roles[user_id][community_id] = role
    for user in users:
        user._community_roles = (_roles_version, roles[user.id])


def community_audience(community_id, user_ids) -> set[int]:
    """Who among `user_ids` may see the community (same predicate as its page)."""
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        return set()
    users = audience_candidates(community.network_id, user_ids)
    preload_roles(users, [community.id])
    return {u.id for u in users if can_see_community(u, community)}

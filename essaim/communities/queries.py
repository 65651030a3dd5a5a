"""Read paths about communities, shared by the pages and the API."""

from __future__ import annotations

from essaim.core.pagination import Page, paginate, paginate_by_name
from essaim.core.text import fold

from . import access
from .models import Community, JoinRequest, Membership

MAX_QUERY = 200


def community_directory(viewer, *, q: str = "", mine: bool = False, cursor: str | None = None,
                        limit: int | None = None) -> Page:
    """Communities the viewer may see (only theirs with mine), by name then id."""
    qs = Community.objects.visible_to(viewer)
    q = (q or "").strip()[:MAX_QUERY]
    if q:
        qs = qs.filter(sort_name__contains=fold(q))
    if mine:
        qs = qs.filter(id__in=access.member_community_ids(viewer))
    page = paginate_by_name(qs, cursor=cursor, limit=limit, field="sort_name")
    with_viewer_state(page.items, viewer)
    return page


def with_viewer_state(communities: list[Community], viewer) -> list[Community]:
    """Attach my_role and my_request ("pending" or None) for the viewer (two queries at most)."""
    if not communities:
        return communities
    pending = set(JoinRequest.objects.filter(user_id=viewer.id, status=JoinRequest.Status.PENDING,
                                             community_id__in=[c.id for c in communities])
                  .values_list("community_id", flat=True))
    for community in communities:
        community.my_role = access.role_in(viewer, community)
        community.my_request = JoinRequest.Status.PENDING.value if community.id in pending else None
    return communities


def members_of(community: Community, *, cursor: str | None = None, limit: int | None = None) -> Page:
    """Memberships in the order people joined, with the person."""
    qs = (Membership.objects.filter(community=community, user__is_active=True)
          .select_related("user"))
    return paginate(qs, cursor=cursor, limit=limit, ascending=True)


def pending_requests(community: Community, *, cursor: str | None = None, limit: int | None = None) -> Page:
    """Requests waiting for a decision, oldest first."""
    qs = (JoinRequest.objects.filter(community=community, status=JoinRequest.Status.PENDING)
          .select_related("user"))
    return paginate(qs, cursor=cursor, limit=limit, ascending=True)

"""What the post composer needs to render, for any page that shows one (home, All company,
community, profile). Pass the result to `{% include "_composer.html" with composer=... %}`."""

from __future__ import annotations

from dataclasses import dataclass, field

from essaim.communities.models import Community, Membership, Role

from . import access

MAX_TARGETS = 200  # communities listed in the target select


@dataclass
class Composer:
    next: str
    body: str = ""
    error: str = ""
    all_company: bool = False             # "All company" is offered as a target
    communities: list = field(default_factory=list)  # where the viewer may post, by name
    community: Community | None = None    # fixed target (a community page)
    profile_user: object | None = None    # fixed target (someone's profile)
    selected_community_id: int | None = None
    can_announce: bool = False
    announcement: bool = False

    @property
    def available(self) -> bool:
        return bool(self.community or self.profile_user or self.all_company or self.communities)


def composer_for(viewer, *, next: str, community: Community | None = None, profile_user=None, body: str = "",
                 error: str = "", selected_community_id: int | None = None, announcement: bool = False) -> Composer:
    """The composer for `viewer`: a free target select (feeds), or fixed to a community or profile."""
    composer = Composer(next=next, body=body, error=error, community=community, profile_user=profile_user,
                        selected_community_id=selected_community_id, announcement=announcement)
    if community is not None:
        composer.can_announce = access.can_announce(viewer, community)
        return composer
    if profile_user is not None:
        return composer
    composer.all_company = access.can_post_to_all_company(viewer)
    rows = (Membership.objects.filter(user_id=viewer.id, network_id=viewer.network_id)
            .select_related("community").order_by("community__name", "community_id")[:MAX_TARGETS])
    composer.communities = [m.community for m in rows]
    owns_one = any(m.role == Role.OWNER for m in rows)
    composer.can_announce = access.can_announce(viewer, None) or owns_one
    return composer

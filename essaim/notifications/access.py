"""A notification is for its recipient only, and only while its object stays visible."""

from __future__ import annotations

from django.db.models import Q

from essaim.accounts.access import is_member_of_network
from essaim.communities import access as community_access
from essaim.communities.models import Community
from essaim.core.errors import Forbidden, NotFound
from essaim.messaging.access import current_participations
from essaim.stream.access import readable_post_q


def notifications_visible_to(qs, viewer):
    if not is_member_of_network(viewer):
        return qs.none()
    # The post is checked through the notification's own row (a join), not by listing every post
    # the viewer may read: PostgreSQL would hash them all for each count (200 ms at 200,000 posts).
    return qs.filter(recipient_id=viewer.id, network_id=viewer.network_id).filter(
        Q(post__isnull=True) | readable_post_q(viewer, "post__")
    ).filter(
        Q(community__isnull=True) | Q(community__in=Community.objects.visible_to(viewer).values("id"))
    ).filter(
        Q(message__isnull=True) | Q(message__conversation_id__in=current_participations(viewer))
    )


def access_unsubscribe_token(token: str):
    """(person, kind) named by an unsubscribe token this instance signed; NotFound for anything
    else. The token is the proof: no session is needed."""
    from essaim.accounts.models import User

    from .emails import read_unsubscribe_token

    found = read_unsubscribe_token(token)
    user = User.objects.select_related("network").filter(pk=found[0]).first() if found else None
    if user is None:
        raise NotFound()
    return user, found[1]


def access_community_for_level(viewer, community_id) -> Community:
    """A community whose notification level the viewer may set: one they can see (else NotFound,
    as for a missing one) and belong to (else Forbidden)."""
    from django.utils.translation import gettext as _

    community = community_access.access_community(viewer, community_id)
    if community_access.role_in(viewer, community) is None:
        raise Forbidden(_("Join the community to choose what you hear from it."), code="not_member")
    return community

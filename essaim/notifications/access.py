"""A notification is for its recipient only, and only while its object stays visible."""

from __future__ import annotations

from django.db.models import Q

from essaim.accounts.access import is_member_of_network
from essaim.communities.models import Community
from essaim.stream.models import Post


def notifications_visible_to(qs, viewer):
    if not is_member_of_network(viewer):
        return qs.none()
    return qs.filter(recipient_id=viewer.id, network_id=viewer.network_id).filter(
        Q(post__isnull=True) | Q(post__in=Post.objects.visible_to(viewer).values("id"))
    ).filter(
        Q(community__isnull=True) | Q(community__in=Community.objects.visible_to(viewer).values("id"))
    )

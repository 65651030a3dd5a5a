from __future__ import annotations

from essaim.core.pagination import Page, paginate

from .access import notifications_visible_to
from .models import Notification


def notifications_for(viewer, *, cursor=None, limit=None, unread_only: bool = False) -> Page:
    qs = notifications_visible_to(Notification.objects.all(), viewer).select_related(
        "actor", "post", "comment", "community")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return paginate(qs, cursor=cursor, limit=limit)


def unread_count(viewer) -> int:
    return notifications_visible_to(Notification.objects.filter(read_at__isnull=True), viewer)[:100].count()

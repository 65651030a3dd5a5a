from __future__ import annotations

from django.utils.translation import gettext as _

from essaim.core.pagination import Page, paginate

from .access import notifications_visible_to
from .models import Kind, Notification


def notifications_for(viewer, *, cursor=None, limit=None, unread_only: bool = False) -> Page:
    qs = notifications_visible_to(Notification.objects.all(), viewer).select_related(
        "actor", "post", "comment", "community")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return paginate(qs, cursor=cursor, limit=limit)


def unread_count(viewer) -> int:
    return notifications_visible_to(Notification.objects.filter(read_at__isnull=True), viewer)[:100].count()


def describe(notification: Notification) -> str:
    """One short sentence in the active language, e.g. "Alice Martin commented on your post"."""
    actor = notification.actor.display_name if notification.actor_id else _("Someone")
    community = notification.community.name if notification.community_id else ""
    kind = notification.kind
    if kind == Kind.MENTION and notification.comment_id:
        return _("%(actor)s mentioned you in a comment") % {"actor": actor}
    if kind == Kind.MENTION:
        return _("%(actor)s mentioned you in a post") % {"actor": actor}
    if kind == Kind.COMMENT:
        return _("%(actor)s commented on your post") % {"actor": actor}
    if kind == Kind.REPLY:
        return _("%(actor)s replied to your comment") % {"actor": actor}
    if kind == Kind.REACTION:
        return _("%(actor)s reacted to your post") % {"actor": actor}
    if kind == Kind.JOIN_REQUEST:
        return _("%(actor)s asked to join %(community)s") % {"actor": actor, "community": community}
    if kind == Kind.INVITATION:
        return _("%(actor)s added you to %(community)s") % {"actor": actor, "community": community}
    if kind == Kind.REQUEST_APPROVED:
        return _("%(actor)s approved your request to join %(community)s") % {"actor": actor, "community": community}
    return str(Kind(kind).label) if kind in Kind.values else actor

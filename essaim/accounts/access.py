"""Who may see whom. People are visible to everyone signed in to the same network."""

from __future__ import annotations

from essaim.core.errors import Forbidden, NotFound


def is_member_of_network(viewer) -> bool:
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_active)


def users_visible_to(qs, viewer):
    if not is_member_of_network(viewer):
        return qs.none()
    return qs.filter(network_id=viewer.network_id, is_active=True)


def access_user(viewer, user_id, *, include_inactive: bool = True):
    """The person, if the viewer may see their profile; deactivated people keep a profile page
    (their past contributions stay attributed) but are not listed in the directory."""
    from .models import User

    if not is_member_of_network(viewer):
        raise NotFound()
    try:
        user = User.objects.select_related("organization").get(pk=int(user_id), network_id=viewer.network_id)
    except (User.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if not user.is_active and not include_inactive:
        raise NotFound()
    return user


def can_see_email(viewer, user) -> bool:
    return viewer.network_id == user.network_id and viewer.is_active


def require_admin(viewer) -> None:
    if not is_member_of_network(viewer):
        raise NotFound()
    if not viewer.is_admin:
        raise Forbidden()


def can_edit_profile(viewer, user) -> bool:
    return viewer.network_id == user.network_id and (viewer.id == user.id or viewer.is_admin)

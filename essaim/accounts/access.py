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


def access_own_token(viewer, token_id):
    """One of the viewer's own API tokens (administrators: any token of their network)."""
    from .models import ApiToken

    if not is_member_of_network(viewer):
        raise NotFound()
    qs = ApiToken.objects.filter(network_id=viewer.network_id)
    if not viewer.is_admin:
        qs = qs.filter(user_id=viewer.id)
    try:
        return qs.get(pk=int(token_id))
    except (ApiToken.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


def user_for_reset_link(network, uidb64: str, token: str):
    """The active person a password reset link is for, if the link is still valid; else None."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_decode

    from .models import User

    try:
        user_id = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=user_id, network=network, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user

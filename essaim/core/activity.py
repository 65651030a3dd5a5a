"""The activity log: who did what to which object, in which community, when."""

from __future__ import annotations

from .models import Activity

Verb = Activity.Verb
Object = Activity.Object


def record(*, network_id: int, user_id: int | None, verb: int, object_type: int, object_id: int,
           community_id: int | None = None) -> None:
    """Insert one row. Called inside the writing transaction for contributions, and once per
    page view for views (a single small insert, no read)."""
    Activity.objects.create(
        network_id=network_id, user_id=user_id, verb=verb, object_type=object_type,
        object_id=object_id, community_id=community_id,
    )


def record_view(user, object_type: int, object_id: int, community_id: int | None = None) -> None:
    record(network_id=user.network_id, user_id=user.id, verb=Verb.VIEW, object_type=object_type,
           object_id=object_id, community_id=community_id)

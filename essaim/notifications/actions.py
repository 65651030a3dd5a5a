"""Creating and reading in-app notifications. Rows are written in the caller's transaction (they
are the durable record); the live push goes out after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from essaim.core.events import emit_on_commit

from . import events
from .models import Notification

MAX_RECIPIENTS = 1000


def notify(recipient_ids: Iterable[int], *, kind: str, actor, network_id: int, post=None, comment=None,
           community=None, message=None) -> list[Notification]:
    ids = []
    for rid in recipient_ids:
        if rid is not None and (actor is None or rid != actor.id) and rid not in ids:
            ids.append(rid)
    ids = ids[:MAX_RECIPIENTS]
    if not ids:
        return []
    rows = Notification.objects.bulk_create([
        Notification(network_id=network_id, recipient_id=rid, kind=kind, actor=actor, post=post,
                     comment=comment, community=community, message=message)
        for rid in ids
    ])
    for row in rows:
        emit_on_commit(events.NOTIFICATION_CREATED, network_id=network_id, recipients=[row.recipient_id],
                       data={"kind": kind, "post_id": str(post.id) if post else None})
    return rows


@transaction.atomic
def do_mark_read(user, *, ids: list[int] | None = None, all: bool = False) -> int:
    qs = Notification.objects.filter(recipient_id=user.id, network_id=user.network_id, read_at__isnull=True)
    if not all:
        qs = qs.filter(id__in=[int(i) for i in (ids or [])][:1000])
    count = qs.update(read_at=timezone.now())
    if count:
        emit_on_commit(events.NOTIFICATIONS_READ, network_id=user.network_id, recipients=[user.id],
                       data={"count": count})
    return count

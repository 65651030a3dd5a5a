"""Keyset (cursor) pagination over (created_at, id), newest first, optionally pinned first."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .errors import InvalidInput

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


@dataclass
class Page:
    items: list
    next_cursor: str | None


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(_("limit must be between 1 and %(max)d.") % {"max": MAX_LIMIT}, code="invalid_limit")
    return limit


def encode_cursor(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        return values
    except (ValueError, TypeError):
        raise InvalidInput(_("The cursor is not valid."), code="invalid_cursor") from None


def paginate(qs: QuerySet, *, cursor: str | None, limit: int | None, time_field: str = "created_at",
             pinned_field: str | None = None, ascending: bool = False) -> Page:
    """Newest first by (time_field, id) (oldest first with ascending); with pinned_field, pinned
    rows come first."""
    limit = clamp_limit(limit)
    order = [f"{time_field}", "id"] if ascending else [f"-{time_field}", "-id"]
    if pinned_field:
        order.insert(0, f"-{pinned_field}")
    qs = qs.order_by(*order)
    if cursor:
        if pinned_field:
            pinned, stamp, last_id = decode_cursor(cursor, 3)
        else:
            stamp, last_id = decode_cursor(cursor, 2)
            pinned = None
        try:
            when = datetime.fromisoformat(stamp)
            last_id = int(last_id)
        except (TypeError, ValueError):
            raise InvalidInput(_("The cursor is not valid."), code="invalid_cursor") from None
        op = "gt" if ascending else "lt"
        older = Q(**{f"{time_field}__{op}": when}) | Q(**{time_field: when, f"id__{op}": last_id})
        if pinned_field:
            if pinned:
                older = Q(**{pinned_field: False}) | (Q(**{pinned_field: True}) & older)
            else:
                older = Q(**{pinned_field: False}) & older
        qs = qs.filter(older)
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        values = [getattr(last, time_field).isoformat(), last.id]
        if pinned_field:
            values.insert(0, bool(getattr(last, pinned_field)))
        next_cursor = encode_cursor(values)
    return Page(items=rows, next_cursor=next_cursor)


def paginate_by_name(qs: QuerySet, *, cursor: str | None, limit: int | None, field: str = "name") -> Page:
    """Alphabetical keyset pages over (field, id), for directories of people and communities."""
    limit = clamp_limit(limit)
    qs = qs.order_by(field, "id")
    if cursor:
        name, last_id = decode_cursor(cursor, 2)
        if not isinstance(name, str) or not isinstance(last_id, int) or isinstance(last_id, bool):
            raise InvalidInput(_("The cursor is not valid."), code="invalid_cursor")
        qs = qs.filter(Q(**{f"{field}__gt": name}) | Q(**{field: name, "id__gt": last_id}))
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([getattr(rows[-1], field), rows[-1].id])
    return Page(items=rows, next_cursor=next_cursor)

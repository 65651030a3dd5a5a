"""In-app notifications: the list, the unread count, marking read."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool

from essaim.core.api import InSchema
from essaim.core.errors import InvalidInput
from essaim.core.schemas import CommunityRef, Id, Identified, PageQuery, Paged, PersonRef, paged, responses, str_id

from . import actions, queries

router = Router(tags=["notifications"])

MAX_IDS = 1000


class NotificationOut(Identified):
    kind: str = Field(description="mention, comment, reply, reaction, join_request, invitation or request_approved")
    actor: PersonRef | None
    post_id: str | None
    comment_id: str | None
    community: CommunityRef | None
    text: str = Field(description="A short sentence in the viewer's language")
    created_at: datetime
    read: bool

    @staticmethod
    def resolve_post_id(obj) -> str | None:
        return str_id(obj.post_id)

    @staticmethod
    def resolve_comment_id(obj) -> str | None:
        return str_id(obj.comment_id)

    @staticmethod
    def resolve_text(obj) -> str:
        return queries.describe(obj)

    @staticmethod
    def resolve_read(obj) -> bool:
        return obj.read_at is not None


class NotificationQuery(PageQuery):
    unread: bool = Field(False, description="Only unread notifications")


class ReadIn(InSchema):
    ids: list[Id] | None = Field(None, max_length=MAX_IDS, description="Mark these notifications read")
    all: StrictBool = Field(False, description="Mark every notification read")


class MarkedOut(Schema):
    marked: int


class CountOut(Schema):
    count: int


def _number(value) -> int:
    text = str(value)
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()) or len(text) > 19:
        raise InvalidInput(_("Notification ids are numbers."), code="invalid_ids")
    return int(text)


@router.get("/notifications", response=responses(200, Paged[NotificationOut]), summary="My notifications, newest first")
def list_notifications(request, query: Query[NotificationQuery]):
    return paged(queries.notifications_for(request.auth, cursor=query.cursor, limit=query.limit,
                                           unread_only=query.unread))


@router.post("/notifications/read", response=responses(200, MarkedOut),
             summary="Mark notifications read: {ids: [...]} or {all: true}")
def mark_read(request, payload: ReadIn):
    if payload.all:
        return {"marked": actions.do_mark_read(request.auth, all=True)}
    if payload.ids is None:
        raise InvalidInput(_('Send {"ids": [...]} or {"all": true}.'), code="nothing_to_mark")
    return {"marked": actions.do_mark_read(request.auth, ids=[_number(i) for i in payload.ids])}


@router.get("/notifications/unread_count", response=responses(200, CountOut), summary="How many unread notifications")
def unread_count(request):
    return {"count": queries.unread_count(request.auth)}

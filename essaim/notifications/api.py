"""In-app notifications: the list, the unread count, marking read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool

from essaim.core.api import InSchema
from essaim.core.errors import InvalidInput
from essaim.core.schemas import (
    CommunityRef, Id, Identified, PageQuery, Paged, PersonRef, paged, parse_id, responses, str_id,
)
from essaim.stream.access import access_post

from . import actions, queries
from .access import access_community_for_level

router = Router(tags=["notifications"])

MAX_IDS = 1000


class NotificationOut(Identified):
    kind: str = Field(description="mention, comment, reply, reaction, join_request, invitation, request_approved, "
                                   "message, community_post, answer, answer_accepted or question_routed")
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


class CountersOut(Schema):
    notifications: int = Field(description="Unread notifications (at most 100)")
    messages: int = Field(description="Conversations with unread messages")


def unread_conversations(user) -> int:
    try:  # the direct-messages app may not be installed in this version
        from essaim.messaging.queries import unread_conversations_count
    except ImportError:
        return 0
    return unread_conversations_count(user)


@router.get("/me/counters", response=responses(200, CountersOut),
            summary="The header's counters: unread notifications and conversations")
def counters(request):
    return {"notifications": queries.unread_count(request.auth), "messages": unread_conversations(request.auth)}


# --- notification settings, community levels, muted threads ------------------------------------------

class NotificationSettingsOut(Schema):
    channels: dict[str, str] = Field(description="For each kind: app, email, digest or off")
    email_delay_minutes: int = Field(description="How long an e-mail waits for you to read the notification first")
    digest: str = Field(description="daily, weekly or never")


class NotificationSettingsIn(InSchema):
    channels: dict[str, Any] | None = Field(None, description="Only the kinds to change: {kind: channel}")
    email_delay_minutes: Any = Field(None, description="0 (at once) to 1440")
    digest: Any = Field(None, description="daily, weekly or never")


class LevelIn(InSchema):
    level: Any = Field(description="all, mentions or nothing")


class LevelOut(Schema):
    community_id: str
    level: str


class MuteOut(Schema):
    post_id: str
    muted: bool


def _settings_out(prefs) -> dict:
    return {"channels": prefs.channels, "email_delay_minutes": prefs.email_delay_minutes, "digest": prefs.digest}


@router.get("/me/notification-settings", response=responses(200, NotificationSettingsOut),
            summary="How my notifications reach me")
def get_notification_settings(request):
    return _settings_out(queries.preferences_of(request.auth))


@router.put("/me/notification-settings", response=responses(200, NotificationSettingsOut),
            summary="Change how my notifications reach me (fields left out stay as they are)")
def put_notification_settings(request, payload: NotificationSettingsIn):
    return _settings_out(actions.do_update_notification_settings(
        request.auth, channels=payload.channels, email_delay_minutes=payload.email_delay_minutes,
        digest=payload.digest, acting_user=request.auth))


@router.put("/communities/{community_id}/notification-level", response=responses(200, LevelOut),
            summary="What I hear from a community I belong to: all, mentions or nothing")
def put_community_level(request, community_id: str, payload: LevelIn):
    community = access_community_for_level(request.auth, parse_id(community_id))
    level = actions.do_set_community_level(request.auth, community, payload.level, acting_user=request.auth)
    return {"community_id": str(community.id), "level": level}


@router.post("/posts/{post_id}/mute", response=responses(200, MuteOut),
             summary="Mute a thread: no comment, reply or reaction notifications about it (mentions still come)")
def mute_post(request, post_id: str):
    post = access_post(request.auth, parse_id(post_id))
    actions.do_mute_thread(request.auth, post, True, acting_user=request.auth)
    return {"post_id": str(post.id), "muted": True}


@router.delete("/posts/{post_id}/mute", response=responses(200, MuteOut), summary="Unmute a thread")
def unmute_post(request, post_id: str):
    post = access_post(request.auth, parse_id(post_id))
    actions.do_mute_thread(request.auth, post, False, acting_user=request.auth)
    return {"post_id": str(post.id), "muted": False}

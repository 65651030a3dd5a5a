"""Direct messages: conversations, their messages, reading, leaving, muting, adding people.

Only current participants see a conversation: for anyone else (administrators included) every
route answers 404, the same as for a conversation that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StrictBool, StrictStr

from essaim.core.api import InSchema
from essaim.core.schemas import ERRORS, Id, Identified, PageQuery, Paged, PersonRef, paged, parse_id, responses

from . import access, actions, queries
from .models import MAX_PARTICIPANTS, MAX_TITLE

router = Router(tags=["messages"])

MAX_IDS = 1000


class MessageOut(Identified):
    conversation_id: str
    author: PersonRef | None = Field(description="None when the author's account was deleted")
    body: str = Field(description="The Markdown source")
    html: str = Field(description="The body rendered and sanitised")
    created_at: datetime

    @staticmethod
    def resolve_conversation_id(obj) -> str:
        return str(obj.conversation_id)


class ConversationPermissionsOut(Schema):
    leave: bool
    add_participants: bool
    rename: bool


class ConversationOut(Identified):
    title: str = Field(description="A group's title; empty for one-to-one conversations and untitled groups")
    display_title: str = Field(description="The title, else the other participants' names")
    is_group: bool
    participants: list[PersonRef] = Field(description="The current participants, the viewer included")
    last_message: MessageOut | None
    last_message_at: datetime
    created_at: datetime
    unread_count: int = Field(description="Messages by others after the viewer's last read one")
    last_read_message_id: str | None
    muted: bool
    permissions: ConversationPermissionsOut

    @staticmethod
    def resolve_participants(obj) -> list:
        return obj.people

    @staticmethod
    def resolve_last_read_message_id(obj) -> str | None:
        return str(obj.me.last_read_message_id) if obj.me and obj.me.last_read_message_id else None

    @staticmethod
    def resolve_permissions(obj) -> dict:
        return {"leave": obj.is_group, "add_participants": obj.is_group, "rename": obj.is_group}


class ConversationIn(InSchema):
    participant_ids: list[Id] = Field(max_length=MAX_IDS,
                                      description=f"The other people: one for a one-to-one conversation, "
                                                  f"up to {MAX_PARTICIPANTS - 1} for a group")
    title: StrictStr = Field("", description=f"Groups only, at most {MAX_TITLE} characters")


class ConversationPatch(InSchema):
    title: StrictStr = Field(description=f"At most {MAX_TITLE} characters; empty removes it (groups only)")


class MessageIn(InSchema):
    body: StrictStr = Field(description="Markdown, at most 20,000 characters")


class ReadIn(InSchema):
    message_id: Id | None = Field(None, description="Read up to this message (default: the newest)")


class MuteIn(InSchema):
    muted: StrictBool


class ParticipantsIn(InSchema):
    participant_ids: list[Id] = Field(max_length=MAX_IDS)


class LeftOut(Schema):
    status: Literal["left"]


class UnreadOut(Schema):
    count: int = Field(description=f"Conversations with unread messages, muted ones aside (at most "
                                   f"{queries.UNREAD_CAP})")


def _conversation(request, conversation_id: str):
    return access.access_conversation(request.auth, parse_id(conversation_id))


def _out(conversation, viewer):
    queries.decorate([conversation], viewer)
    return conversation


@router.get("/conversations", response=responses(200, Paged[ConversationOut]),
            summary="My conversations, the most recently active first")
def list_conversations(request, query: Query[PageQuery]):
    return paged(queries.conversations_for(request.auth, cursor=query.cursor, limit=query.limit))


@router.post("/conversations", response={200: ConversationOut, 201: ConversationOut, **ERRORS},
             summary="Start a conversation (one other person: the existing one-to-one comes back with 200)")
def start_conversation(request, payload: ConversationIn):
    """One other person gives the one-to-one conversation with them: 201 when it is created, 200 with
    the existing one. Two or more give a new group conversation (201), at most 50 people in all."""
    conversation = actions.do_start_conversation(request.auth, payload.participant_ids, title=payload.title)
    return Status(201 if conversation.is_new else 200, _out(conversation, request.auth))


@router.get("/conversations/unread_count", response=responses(200, UnreadOut),
            summary="How many conversations have unread messages")
def unread_count(request):
    return {"count": queries.unread_conversations_count(request.auth)}


@router.get("/conversations/{conversation_id}", response=responses(200, ConversationOut), summary="A conversation")
def get_conversation(request, conversation_id: str):
    return _out(_conversation(request, conversation_id), request.auth)


@router.patch("/conversations/{conversation_id}", response=responses(200, ConversationOut),
              summary="Rename a group conversation")
def rename_conversation(request, conversation_id: str, payload: ConversationPatch):
    conversation = _conversation(request, conversation_id)
    actions.do_rename_conversation(conversation, payload.title, acting_user=request.auth)
    return _out(conversation, request.auth)


@router.get("/conversations/{conversation_id}/messages", response=responses(200, Paged[MessageOut]),
            summary="A conversation's messages, newest first")
def list_messages(request, conversation_id: str, query: Query[PageQuery]):
    conversation = _conversation(request, conversation_id)
    return paged(queries.messages_for(conversation, cursor=query.cursor, limit=query.limit))


@router.post("/conversations/{conversation_id}/messages", response=responses(201, MessageOut),
             summary="Send a message")
def send_message(request, conversation_id: str, payload: MessageIn):
    conversation = _conversation(request, conversation_id)
    return Status(201, actions.do_send_message(conversation, payload.body, acting_user=request.auth))


@router.post("/conversations/{conversation_id}/read", response=responses(200, ConversationOut),
             summary="Mark the conversation read (up to a message, or all of it)")
def mark_read(request, conversation_id: str, payload: ReadIn):
    conversation = _conversation(request, conversation_id)
    actions.do_mark_conversation_read(conversation, acting_user=request.auth, up_to_message_id=payload.message_id)
    return _out(conversation, request.auth)


@router.post("/conversations/{conversation_id}/leave", response=responses(200, LeftOut),
             summary="Leave a group conversation (a one-to-one cannot be left: 409)")
def leave(request, conversation_id: str):
    conversation = _conversation(request, conversation_id)
    actions.do_leave_conversation(conversation, acting_user=request.auth)
    return {"status": "left"}


@router.post("/conversations/{conversation_id}/mute", response=responses(200, ConversationOut),
             summary="Mute or unmute: a muted conversation sends no notifications")
def mute(request, conversation_id: str, payload: MuteIn):
    conversation = _conversation(request, conversation_id)
    actions.do_mute_conversation(conversation, payload.muted, acting_user=request.auth)
    return _out(conversation, request.auth)


@router.post("/conversations/{conversation_id}/participants", response=responses(200, ConversationOut),
             summary="Add people to a group conversation (any participant may)")
def add_participants(request, conversation_id: str, payload: ParticipantsIn):
    conversation = _conversation(request, conversation_id)
    actions.do_add_participants(conversation, payload.participant_ids, acting_user=request.auth)
    return _out(conversation, request.auth)

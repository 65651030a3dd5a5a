"""Who may see and do what with direct messages. One predicate, two forms:
`conversations_visible_to` (a queryset filter for lists) and `can_read_conversation` (for one
object); a property test checks that they agree.

Only the *current* participants of a conversation (active people of its network who have not
left it) see it and its messages. Administrators get no special view: the one other way to read
messages is the operator's `essaim legalhold export`, which leaves an audit line.
"""

from __future__ import annotations

from essaim.accounts.access import is_member_of_network
from essaim.core.errors import NotFound

from .models import Conversation, Participant


def current_participations(viewer):
    """A subquery of the conversation ids the viewer currently takes part in (no extra round trip)."""
    return Participant.objects.filter(user_id=viewer.id, left_at__isnull=True).values("conversation_id")


def conversations_visible_to(qs, viewer):
    if not is_member_of_network(viewer):
        return qs.none()
    return qs.filter(network_id=viewer.network_id, id__in=current_participations(viewer))


def participation(viewer, conversation) -> Participant | None:
    """The viewer's current participant row in the conversation, or None (one query, remembered on
    the conversation object for the rest of the request)."""
    if not is_member_of_network(viewer) or conversation.network_id != viewer.network_id:
        return None
    cache = conversation.__dict__.setdefault("_participations", {})
    if viewer.id not in cache:
        cache[viewer.id] = Participant.objects.filter(conversation_id=conversation.id, user_id=viewer.id,
                                                      left_at__isnull=True).first()
    return cache[viewer.id]


def forget_participation(conversation) -> None:
    """After a change of participants: the next check asks the database again."""
    conversation.__dict__.pop("_participations", None)


def can_read_conversation(viewer, conversation) -> bool:
    return participation(viewer, conversation) is not None


def access_conversation(viewer, conversation_id) -> Conversation:
    """The conversation, if the viewer currently takes part in it; NotFound otherwise, the same for
    a conversation that does not exist. The viewer's participant row is at `conversation.me`."""
    if not is_member_of_network(viewer):
        raise NotFound()
    try:
        conversation = Conversation.objects.get(pk=int(conversation_id), network_id=viewer.network_id)
    except (Conversation.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    me = participation(viewer, conversation)
    if me is None:
        raise NotFound()
    conversation.me = me
    return conversation


def require_participant(viewer, conversation, *, lock: bool = False) -> Participant:
    """For actions handed a conversation object: the viewer's current participant row, asked
    afresh (with `lock`, locked until the end of the transaction). Whoever does not take part in
    the conversation may not know it exists, so they get NotFound."""
    if not is_member_of_network(viewer) or conversation.network_id != viewer.network_id:
        raise NotFound()
    qs = Participant.objects.filter(conversation_id=conversation.id, user_id=viewer.id, left_at__isnull=True)
    me = (qs.select_for_update() if lock else qs).first()
    if me is None:
        raise NotFound()
    return me


def can_add_participants(viewer, conversation) -> bool:
    """Any participant of a group conversation adds people; a one-to-one stays between two."""
    return conversation.is_group and can_read_conversation(viewer, conversation)


def can_rename(viewer, conversation) -> bool:
    return conversation.is_group and can_read_conversation(viewer, conversation)


def can_leave(viewer, conversation) -> bool:
    """Group conversations can be left; a one-to-one cannot (mute it instead)."""
    return conversation.is_group and can_read_conversation(viewer, conversation)

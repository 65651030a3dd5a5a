"""Every write about direct messages: starting a conversation, sending, reading, leaving, muting,
adding people, renaming; and the audit line of a legal-hold export.

Pages, the API, the CLI and reply-by-e-mail all come through here. Whoever does not take part in
a conversation gets NotFound from every function, as if it did not exist.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essaim.accounts.access import is_member_of_network
from essaim.accounts.models import User
from essaim.core.errors import Conflict, Forbidden, InvalidInput
from essaim.core.events import emit_on_commit
from essaim.notifications.actions import do_mark_message_notifications_read, notify
from essaim.notifications.models import Kind
from essaim.stream.actions import _render as render_like_posts
from essaim.stream.actions import clean_body

from . import access, events
from .models import MAX_PARTICIPANTS, MAX_TITLE, Conversation, LegalHoldExport, Message, Participant

log = logging.getLogger("essaim.audit")

MAX_IDS = 1000  # a longer list of ids is refused before anything is looked up


# Input -------------------------------------------------------------------------------------------

def _parse_ids(values) -> tuple[list[int], list[str]]:
    """Distinct person ids in order, and the values that cannot be ids (shown back in the error)."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise InvalidInput(_("Give the people as a list of ids."), code="invalid_participants")
    values = list(values)
    if len(values) > MAX_IDS:
        raise _too_many(len(values))
    ids: list[int] = []
    bad: list[str] = []
    for value in values:
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            number = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None
        if number is None or not 0 < number < 2**63:
            bad.append(str(value)[:40])
        elif number not in ids:
            ids.append(number)
    return ids, bad


def _too_many(count: int) -> InvalidInput:
    return InvalidInput(
        _("A conversation has at most %(max)d participants, you included.") % {"max": MAX_PARTICIPANTS},
        code="too_many_participants", details={"max": MAX_PARTICIPANTS, "count": count})


def _people(acting_user, ids: list[int], bad: list[str]) -> list[User]:
    """The active people of the acting user's network with these ids, in order; InvalidInput naming
    the ids that name nobody there (other networks included) and the people who are deactivated."""
    found = {u.id: u for u in User.objects.filter(id__in=ids, network_id=acting_user.network_id)} if ids else {}
    unknown = bad + [str(i) for i in ids if i not in found]
    if unknown:
        raise InvalidInput(
            ngettext("Nobody in the network has the id %(ids)s.", "Nobody in the network has the ids %(ids)s.",
                     len(unknown)) % {"ids": ", ".join(unknown)},
            code="unknown_participant", details={"ids": unknown})
    inactive = [found[i] for i in ids if not found[i].is_active]
    if inactive:
        raise InvalidInput(
            ngettext("%(names)s is deactivated and cannot receive messages.",
                     "%(names)s are deactivated and cannot receive messages.",
                     len(inactive)) % {"names": ", ".join(u.display_name for u in inactive)},
            code="deactivated_participant", details={"ids": [str(u.id) for u in inactive]})
    return [found[i] for i in ids]


def clean_title(title) -> str:
    if title is None:
        return ""
    if not isinstance(title, str):
        raise InvalidInput(_("The title must be text."), code="invalid_title")
    title = " ".join(title.replace("\x00", "").split())
    if len(title) > MAX_TITLE:
        raise InvalidInput(_("The title is too long (at most %(max)d characters).") % {"max": MAX_TITLE},
                           code="title_too_long", details={"max": MAX_TITLE, "length": len(title)})
    return title


def _current_ids(conversation) -> list[int]:
    """The conversation's current participants who may still sign in."""
    return list(Participant.objects.filter(conversation_id=conversation.id, left_at__isnull=True,
                                           user__is_active=True).values_list("user_id", flat=True))


def _updated(conversation, recipient_ids, change: str, **data) -> None:
    emit_on_commit(events.CONVERSATION_UPDATED, network_id=conversation.network_id, recipients=recipient_ids,
                   data={"conversation_id": str(conversation.id), "change": change, **data})


# Starting ----------------------------------------------------------------------------------------

@transaction.atomic
def do_start_conversation(creator, participant_ids, *, title: str = "") -> Conversation:
    """One other person: their one-to-one conversation with the creator, the existing one if there is
    one. Two or more: a new group conversation (at most MAX_PARTICIPANTS people, creator included).
    The result's `is_new` says whether it was just created."""
    if not is_member_of_network(creator):
        raise Forbidden()
    ids, bad = _parse_ids(participant_ids)
    others = [i for i in ids if i != creator.id]
    if not others and not bad:
        if ids:
            raise InvalidInput(_("You cannot write to yourself alone: add someone else."), code="only_yourself")
        raise InvalidInput(_("Choose at least one person to write to."), code="no_participants")
    if len(others) + 1 > MAX_PARTICIPANTS:
        raise _too_many(len(others) + 1)
    people = _people(creator, others, bad)
    title = clean_title(title)
    if len(people) == 1:
        if title:
            raise InvalidInput(_("Only group conversations have a title."), code="title_for_groups_only")
        return _one_to_one(creator, people[0])
    conversation = Conversation.objects.create(network_id=creator.network_id, title=title, is_group=True,
                                               created_by=creator)
    Participant.objects.bulk_create([Participant(conversation=conversation, user=u) for u in [creator, *people]])
    conversation.is_new = True
    _updated(conversation, [creator.id, *(u.id for u in people)], "created")
    return conversation


def _one_to_one(creator, other) -> Conversation:
    low, high = sorted((creator.id, other.id))
    key = f"{low}:{high}"
    existing = Conversation.objects.filter(network_id=creator.network_id, pair_key=key).first()
    if existing is None:
        try:
            with transaction.atomic():  # a savepoint: losing the race leaves the outer transaction usable
                conversation = Conversation.objects.create(network_id=creator.network_id, pair_key=key,
                                                           is_group=False, created_by=creator)
                Participant.objects.bulk_create([Participant(conversation=conversation, user=creator),
                                                 Participant(conversation=conversation, user=other)])
        except IntegrityError:  # the same pair, started at the same moment by another request
            existing = Conversation.objects.get(network_id=creator.network_id, pair_key=key)
        else:
            conversation.is_new = True
            _updated(conversation, [creator.id, other.id], "created")
            return conversation
    existing.is_new = False
    return existing


# Messages ----------------------------------------------------------------------------------------

@transaction.atomic
def do_send_message(conversation, body, *, acting_user) -> Message:
    """A message from a current participant, Markdown rendered like posts. The other current
    participants who have not muted the conversation get a notification; every current participant
    (the author too, for their other windows) gets the live event."""
    me = access.require_participant(acting_user, conversation)
    body = clean_body(body)
    html = render_like_posts(conversation.network_id, body)[0]
    now = timezone.now()
    message = Message.objects.create(network_id=conversation.network_id, conversation=conversation,
                                     author=acting_user, body=body, html=html, created_at=now)
    Conversation.objects.filter(pk=conversation.pk, last_message_at__lt=now).update(last_message_at=now)
    conversation.last_message_at = max(conversation.last_message_at, now)
    Participant.objects.filter(pk=me.pk, last_read_message_id__lt=message.id).update(
        last_read_message_id=message.id)
    current = list(Participant.objects.filter(conversation_id=conversation.id, left_at__isnull=True,
                                              user__is_active=True).values_list("user_id", "muted"))
    notify([user_id for user_id, muted in current if not muted and user_id != acting_user.id],
           kind=Kind.MESSAGE, actor=acting_user, network_id=conversation.network_id, message=message)
    emit_on_commit(events.MESSAGE_CREATED, network_id=conversation.network_id,
                   recipients=[user_id for user_id, _muted in current] + [acting_user.id],
                   data={"conversation_id": str(conversation.id), "message_id": str(message.id),
                         "author_id": str(acting_user.id)})
    return message


@transaction.atomic
def do_mark_conversation_read(conversation, *, acting_user, up_to_message_id=None) -> int:
    """Read up to a message of the conversation (its newest when None); never moves backwards.
    The matching message notifications are read too. Returns the last read message id."""
    me = access.require_participant(acting_user, conversation)
    messages = Message.objects.filter(conversation_id=conversation.id)
    if up_to_message_id is None:
        target = messages.order_by("-id").values_list("id", flat=True).first() or 0
    else:
        ids, _bad = _parse_ids([up_to_message_id])
        if not ids or not messages.filter(id=ids[0]).exists():
            raise InvalidInput(_("This message is not in the conversation."), code="invalid_message")
        target = ids[0]
    moved = Participant.objects.filter(pk=me.pk, last_read_message_id__lt=target).update(
        last_read_message_id=target)
    if target:
        do_mark_message_notifications_read(acting_user, conversation.id, up_to_message_id=target)
    if moved:
        emit_on_commit(events.CONVERSATION_READ, network_id=conversation.network_id, recipients=[acting_user.id],
                       data={"conversation_id": str(conversation.id), "last_read_message_id": str(target)})
    return max(me.last_read_message_id, target)


# Participants ------------------------------------------------------------------------------------

@transaction.atomic
def do_leave_conversation(conversation, *, acting_user) -> None:
    """Leave a group conversation: from now on it is as if it did not exist for the person."""
    me = access.require_participant(acting_user, conversation, lock=True)
    if not conversation.is_group:
        raise Conflict(_("A one-to-one conversation cannot be left; mute it instead."), code="cannot_leave")
    Participant.objects.filter(pk=me.pk).update(left_at=timezone.now())
    access.forget_participation(conversation)
    do_mark_message_notifications_read(acting_user, conversation.id)
    _updated(conversation, [*_current_ids(conversation), acting_user.id], "left", user_id=str(acting_user.id))


@transaction.atomic
def do_mute_conversation(conversation, muted: bool, *, acting_user) -> bool:
    """Muted: new messages bring no notification (nor count in the header badge); they still show
    as unread in the list. Returns the new state."""
    if not isinstance(muted, bool):
        raise InvalidInput(_("Muted is true or false."), code="invalid_muted")
    me = access.require_participant(acting_user, conversation)
    if me.muted != muted:
        Participant.objects.filter(pk=me.pk).update(muted=muted)
        _updated(conversation, [acting_user.id], "muted", muted=muted)
    return muted


@transaction.atomic
def do_add_participants(conversation, participant_ids, *, acting_user) -> list[User]:
    """Any participant of a group adds active people of the network, up to MAX_PARTICIPANTS in all.
    People already in it are left as they are; people who had left come back. Returns who was added."""
    access.require_participant(acting_user, conversation)
    if not conversation.is_group:
        raise Conflict(_("Nobody can be added to a one-to-one conversation: start a group conversation instead."),
                       code="not_a_group")
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()  # one addition at a time: the cap holds
    ids, bad = _parse_ids(participant_ids)
    if not ids and not bad:
        raise InvalidInput(_("Choose at least one person to add."), code="no_participants")
    current = set(Participant.objects.filter(conversation_id=conversation.id, left_at__isnull=True)
                  .values_list("user_id", flat=True))
    new_ids = [i for i in ids if i not in current]
    if len(current) + len(new_ids) > MAX_PARTICIPANTS:
        raise _too_many(len(current) + len(new_ids))
    people = _people(acting_user, new_ids, bad)
    if not people:
        return []
    now = timezone.now()
    returning = set(Participant.objects.filter(conversation_id=conversation.id, user_id__in=new_ids)
                    .values_list("user_id", flat=True))
    Participant.objects.filter(conversation_id=conversation.id, user_id__in=returning).update(
        left_at=None, joined_at=now)
    Participant.objects.bulk_create([Participant(conversation=conversation, user=u, joined_at=now)
                                     for u in people if u.id not in returning])
    access.forget_participation(conversation)
    _updated(conversation, [*current, *new_ids], "participants_added", user_ids=[str(i) for i in new_ids])
    return people


@transaction.atomic
def do_rename_conversation(conversation, title: str, *, acting_user) -> Conversation:
    """Give a group conversation a title (empty: its participants' names show instead)."""
    access.require_participant(acting_user, conversation)
    if not conversation.is_group:
        raise Conflict(_("Only group conversations have a title."), code="not_a_group")
    title = clean_title(title)
    if title != conversation.title:
        conversation.title = title
        conversation.save(update_fields=["title"])
        _updated(conversation, _current_ids(conversation), "renamed", title=title)
    return conversation


# Legal hold --------------------------------------------------------------------------------------

@transaction.atomic
def do_record_legal_hold_export(subject, *, operator: str, destination: str, conversation_count: int,
                                message_count: int) -> LegalHoldExport:
    """The audit line of a legal-hold export of `subject`'s messages (kept for good)."""
    row = LegalHoldExport.objects.create(network_id=subject.network_id, subject=subject, subject_email=subject.email,
                                         operator=operator[:200], destination=destination[:1000],
                                         conversation_count=conversation_count, message_count=message_count)
    log.warning("legal hold export of %s by %s to %s: %d conversations, %d messages", subject.email, operator,
                destination, conversation_count, message_count)
    return row

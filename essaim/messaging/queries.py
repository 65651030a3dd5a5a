"""Read paths for direct messages, with their prefetching: the conversation list costs the same
number of queries for 1 conversation as for 100, a thread page the same for 1 message as for 100."""

from __future__ import annotations

import re
from collections import defaultdict

from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essaim.accounts.access import is_member_of_network
from essaim.accounts.models import User
from essaim.core.errors import InvalidInput
from essaim.core.pagination import Page, paginate
from essaim.core.text import first_line

from .models import MAX_PARTICIPANTS, Conversation, Message, Participant

UNREAD_CAP = 100  # the header badge counts up to this many conversations


def conversations_for(viewer, *, cursor=None, limit=None) -> Page:
    """The viewer's conversations, the most recently active first."""
    page = paginate(Conversation.objects.visible_to(viewer), cursor=cursor, limit=limit,
                    time_field="last_message_at")
    decorate(page.items, viewer)
    return page


def decorate(conversations: list[Conversation], viewer) -> list[Conversation]:
    """Attach, in three queries whatever their number: `people` (current participants, the viewer
    included), `others`, `me` (the viewer's participant row), `muted`, `last_message` (with its
    author, and its first line as `preview`) and `unread_count` (messages by others after the
    viewer's last read one)."""
    if not conversations:
        return conversations
    ids = [c.id for c in conversations]
    people: dict[int, list] = defaultdict(list)
    mine: dict[int, Participant] = {}
    for p in (Participant.objects.filter(conversation_id__in=ids, left_at__isnull=True).select_related("user")
              .order_by("joined_at", "id")):
        people[p.conversation_id].append(p.user)
        if p.user_id == viewer.id:
            mine[p.conversation_id] = p
    newest = Message.objects.filter(conversation_id__in=ids).values("conversation_id").annotate(
        newest=Max("id")).values("newest")
    last = {m.conversation_id: m for m in Message.objects.filter(id__in=newest).select_related("author")}
    unread = dict(
        Message.objects.filter(conversation_id__in=ids, conversation__participants__user_id=viewer.id,
                               conversation__participants__left_at__isnull=True,
                               id__gt=F("conversation__participants__last_read_message_id"))
        .exclude(author_id=viewer.id)
        .values("conversation_id").annotate(n=Count("id")).values_list("conversation_id", "n"))
    for c in conversations:
        c.people = people.get(c.id, [])
        c.others = [u for u in c.people if u.id != viewer.id]
        c.me = mine.get(c.id)
        c.muted = bool(c.me and c.me.muted)
        c.last_message = last.get(c.id)
        c.preview = first_line(c.last_message.body) if c.last_message else ""
        c.unread_count = unread.get(c.id, 0)
        c.display_title = display_title(c)
    return conversations


def display_title(conversation) -> str:
    """The group's title, else the names of the other participants (decorated conversations)."""
    if conversation.title:
        return conversation.title
    names = [u.display_name for u in conversation.others]
    if not names:
        return _("Only you")
    if len(names) <= 3:
        return ", ".join(names)
    more = len(names) - 3
    return ngettext("%(names)s and %(count)d other", "%(names)s and %(count)d others", more) % {
        "names": ", ".join(names[:3]), "count": more}


def unread_conversations_count(user) -> int:
    """How many conversations have messages by others the user has not read (muted ones aside), up
    to UNREAD_CAP. One query, for the header badge."""
    if not is_member_of_network(user):
        return 0
    newer = Message.objects.filter(conversation_id=OuterRef("conversation_id"),
                                   id__gt=OuterRef("last_read_message_id")).exclude(author_id=user.id)
    return (Participant.objects.filter(user_id=user.id, left_at__isnull=True, muted=False,
                                       conversation__network_id=user.network_id)
            .filter(Exists(newer))[:UNREAD_CAP].count())


def messages_for(conversation, *, cursor=None, limit=None) -> Page:
    """A conversation's messages, newest first, each with its author (one query). The caller has
    checked access (access.access_conversation)."""
    qs = Message.objects.filter(conversation_id=conversation.id, network_id=conversation.network_id)
    return paginate(qs.select_related("author"), cursor=cursor, limit=limit)


_SEPARATORS = re.compile(r"[\s,;]+")


def find_people(viewer, text: str) -> list[User]:
    """The people named in a "To" field: @handles or e-mail addresses separated by spaces or commas,
    looked up in the viewer's network (deactivated people too: the action says why they cannot be
    written to). InvalidInput names whatever matches nobody."""
    names = []
    for token in _SEPARATORS.split(text or ""):
        token = token.strip()
        if token and token.lower() not in names:
            names.append(token.lower())
    if len(names) > MAX_PARTICIPANTS * 2:
        raise InvalidInput(_("A conversation has at most %(max)d participants, you included.")
                           % {"max": MAX_PARTICIPANTS}, code="too_many_participants")
    emails = [n for n in names if "@" in n.lstrip("@")]
    handles = [n.lstrip("@") for n in names if n not in emails]
    query = Q(handle__in=handles) if handles else Q(pk__in=[])
    for email in emails:
        query |= Q(email__iexact=email)
    found = list(User.objects.filter(query, network_id=viewer.network_id)) if names else []
    by_name = {u.handle.lower(): u for u in found} | {u.email.lower(): u for u in found}
    unknown = [n for n in names if (n if n in emails else n.lstrip("@")) not in by_name]
    if unknown:
        raise InvalidInput(
            ngettext("Nobody in the network is called %(names)s.", "Nobody in the network is called %(names)s.",
                     len(unknown)) % {"names": ", ".join(f"“{n}”" for n in unknown)},
            code="unknown_participant", details={"names": unknown})
    people, seen = [], set()
    for n in names:
        person = by_name[n if n in emails else n.lstrip("@")]
        if person.id not in seen:
            seen.add(person.id)
            people.append(person)
    return people


# Legal hold --------------------------------------------------------------------------------------

def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": str(user.id), "email": user.email, "handle": user.handle, "display_name": user.display_name}


def legal_hold_conversations(user):
    """Every conversation the person ever took part in (left or not), with its participants (when
    they joined and left) and every message, oldest first, as plain data. For the operator's
    `essaim legalhold export` only: no page or API route reads messages this way."""
    conversation_ids = list(Participant.objects.filter(user_id=user.id).values_list("conversation_id", flat=True))
    conversations = (Conversation.objects.filter(network_id=user.network_id, id__in=conversation_ids)
                     .select_related("created_by").order_by("created_at", "id"))
    for conversation in conversations:
        participants = (Participant.objects.filter(conversation=conversation).select_related("user")
                        .order_by("joined_at", "id"))
        messages = (Message.objects.filter(conversation=conversation).select_related("author").order_by("id")
                    .iterator(chunk_size=2000))
        yield {
            "id": str(conversation.id),
            "title": conversation.title,
            "is_group": conversation.is_group,
            "created_at": conversation.created_at.isoformat(),
            "created_by": _person(conversation.created_by),
            "participants": [{**_person(p.user), "joined_at": p.joined_at.isoformat(),
                              "left_at": p.left_at.isoformat() if p.left_at else None} for p in participants],
            "messages": [{"id": str(m.id), "author": _person(m.author), "created_at": m.created_at.isoformat(),
                          "body": m.body} for m in messages],
        }

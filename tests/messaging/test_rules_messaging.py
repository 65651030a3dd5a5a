"""The rules of direct messages below the pages and the API: notifications, events after commit,
the access predicate in its two forms (a property test), query counts, and the race of two people
starting the same one-to-one conversation at once (PostgreSQL)."""

from __future__ import annotations


import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_helpers import at_once, needs_postgres

from essaim.accounts import actions as accounts
from essaim.accounts.models import User
from essaim.core.errors import Conflict, InvalidInput, NotFound
from essaim.core.models import EventLog
from essaim.messaging import access, queries
from essaim.messaging import actions as messaging
from essaim.messaging.models import Conversation, Message, Participant
from essaim.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def of_type(captured, type_):
    return [e for e in captured if e.type == type_]


# Notifications ------------------------------------------------------------------------------------

def test_a_message_notifies_the_other_current_participants_but_not_muted_ones(world, group):
    messaging.do_mute_conversation(group, True, acting_user=world.moderator)
    Notification.objects.all().delete()
    message = messaging.do_send_message(group, "Who brings the cake?", acting_user=world.member)
    rows = list(Notification.objects.all())
    assert [(n.recipient_id, n.kind, n.actor_id, n.message_id) for n in rows] == [
        (world.owner.id, Kind.MESSAGE, world.member.id, message.id)]


def test_people_who_left_or_were_deactivated_are_not_notified(world, group):
    messaging.do_leave_conversation(group, acting_user=world.moderator)
    accounts.do_deactivate_user(world.owner, acting_user=world.admin)
    Notification.objects.all().delete()
    messaging.do_send_message(group, "Anyone?", acting_user=world.member)
    assert not Notification.objects.exists()


def test_the_author_has_read_their_own_message(world, chat):
    message = messaging.do_send_message(chat, "One more thing", acting_user=world.owner)
    assert Participant.objects.get(conversation=chat, user=world.owner).last_read_message_id == message.id
    assert Conversation.objects.get(pk=chat.pk).last_message_at == message.created_at


def test_mark_read_reads_the_message_notifications_of_that_conversation_only(world, chat, group):
    assert Notification.objects.filter(recipient=world.owner, kind=Kind.MESSAGE, read_at__isnull=True).count() == 2
    last = messaging.do_mark_conversation_read(chat, acting_user=world.owner)
    assert last == chat.messages.get().id
    unread = Notification.objects.filter(recipient=world.owner, kind=Kind.MESSAGE, read_at__isnull=True)
    assert [n.message.conversation_id for n in unread] == [group.id]


def test_actions_refuse_non_participants_as_if_the_conversation_did_not_exist(world, group):
    for call in (lambda u: messaging.do_send_message(group, "Hi", acting_user=u),
                 lambda u: messaging.do_mark_conversation_read(group, acting_user=u),
                 lambda u: messaging.do_leave_conversation(group, acting_user=u),
                 lambda u: messaging.do_mute_conversation(group, True, acting_user=u),
                 lambda u: messaging.do_add_participants(group, [world.outsider.id], acting_user=u),
                 lambda u: messaging.do_rename_conversation(group, "Mine", acting_user=u)):
        for user in (world.admin, world.outsider, world.stranger, AnonymousUser()):
            with pytest.raises(NotFound):
                call(user)
    assert Message.objects.filter(conversation=group).count() == 1


def test_a_deactivated_participant_loses_access(world, chat):
    accounts.do_deactivate_user(world.owner, acting_user=world.admin)
    owner = User.objects.get(pk=world.owner.pk)
    with pytest.raises(NotFound):
        access.access_conversation(owner, chat.id)
    assert not Conversation.objects.visible_to(owner).exists()
    with pytest.raises(InvalidInput):  # and nobody starts a conversation with them
        messaging.do_start_conversation(world.member, [owner.id, world.moderator.id])


# Events after commit --------------------------------------------------------------------------------

def test_sending_emits_message_created_to_every_current_participant_after_commit(
        world, group, captured_events, django_capture_on_commit_callbacks):
    messaging.do_mute_conversation(group, True, acting_user=world.moderator)
    with django_capture_on_commit_callbacks(execute=True):
        message = messaging.do_send_message(group, "Hello all", acting_user=world.owner)
        assert captured_events == []  # nothing leaves before the commit
    created = of_type(captured_events, "message.created")
    assert len(created) == 1
    assert created[0].recipients == frozenset({world.member.id, world.owner.id, world.moderator.id})
    assert created[0].data == {"conversation_id": str(group.id), "message_id": str(message.id),
                               "author_id": str(world.owner.id)}
    assert created[0].network_id == world.network.id
    # Notifications went to the member only (the moderator muted it, the owner wrote it).
    assert [e.recipients for e in of_type(captured_events, "notification.created")] == [frozenset({world.member.id})]
    assert EventLog.objects.filter(type="message.created", recipients__isnull=False).count() >= 1


def test_refused_and_rolled_back_writes_emit_nothing(world, group, captured_events,
                                                     django_capture_on_commit_callbacks):
    before = Message.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(InvalidInput):
            messaging.do_send_message(group, "   ", acting_user=world.member)
        with pytest.raises(NotFound):
            messaging.do_send_message(group, "Let me in", acting_user=world.outsider)
        try:
            with transaction.atomic():
                messaging.do_send_message(group, "Soon undone", acting_user=world.member)
                raise RuntimeError("undo")
        except RuntimeError:
            pass
    assert callbacks == [] and captured_events == []
    assert Message.objects.count() == before


def test_reading_emits_conversation_read_to_the_reader_only(world, group, captured_events,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        messaging.do_mark_conversation_read(group, acting_user=world.owner)
    read = of_type(captured_events, "conversation.read")
    assert [e.recipients for e in read] == [frozenset({world.owner.id})]
    assert read[0].data == {"conversation_id": str(group.id), "last_read_message_id": str(group.messages.get().id)}
    assert [e.recipients for e in of_type(captured_events, "notification.read")] == [frozenset({world.owner.id})]
    captured_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        messaging.do_mark_conversation_read(group, acting_user=world.owner)  # nothing new: no event
    assert captured_events == []


def test_leaving_adding_renaming_and_muting_tell_the_right_people(world, group, captured_events,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        messaging.do_leave_conversation(group, acting_user=world.moderator)
        messaging.do_add_participants(group, [world.outsider.id], acting_user=world.owner)
        messaging.do_rename_conversation(group, "Launch 2", acting_user=world.owner)
        messaging.do_mute_conversation(group, True, acting_user=world.member)
    updates = [(e.data["change"], e.recipients) for e in of_type(captured_events, "conversation.updated")]
    assert updates == [
        ("left", frozenset({world.member.id, world.owner.id, world.moderator.id})),
        ("participants_added", frozenset({world.member.id, world.owner.id, world.outsider.id})),
        ("renamed", frozenset({world.member.id, world.owner.id, world.outsider.id})),
        ("muted", frozenset({world.member.id})),
    ]


def test_a_one_to_one_conversation_cannot_be_left(world, chat):
    with pytest.raises(Conflict):
        messaging.do_leave_conversation(chat, acting_user=world.member)


# One predicate, two forms ---------------------------------------------------------------------------

@st.composite
def conversation_specs(draw):
    n_users = draw(st.integers(2, 5))
    users = [{"admin": i == 0 or draw(st.booleans()), "deactivated": i > 0 and draw(st.integers(0, 4)) == 0}
             for i in range(n_users)]
    person = st.integers(0, n_users - 1)
    conversations = []
    for _ in range(draw(st.integers(0, 4))):
        creator = draw(person)
        others = sorted(draw(st.sets(person, min_size=1, max_size=n_users)) - {creator})
        if not others:
            continue
        conversations.append({"creator": creator, "others": others,
                              "leavers": sorted(draw(st.sets(person, max_size=2))),
                              "added": sorted(draw(st.sets(person, max_size=2)))})
    return {"users": users, "conversations": conversations}


def build_network(index: int, spec: dict):
    network = accounts.do_create_network(f"Net {index}", f"dm{index}", domain=f"dm{index}.test")
    users = [accounts.do_create_user(network, email=f"p{i}@dm{index}.test", display_name=f"P{i}",
                                     is_admin=u["admin"], handle=f"p{i}") for i, u in enumerate(spec["users"])]
    made = []
    for c in spec["conversations"]:
        creator = users[c["creator"]]
        conversation = messaging.do_start_conversation(creator, [users[i].id for i in c["others"]])
        messaging.do_send_message(conversation, "hello", acting_user=creator)
        for i in c["leavers"]:
            try:
                messaging.do_leave_conversation(conversation, acting_user=users[i])
            except (NotFound, Conflict):  # not in it, or a one-to-one
                pass
        for i in c["added"]:
            try:
                messaging.do_add_participants(conversation, [users[i].id], acting_user=creator)
            except (NotFound, Conflict):  # the creator left, or a one-to-one
                pass
        made.append(conversation)
    for i, u in enumerate(spec["users"]):
        if u["deactivated"]:
            accounts.do_deactivate_user(users[i], acting_user=users[0])
    return users, made


def check_agreement(viewers, conversations):
    missing = (Conversation.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1000
    for viewer in viewers:
        visible = set(Conversation.objects.visible_to(viewer).values_list("id", flat=True))
        for conversation in conversations:
            expected = conversation.id in visible
            fresh = Conversation.objects.get(pk=conversation.pk)
            assert access.can_read_conversation(viewer, fresh) is expected
            if expected:
                assert access.access_conversation(viewer, conversation.id).id == conversation.id
                assert viewer.is_active and viewer.network_id == conversation.network_id
                assert Participant.objects.filter(conversation=conversation, user_id=viewer.id,
                                                  left_at__isnull=True).exists()
            else:
                with pytest.raises(NotFound):
                    access.access_conversation(viewer, conversation.id)
        with pytest.raises(NotFound):
            access.access_conversation(viewer, missing)
        # The list shows exactly what the single-object check lets through.
        assert {c.id for c in queries.conversations_for(viewer, limit=100).items} == visible


class _Rollback(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(first=conversation_specs(), second=conversation_specs())
def test_access_conversation_agrees_with_visible_to(first, second):
    try:
        with transaction.atomic():  # each world is undone after its check
            built = [build_network(1, first), build_network(2, second)]
            people = [u for b in built for u in b[0]]
            conversations = [c for b in built for c in b[1]]
            viewers = [AnonymousUser()] + [User.objects.get(pk=u.pk) for u in people]
            check_agreement(viewers, conversations)
            raise _Rollback
    except _Rollback:
        pass


def test_the_property_holds_for_the_named_world(world, chat, group):
    messaging.do_leave_conversation(group, acting_user=world.moderator)
    viewers = [AnonymousUser(), world.admin, world.owner, world.moderator, world.member, world.requester,
               world.outsider, world.stranger]
    check_agreement(viewers, [chat, group])
    assert {c.id for c in Conversation.objects.visible_to(world.member)} == {chat.id, group.id}
    assert not Conversation.objects.visible_to(world.admin).exists()
    assert not Conversation.objects.visible_to(world.moderator).exists()


# Query counts ------------------------------------------------------------------------------------------

def count_queries(call) -> tuple[int, object]:
    call()  # warm
    with CaptureQueriesContext(connection) as ctx:
        result = call()
    return len(ctx.captured_queries), result


def add_conversations(world, more_people, start: int, n: int) -> None:
    """n conversations of the member: one-to-ones and groups, each with messages both ways."""
    others = more_people(n, prefix=f"p{start}x")
    for i, person in enumerate(others):
        targets = [person.id] if i % 2 else [person.id, world.owner.id]
        conversation = messaging.do_start_conversation(world.member, targets)
        messaging.do_send_message(conversation, f"Hello {i}", acting_user=world.member)
        messaging.do_send_message(conversation, f"Answer {i}", acting_user=person)


def test_the_conversation_list_costs_the_same_for_1_and_40_conversations(world, more_people):
    def call():
        page = queries.conversations_for(world.member, limit=100)
        for c in page.items:  # what the list shows of each
            _ = ([u.display_name for u in c.people], c.last_message and c.last_message.author.display_name,
                 c.unread_count, c.display_title, c.muted)
        return page

    add_conversations(world, more_people, 0, 1)
    one, first = count_queries(call)
    add_conversations(world, more_people, 1, 39)
    forty, page = count_queries(call)
    assert len(first.items) == 1 and len(page.items) == 40
    assert all(c.unread_count == 1 for c in page.items)
    assert one == forty == 4, f"{one} queries for one conversation, {forty} for forty"
    with CaptureQueriesContext(connection) as ctx:
        assert queries.unread_conversations_count(world.member) == 40
    assert len(ctx.captured_queries) == 1


def test_a_thread_costs_the_same_for_1_and_60_messages(world, chat):
    def call():
        page = queries.messages_for(chat, limit=100)
        _ = [m.author.display_name for m in page.items]
        return page

    one, _page = count_queries(call)
    for i in range(59):
        messaging.do_send_message(chat, f"Message {i}", acting_user=world.owner if i % 2 else world.member)
    sixty, page = count_queries(call)
    assert len(page.items) == 60 and one == sixty == 1


@pytest.mark.parametrize("url", ["/api/v1/conversations?limit=100", "/messages/", "/api/v1/conversations/{id}/messages",
                                 "/messages/{id}/"])
def test_lists_over_http_cost_the_same_for_few_and_many(world, client, more_people, url):
    client.force_login(world.member)
    client.get("/healthz")
    add_conversations(world, more_people, 0, 1)
    conversation = Conversation.objects.visible_to(world.member).first()
    path = url.format(id=conversation.id)

    def measure():
        client.get(path)  # warm, and reads the thread
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, response.content[:300]
        return len(ctx.captured_queries)

    few = measure()
    add_conversations(world, more_people, 1, 25)
    for i in range(25):
        messaging.do_send_message(conversation, f"More {i}", acting_user=world.member)
    assert measure() == few


# Concurrency (PostgreSQL: SQLite serialises writers) -----------------------------------------------------



@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_the_same_pair_started_at_once_makes_one_conversation(world, attempt):
    calls = [lambda: messaging.do_start_conversation(world.member, [world.owner.id]),
             lambda: messaging.do_start_conversation(world.owner, [world.member.id])] * 2
    results = at_once(*calls)
    assert all(isinstance(r, Conversation) for r in results), results
    assert len({r.id for r in results}) == 1
    assert Conversation.objects.count() == 1
    assert Participant.objects.count() == 2
    assert sum(r.is_new for r in results) == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_people_added_at_once_never_pass_the_cap(world, more_people):
    from essaim.messaging.models import MAX_PARTICIPANTS

    others = more_people(MAX_PARTICIPANTS + 2)
    group = messaging.do_start_conversation(world.member, [u.id for u in others[:MAX_PARTICIPANTS - 3]])
    newcomers = others[MAX_PARTICIPANTS - 3:]
    results = at_once(*[lambda u=u: messaging.do_add_participants(group, [u.id], acting_user=world.member)
                        for u in newcomers])
    assert Participant.objects.filter(conversation=group, left_at__isnull=True).count() == MAX_PARTICIPANTS
    assert sum(isinstance(r, InvalidInput) for r in results) == len(newcomers) - 2

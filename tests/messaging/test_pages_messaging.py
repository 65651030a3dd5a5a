"""The direct-message pages, used as people would without JavaScript: GET a page, POST its forms,
follow the redirect. Whoever is not a current participant gets the same 404 page as for a
conversation that does not exist."""

from __future__ import annotations

import re

import pytest

from essaim.accounts import actions as accounts
from essaim.messaging import actions as messaging
from essaim.messaging.models import Conversation, Message, Participant
from essaim.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def normalise(response) -> str:
    return re.sub(r'(nonce|csrfmiddlewaretoken|value)="[^"]*"', "", text(response))


def header_badge(response) -> str | None:
    found = re.search(r"data-unread-messages>(\d+)<", text(response))
    return found.group(1) if found else None


# The list ------------------------------------------------------------------------------------------

def test_the_list_shows_my_conversations_with_unread_badges(world, page_as, chat, group):
    response = page_as(world.owner).get("/messages/")
    assert response.status_code == 200
    body = text(response)
    assert f'href="/messages/{chat.id}/"' in body and f'href="/messages/{group.id}/"' in body
    assert ">Member<" in body and ">Launch<" in body
    assert body.count("data-unread-conversation") == 2
    assert "Kick-off on Monday" in body  # the preview: the first line of the message, as text
    assert header_badge(response) == "2"
    assert 'href="/messages/" data-counter="messages" aria-current="page"' in body
    # The new-message form is there, with the autocomplete on its people field.
    assert 'action="/messages/new/"' in body and re.search(r'<textarea[^>]+name="to"[^>]+data-autocomplete', body)


def test_the_list_of_someone_in_no_conversation(world, page_as, chat):
    body = text(page_as(world.outsider).get("/messages/"))
    assert "No conversations yet" in body and f"/messages/{chat.id}/" not in body
    assert "budget" not in body


def test_every_page_shows_the_header_link(world, page_as, chat):
    response = page_as(world.owner).get("/")
    assert 'href="/messages/"' in text(response) and header_badge(response) == "1"
    assert header_badge(page_as(world.member).get("/")) is None


# Starting a conversation -----------------------------------------------------------------------------

def test_new_message_form_starts_a_one_to_one_with_a_first_message(world, page_as):
    client = page_as(world.member)
    form = client.get("/messages/new/?to=@owner")
    assert form.status_code == 200 and "@owner</textarea>" in text(form)
    response = client.post("/messages/new/", {"to": "@owner", "title": "", "body": "Lunch **today**?"})
    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/messages/{conversation.id}/"
    assert conversation.is_group is False
    assert Message.objects.get().html.startswith("<p>Lunch <strong>today</strong>?")
    # The same person again: back to the same conversation.
    again = client.post("/messages/new/", {"to": "owner@acme.test", "title": "", "body": ""})
    assert again["Location"] == f"/messages/{conversation.id}/" and Conversation.objects.count() == 1


def test_new_message_form_starts_a_group(world, page_as):
    response = page_as(world.member).post("/messages/new/", {"to": "@owner, moderator@acme.test", "title": "Plan",
                                                             "body": "Hello both"})
    conversation = Conversation.objects.get()
    assert response.status_code == 302 and conversation.is_group and conversation.title == "Plan"
    assert Participant.objects.filter(conversation=conversation).count() == 3


@pytest.mark.parametrize("to,body,error", [
    ("@nobody", "Hi", "Nobody in the network is called “@nobody”."),
    ("@stranger", "Hi", "Nobody in the network is called “@stranger”."),
    ("@member", "Hi", "You cannot write to yourself alone"),
    ("@owner", "x" * 20_001, "at most 20000 characters"),
])
def test_refused_new_messages_come_back_with_the_reason_and_write_nothing(world, page_as, to, body, error):
    response = page_as(world.member).post("/messages/new/", {"to": to, "title": "", "body": body})
    assert response.status_code == 422
    assert error in text(response).replace("20,000", "20000")
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_a_deactivated_colleague_cannot_be_written_to(world, page_as):
    accounts.do_deactivate_user(world.outsider, acting_user=world.admin)
    response = page_as(world.member).post("/messages/new/", {"to": "@outsider", "title": "", "body": "Hi"})
    assert response.status_code == 422 and "Outsider is deactivated" in text(response)
    assert not Conversation.objects.exists()


# The thread --------------------------------------------------------------------------------------------

def test_opening_a_thread_shows_it_and_marks_it_read(world, page_as, group):
    client = page_as(world.owner)
    assert header_badge(client.get("/")) == "1"
    response = client.get(f"/messages/{group.id}/")
    assert response.status_code == 200
    body = text(response)
    assert "<strong>Monday</strong>" in body and "<h1>Launch</h1>" in body
    assert 'class="dm unread"' in body  # shown as new this once
    assert Participant.objects.get(conversation=group, user=world.owner).last_read_message_id == \
        group.messages.get().id
    assert not Notification.objects.filter(recipient=world.owner, kind=Kind.MESSAGE, read_at__isnull=True).exists()
    again = client.get(f"/messages/{group.id}/")
    assert 'class="dm unread"' not in text(again) and header_badge(again) is None


def test_send_through_the_form(world, page_as, chat):
    client = page_as(world.owner)
    response = client.post(f"/messages/{chat.id}/send/", {"body": "Sure, *tomorrow*"})
    message = Message.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == f"/messages/{chat.id}/#message-{message.id}"
    assert message.author_id == world.owner.id and "<em>tomorrow</em>" in message.html
    assert "<em>tomorrow</em>" in text(client.get(f"/messages/{chat.id}/"))


def test_an_empty_message_comes_back_with_the_reason(world, page_as, chat):
    response = page_as(world.owner).post(f"/messages/{chat.id}/send/", {"body": "   "})
    assert response.status_code == 422 and "Write something first." in text(response)
    assert Message.objects.count() == 1


def test_older_messages_are_on_the_next_page(world, page_as, chat):
    for i in range(55):
        messaging.do_send_message(chat, f"Number {i}", acting_user=world.member)
    client = page_as(world.owner)
    first = text(client.get(f"/messages/{chat.id}/"))
    assert "Number 54" in first and "Number 4<" not in first and "Older messages" in first
    older_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    older = text(client.get(older_url))
    assert "Number 4<" in older and "budget" in older and "Number 54" not in older


def test_leave_a_group_then_it_is_gone(world, page_as, group):
    client = page_as(world.moderator)
    response = client.post(f"/messages/{group.id}/leave/")
    assert response.status_code == 302 and response["Location"] == "/messages/"
    assert client.get(f"/messages/{group.id}/").status_code == 404
    assert "Launch" not in text(client.get("/messages/"))


def test_a_one_to_one_cannot_be_left(world, page_as, chat):
    client = page_as(world.member)
    response = client.post(f"/messages/{chat.id}/leave/", follow=True)
    assert "cannot be left" in text(response)
    assert client.get(f"/messages/{chat.id}/").status_code == 200
    assert 'action="/messages/{}/leave/"'.format(chat.id) not in text(client.get(f"/messages/{chat.id}/"))


def test_mute_and_unmute(world, page_as, chat):
    client = page_as(world.owner)
    client.post(f"/messages/{chat.id}/mute/", {"muted": "1"})
    assert Participant.objects.get(conversation=chat, user=world.owner).muted
    assert ">Unmute<" in text(client.get(f"/messages/{chat.id}/"))
    before = Notification.objects.filter(recipient=world.owner).count()
    messaging.do_send_message(chat, "Ping", acting_user=world.member)
    assert Notification.objects.filter(recipient=world.owner).count() == before
    client.post(f"/messages/{chat.id}/mute/", {"muted": "0"})
    assert not Participant.objects.get(conversation=chat, user=world.owner).muted


def test_add_people_and_rename_a_group(world, page_as, group):
    client = page_as(world.owner)
    page = text(client.get(f"/messages/{group.id}/"))
    assert "Group settings" in page
    response = client.post(f"/messages/{group.id}/participants/", {"who": "@outsider"}, follow=True)
    assert "1 person added." in text(response)
    assert page_as(world.outsider).get(f"/messages/{group.id}/").status_code == 200
    refused = client.post(f"/messages/{group.id}/participants/", {"who": "@stranger"}, follow=True)
    assert "Nobody in the network is called “@stranger”." in text(refused)
    client.post(f"/messages/{group.id}/rename/", {"title": "Launch day"})
    assert Conversation.objects.get(pk=group.pk).title == "Launch day"


def test_a_one_to_one_has_no_group_settings(world, page_as, chat):
    assert "Group settings" not in text(page_as(world.member).get(f"/messages/{chat.id}/"))


# Who sees what ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["outsider", "admin", "requester"])
@pytest.mark.parametrize("method,path,data", [
    ("get", "/messages/{id}/", None), ("post", "/messages/{id}/send/", {"body": "Hi"}),
    ("post", "/messages/{id}/leave/", {}), ("post", "/messages/{id}/mute/", {"muted": "1"}),
    ("post", "/messages/{id}/participants/", {"who": "@outsider"}), ("post", "/messages/{id}/rename/", {"title": "X"}),
])
def test_non_participants_get_the_same_404_page_as_for_a_missing_conversation(world, page_as, group, role, method,
                                                                             path, data):
    client = page_as(getattr(world, role))
    hidden = getattr(client, method)(path.format(id=group.id), data) if data is not None else client.get(
        path.format(id=group.id))
    missing = getattr(client, method)(path.format(id=999_999_999), data) if data is not None else client.get(
        path.format(id=999_999_999))
    assert hidden.status_code == missing.status_code == 404
    assert normalise(hidden) == normalise(missing)
    assert "Monday" not in text(hidden) and "Launch" not in text(hidden)
    assert Message.objects.filter(conversation=group).count() == 1
    assert Conversation.objects.get(pk=group.pk).title == "Launch"


def test_anonymous_is_sent_to_sign_in(world, page_as, group):
    for path in ("/messages/", f"/messages/{group.id}/", "/messages/new/"):
        response = page_as().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_pages_carry_no_inline_script_or_style(world, page_as, group):
    for path in ("/messages/", f"/messages/{group.id}/", "/messages/new/"):
        body = text(page_as(world.member).get(path))
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), path
        assert "style=" not in body and "<style" not in body and "onclick" not in body, path

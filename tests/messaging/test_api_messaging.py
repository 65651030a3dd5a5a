"""The direct-message routes of the REST API: happy paths, bad input that changes nothing, and
conversations that are invisible (the same 404 as a missing one) to everyone but their current
participants, administrators included."""

from __future__ import annotations

import pytest

from essaim.accounts import actions as accounts
from essaim.messaging import actions as messaging
from essaim.messaging.models import MAX_PARTICIPANTS, Conversation, Message, Participant
from essaim.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "details": None}}


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json_body
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert body["error"]["message"]


def nothing_written() -> None:
    assert not Conversation.objects.exists() and not Participant.objects.exists()


# Starting conversations ---------------------------------------------------------------------------

def test_one_to_one_is_created_once_then_returned(world, api_as):
    api = api_as(world.member)
    first = api.post("conversations", {"participant_ids": [str(world.owner.id)]})
    assert first.status_code == 201, first.content
    body = first.json_body
    assert isinstance(body["id"], str) and body["is_group"] is False and body["title"] == ""
    assert {p["id"] for p in body["participants"]} == {str(world.member.id), str(world.owner.id)}
    assert body["display_title"] == world.owner.display_name
    assert body["last_message"] is None and body["unread_count"] == 0 and body["muted"] is False
    again = api.post("conversations", {"participant_ids": [world.owner.id]})  # an integer id works too
    assert again.status_code == 200 and again.json_body["id"] == body["id"]
    # From the other side, the same pair is the same conversation.
    theirs = api_as(world.owner).post("conversations", {"participant_ids": [str(world.member.id)]})
    assert theirs.status_code == 200 and theirs.json_body["id"] == body["id"]
    assert Conversation.objects.count() == 1
    assert Conversation.objects.get().pair_key == f"{min(world.member.id, world.owner.id)}:" \
                                                  f"{max(world.member.id, world.owner.id)}"


def test_two_or_more_people_make_a_new_group_each_time(world, api_as):
    api = api_as(world.member)
    payload = {"participant_ids": [str(world.owner.id), str(world.moderator.id), str(world.owner.id)],
               "title": "  Launch   plan "}
    first = api.post("conversations", payload)
    assert first.status_code == 201, first.content
    assert first.json_body["is_group"] is True and first.json_body["title"] == "Launch plan"
    assert len(first.json_body["participants"]) == 3
    assert first.json_body["permissions"] == {"leave": True, "add_participants": True, "rename": True}
    second = api.post("conversations", payload)
    assert second.status_code == 201 and second.json_body["id"] != first.json_body["id"]


def test_fifty_participants_are_allowed_and_fifty_one_refused(world, api_as, more_people):
    others = more_people(MAX_PARTICIPANTS)  # 50 others: with the creator, 51
    api = api_as(world.member)
    refused = api.post("conversations", {"participant_ids": [str(u.id) for u in others]})
    assert_error(refused, 422, "too_many_participants")
    assert refused.json_body["error"]["details"] == {"max": 50, "count": 51}
    nothing_written()
    allowed = api.post("conversations", {"participant_ids": [str(u.id) for u in others[:49]]})
    assert allowed.status_code == 201 and len(allowed.json_body["participants"]) == 50
    # The group is full: nobody more can be added.
    added = api.post(f"conversations/{allowed.json_body['id']}/participants",
                     {"participant_ids": [str(others[49].id)]})
    assert_error(added, 422, "too_many_participants")
    assert Participant.objects.filter(user=others[49]).count() == 0


@pytest.mark.parametrize("who", ["unknown", "other-network", "deactivated", "not-a-number"])
def test_who_cannot_be_written_to_is_named_and_nothing_is_written(world, api_as, who):
    if who == "deactivated":
        accounts.do_deactivate_user(world.outsider, acting_user=world.admin)
        bad, code = str(world.outsider.id), "deactivated_participant"
    elif who == "unknown":
        bad, code = "987654321", "unknown_participant"
    elif who == "other-network":
        bad, code = str(world.stranger.id), "unknown_participant"
    else:
        bad, code = "abc", "unknown_participant"
    for ids in ([bad], [str(world.owner.id), bad]):
        response = api_as(world.member).post("conversations", {"participant_ids": ids})
        assert_error(response, 422, code)
        message = response.json_body["error"]["message"]
        assert (world.outsider.display_name if who == "deactivated" else bad) in message
    nothing_written()


def test_the_stranger_is_answered_like_an_unknown_id(world, api_as):
    """Someone of another network and an id nobody has get the same answer: no existence leaks."""
    stranger = api_as(world.member).post("conversations", {"participant_ids": [str(world.stranger.id)]})
    nobody = api_as(world.member).post("conversations", {"participant_ids": ["987654321"]})
    assert stranger.json_body["error"]["code"] == nobody.json_body["error"]["code"] == "unknown_participant"
    assert stranger.json_body["error"]["message"].replace(str(world.stranger.id), "N") == \
        nobody.json_body["error"]["message"].replace("987654321", "N")


@pytest.mark.parametrize("payload,code", [
    ({"participant_ids": []}, "no_participants"),
    ({"participant_ids": ["{me}"]}, "only_yourself"),
    ({"participant_ids": ["{me}", "{me}"]}, "only_yourself"),
    ({"participant_ids": ["{owner}"], "title": "A title"}, "title_for_groups_only"),
    ({"participant_ids": ["{owner}", "{moderator}"], "title": "x" * 121}, "title_too_long"),
    ({"participant_ids": "{owner}"}, "invalid"),
    ({"participant_ids": ["{owner}"], "extra": 1}, "invalid"),
    ({}, "invalid"),
])
def test_bad_start_input_is_refused_and_changes_nothing(world, api_as, payload, code):
    ids = {"me": world.member.id, "owner": world.owner.id, "moderator": world.moderator.id}

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value.format(**ids) if isinstance(value, str) and "{" in value else value

    response = api_as(world.member).post("conversations", {k: fill(v) for k, v in payload.items()})
    assert_error(response, 422, code)
    nothing_written()


# Messages -----------------------------------------------------------------------------------------

def test_send_and_list_messages(world, api_as, chat):
    api = api_as(world.owner)
    sent = api.post(f"conversations/{chat.id}/messages", {"body": "Sure, **tomorrow** @member?"})
    assert sent.status_code == 201, sent.content
    body = sent.json_body
    assert body["conversation_id"] == str(chat.id) and body["author"]["id"] == str(world.owner.id)
    assert "<strong>tomorrow</strong>" in body["html"]
    assert f'<a class="mention" href="/people/{world.member.id}/">@member</a>' in body["html"]
    listed = api.get(f"conversations/{chat.id}/messages").json_body
    assert [m["body"] for m in listed["items"]] == ["Sure, **tomorrow** @member?",
                                                    "Hello owner, a word about the budget"]
    assert listed["next_cursor"] is None


def test_messages_are_rendered_and_sanitised_like_posts(world, api_as, chat):
    sent = api_as(world.member).post(f"conversations/{chat.id}/messages",
                                     {"body": "Hi <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
                                              "[a](javascript:alert(1)) [b](https://example.com)"})
    html = sent.json_body["html"]
    assert "<script" not in html and "onerror" not in html and 'href="javascript' not in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">b</a>' in html


def test_messages_pages_walk_newest_first_without_repeats(world, api_as, chat):
    for i in range(6):
        messaging.do_send_message(chat, f"Message {i}", acting_user=world.owner if i % 2 else world.member)
    api = api_as(world.member)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"conversations/{chat.id}/messages", **params).json_body
        seen += [m["body"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Message {i}" for i in reversed(range(6))] + ["Hello owner, a word about the budget"]
    assert_error(api.get(f"conversations/{chat.id}/messages", cursor="garbage"), 422, "invalid_cursor")


@pytest.mark.parametrize("body,code", [("", "empty_body"), ("   \n ", "empty_body"), ("x" * 20_001, "too_long")])
def test_empty_or_too_long_messages_are_refused(world, api_as, chat, body, code):
    before = Message.objects.count()
    response = api_as(world.member).post(f"conversations/{chat.id}/messages", {"body": body})
    assert_error(response, 422, code)
    assert Message.objects.count() == before


def test_a_message_of_the_maximum_length_is_accepted(world, api_as, chat):
    response = api_as(world.member).post(f"conversations/{chat.id}/messages", {"body": "y" * 20_000})
    assert response.status_code == 201


def test_a_read_only_token_reads_but_cannot_write(world, api_as, token_for, chat):
    api = api_as(token=token_for(world.member, "read"))
    assert api.get(f"conversations/{chat.id}/messages").status_code == 200
    assert api.get("conversations").status_code == 200
    for path, payload in ((f"conversations/{chat.id}/messages", {"body": "Hi"}),
                          ("conversations", {"participant_ids": [str(world.moderator.id)]}),
                          (f"conversations/{chat.id}/read", {}),
                          (f"conversations/{chat.id}/mute", {"muted": True})):
        assert_error(api.post(path, payload), 403, "insufficient_scope")
    assert Message.objects.count() == 1
    write = api_as(token=token_for(world.member, "read,write"))
    assert write.post(f"conversations/{chat.id}/messages", {"body": "Hi"}).status_code == 201


# Who sees what --------------------------------------------------------------------------------------

ROUTES = [("get", "conversations/{id}", None), ("patch", "conversations/{id}", {"title": "Mine now"}),
          ("get", "conversations/{id}/messages", None), ("post", "conversations/{id}/messages", {"body": "Hi"}),
          ("post", "conversations/{id}/read", {}), ("post", "conversations/{id}/leave", None),
          ("post", "conversations/{id}/mute", {"muted": True}),
          ("post", "conversations/{id}/participants", {"participant_ids": ["{outsider}"]})]


@pytest.mark.parametrize("role", ["outsider", "admin", "requester"])
@pytest.mark.parametrize("method,path,payload", ROUTES)
def test_non_participants_get_the_same_404_as_for_a_missing_conversation(world, api_as, group, role, method,
                                                                        path, payload):
    api = api_as(getattr(world, role))
    if payload and "participant_ids" in payload:
        payload = {"participant_ids": [str(world.outsider.id)]}

    def call(conversation_id):
        url = path.format(id=conversation_id)
        return api.call(method, f"/api/v1/{url}", payload if method != "get" else None)

    hidden, missing = call(group.id), call(999_999_999)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json_body == missing.json_body == NOT_FOUND
    assert Message.objects.filter(conversation=group).count() == 1
    assert not Participant.objects.filter(conversation=group, user=world.outsider).exists()
    assert Conversation.objects.get(pk=group.pk).title == "Launch"
    listed = api.get("conversations").json_body["items"]
    assert str(group.id) not in {c["id"] for c in listed}


def test_the_stranger_of_another_network_sees_nothing(world, api_as, token_for, group):
    here = api_as(token=token_for(world.stranger), host="globex.test")
    assert here.get(f"conversations/{group.id}").json_body == NOT_FOUND
    assert here.get("conversations").json_body["items"] == []
    # Their token on the conversation's own network is no credential there.
    there = api_as(token=token_for(world.stranger))
    assert there.get(f"conversations/{group.id}").status_code == 401


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "99999999999999999999", "1.5"])
def test_ids_that_name_nothing_are_404(world, api_as, bad_id):
    assert api_as(world.member).get(f"conversations/{bad_id}").json_body == NOT_FOUND


def test_anonymous_gets_401(world, api_as, group):
    assert api_as().get(f"conversations/{group.id}").status_code == 401
    assert api_as().get("conversations").status_code == 401


def test_a_participant_who_leaves_loses_access_and_can_be_added_back(world, api_as, group):
    api = api_as(world.moderator)
    assert api.get(f"conversations/{group.id}").status_code == 200
    left = api.post(f"conversations/{group.id}/leave")
    assert left.status_code == 200 and left.json_body == {"status": "left"}
    assert api.get(f"conversations/{group.id}").json_body == NOT_FOUND
    assert api.get(f"conversations/{group.id}/messages").json_body == NOT_FOUND
    assert api.post(f"conversations/{group.id}/messages", {"body": "Still here?"}).json_body == NOT_FOUND
    assert api.get("conversations").json_body["items"] == []
    # The others see who is left.
    remaining = api_as(world.member).get(f"conversations/{group.id}").json_body["participants"]
    assert {p["id"] for p in remaining} == {str(world.member.id), str(world.owner.id)}
    # Any participant may add them back.
    back = api_as(world.owner).post(f"conversations/{group.id}/participants",
                                    {"participant_ids": [str(world.moderator.id)]})
    assert back.status_code == 200 and len(back.json_body["participants"]) == 3
    assert api.get(f"conversations/{group.id}").status_code == 200


def test_a_one_to_one_conversation_cannot_be_left_nor_grown_nor_renamed(world, api_as, chat):
    api = api_as(world.member)
    assert_error(api.post(f"conversations/{chat.id}/leave"), 409, "cannot_leave")
    assert_error(api.post(f"conversations/{chat.id}/participants", {"participant_ids": [str(world.moderator.id)]}),
                 409, "not_a_group")
    assert_error(api.patch(f"conversations/{chat.id}", {"title": "Us"}), 409, "not_a_group")
    assert api.get(f"conversations/{chat.id}").json_body["permissions"] == {
        "leave": False, "add_participants": False, "rename": False}
    assert Participant.objects.filter(conversation=chat, left_at__isnull=True).count() == 2


def test_rename_a_group(world, api_as, group):
    renamed = api_as(world.owner).patch(f"conversations/{group.id}", {"title": "Launch v2"})
    assert renamed.status_code == 200 and renamed.json_body["title"] == "Launch v2"
    assert_error(api_as(world.owner).patch(f"conversations/{group.id}", {"title": "x" * 121}), 422, "title_too_long")
    untitled = api_as(world.owner).patch(f"conversations/{group.id}", {"title": ""}).json_body
    assert untitled["title"] == "" and untitled["display_title"] == "Member, Moderator"


def test_adding_people_checks_them_like_starting(world, api_as, group):
    api = api_as(world.owner)
    assert_error(api.post(f"conversations/{group.id}/participants", {"participant_ids": [str(world.stranger.id)]}),
                 422, "unknown_participant")
    assert_error(api.post(f"conversations/{group.id}/participants", {"participant_ids": []}), 422, "no_participants")
    already = api.post(f"conversations/{group.id}/participants", {"participant_ids": [str(world.member.id)]})
    assert already.status_code == 200 and len(already.json_body["participants"]) == 3
    added = api.post(f"conversations/{group.id}/participants", {"participant_ids": [str(world.outsider.id)]})
    assert len(added.json_body["participants"]) == 4
    assert api_as(world.outsider).get(f"conversations/{group.id}/messages").status_code == 200


# Unread counts and reading ---------------------------------------------------------------------------

def test_unread_counts_and_marking_read(world, api_as, chat, group):
    owner = api_as(world.owner)
    listed = {c["id"]: c for c in owner.get("conversations").json_body["items"]}
    assert listed[str(chat.id)]["unread_count"] == 1 and listed[str(group.id)]["unread_count"] == 1
    assert listed[str(group.id)]["last_message"]["body"] == "Kick-off on **Monday**"
    assert owner.get("conversations/unread_count").json_body == {"count": 2}
    # The author has read their own messages.
    assert api_as(world.member).get("conversations/unread_count").json_body == {"count": 0}
    assert Notification.objects.filter(recipient=world.owner, kind=Kind.MESSAGE, read_at__isnull=True).count() == 2
    read = owner.post(f"conversations/{chat.id}/read", {})
    assert read.status_code == 200 and read.json_body["unread_count"] == 0
    assert read.json_body["last_read_message_id"] == str(chat.messages.get().id)
    assert owner.get("conversations/unread_count").json_body == {"count": 1}
    # The message notification of that conversation is read too; the other one is not.
    unread = Notification.objects.filter(recipient=world.owner, kind=Kind.MESSAGE, read_at__isnull=True)
    assert [n.message.conversation_id for n in unread] == [group.id]


def test_reading_up_to_a_message_never_goes_backwards(world, api_as, chat):
    first = chat.messages.get()
    second = messaging.do_send_message(chat, "Second", acting_user=world.member)
    messaging.do_send_message(chat, "Third", acting_user=world.member)
    owner = api_as(world.owner)
    up_to_second = owner.post(f"conversations/{chat.id}/read", {"message_id": str(second.id)}).json_body
    assert up_to_second["unread_count"] == 1 and up_to_second["last_read_message_id"] == str(second.id)
    back = owner.post(f"conversations/{chat.id}/read", {"message_id": first.id}).json_body
    assert back["last_read_message_id"] == str(second.id)
    assert_error(owner.post(f"conversations/{chat.id}/read", {"message_id": "987654321"}), 422, "invalid_message")


def test_a_message_of_another_conversation_cannot_be_read_through_this_one(world, api_as, chat, group):
    other = group.messages.get()
    assert_error(api_as(world.owner).post(f"conversations/{chat.id}/read", {"message_id": str(other.id)}),
                 422, "invalid_message")


def test_muting_stops_notifications_and_the_badge_but_not_the_list(world, api_as, chat):
    owner = api_as(world.owner)
    muted = owner.post(f"conversations/{chat.id}/mute", {"muted": True})
    assert muted.status_code == 200 and muted.json_body["muted"] is True
    owner.post(f"conversations/{chat.id}/read", {})
    before = Notification.objects.filter(recipient=world.owner).count()
    api_as(world.member).post(f"conversations/{chat.id}/messages", {"body": "Muted?"})
    assert Notification.objects.filter(recipient=world.owner).count() == before
    assert owner.get("conversations/unread_count").json_body == {"count": 0}
    assert owner.get(f"conversations/{chat.id}").json_body["unread_count"] == 1
    assert_error(owner.post(f"conversations/{chat.id}/mute", {"muted": "yes"}), 422, "invalid")
    assert owner.post(f"conversations/{chat.id}/mute", {"muted": False}).json_body["muted"] is False


def test_the_list_is_ordered_by_last_activity_and_pages_with_a_cursor(world, api_as, more_people):
    others = more_people(5)
    made = []
    for person in others:
        conversation = messaging.do_start_conversation(world.member, [person.id])
        messaging.do_send_message(conversation, f"To {person.handle}", acting_user=world.member)
        made.append(conversation)
    messaging.do_send_message(made[0], "Again", acting_user=others[0])  # the oldest becomes the newest
    api = api_as(world.member)
    ids, cursor = [], None
    while True:
        page = api.get("conversations", limit=2, **({"cursor": cursor} if cursor else {})).json_body
        ids += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert ids == [str(c.id) for c in [made[0], *reversed(made[1:])]]

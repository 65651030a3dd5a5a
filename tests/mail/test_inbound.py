"""process_message: from raw bytes to a comment or a direct message, or a clear refusal that
changes nothing."""

from __future__ import annotations

import time

import pytest
from mail_helpers import reply_message

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.mail.addresses import reply_address
from essaim.mail.inbound import MAX_BYTES, process_message
from essaim.mail.models import InboundMessage
from essaim.notifications.models import Kind, Notification
from essaim.stream import actions as stream
from essaim.stream.models import Comment

REPLY = "Count me in! 🎉\n\nSee you **Thursday**.\n\nOn Thu, Nov 26, 2026 at 10:02 AM Essaim <e@acme.example.com> " \
        "wrote:\n> Who comes on Thursday?\n\n-- \nMember\n"


def _nothing_changed(before: int) -> bool:
    return Comment.objects.count() == before and not InboundMessage.objects.exists()


def test_a_reply_to_a_post_becomes_a_comment(world, post_in, django_capture_on_commit_callbacks):
    post = post_in("private", author=world.owner)
    raw = reply_message(to=reply_address(world.member, post=post), sender="Member <member@acme.test>", text=REPLY)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = process_message(raw)
    assert outcome.ok and outcome.code == "posted" and outcome.kind == "comment" and outcome.message
    comment = Comment.objects.get(pk=outcome.object_id)
    assert (comment.post_id, comment.author_id, comment.parent_id) == (post.id, world.member.id, None)
    assert comment.body == "Count me in! 🎉\n\nSee you **Thursday**."
    assert "<strong>Thursday</strong>" in comment.html
    assert Notification.objects.filter(recipient=world.owner, kind=Kind.COMMENT, comment=comment).exists()
    row = InboundMessage.objects.get()
    assert (row.network_id, row.user_id, row.kind, row.object_id) == (world.network.id, world.member.id, "comment",
                                                                       comment.id)


def test_a_reply_to_a_comment_joins_its_thread(world, post_in):
    post = post_in("open", author=world.owner)
    top = stream.do_create_comment(post, world.owner, "Who brings the cake?")
    reply = stream.do_create_comment(post, world.moderator, "Not me", parent=top)
    for target in (top, reply):
        raw = reply_message(to=reply_address(world.member, comment=target), sender="member@acme.test", text="Me!")
        outcome = process_message(raw)
        assert outcome.ok, outcome
        assert Comment.objects.get(pk=outcome.object_id).parent_id == top.id


def test_a_reply_in_a_conversation_becomes_a_message(world):
    messaging = pytest.importorskip("essaim.messaging.actions")
    from essaim.messaging.models import Message

    conversation = messaging.do_start_conversation(world.owner, [world.member.id])
    raw = reply_message(to=reply_address(world.member, conversation=conversation), sender="member@acme.test",
                        text="On my way\n\nSent from my iPhone\n")
    outcome = process_message(raw)
    assert outcome.ok and outcome.kind == "message"
    message = Message.objects.get(pk=outcome.object_id)
    assert (message.conversation_id, message.author_id, message.body) == (conversation.id, world.member.id,
                                                                          "On my way")


def test_the_same_message_delivered_twice_posts_once(world, post_in):
    post = post_in("open")
    raw = reply_message(to=reply_address(world.member, post=post), sender="member@acme.test",
                        message_id="<same-123@client.test>")
    first, second = process_message(raw), process_message(raw)
    assert first.code == "posted" and second.ok and second.code == "duplicate"
    assert (second.kind, second.object_id) == ("comment", first.object_id)
    assert Comment.objects.filter(post=post).count() == 1
    # Without a Message-ID, the same bytes are the same message.
    raw = reply_message(to=reply_address(world.member, post=post), sender="member@acme.test", text="Again")
    raw = b"".join(line for line in raw.splitlines(keepends=True) if not line.lower().startswith(b"message-id"))
    assert process_message(raw).code == "posted" and process_message(raw).code == "duplicate"
    assert Comment.objects.filter(post=post).count() == 2


def test_the_same_message_delivered_at_the_same_moment_posts_once(world, post_in, monkeypatch):
    """Both deliveries pass the first look-up; the unique constraint decides, the loser changes nothing."""
    post = post_in("open")
    raw = reply_message(to=reply_address(world.member, post=post), sender="member@acme.test")
    first = process_message(raw)
    monkeypatch.setattr("essaim.mail.inbound._already_posted", lambda network_id, key: None)
    second = process_message(raw)
    assert second.ok and second.code == "duplicate" and second.object_id == first.object_id
    assert Comment.objects.filter(post=post).count() == 1 and InboundMessage.objects.count() == 1
    assert process_message(reply_message(to=reply_address(world.member, post=post), sender="member@acme.test")).ok


def test_the_sender_must_be_the_person_the_address_was_sent_to(world, post_in):
    post = post_in("open")
    address = reply_address(world.member, post=post)
    before = Comment.objects.count()
    for sender in ("owner@acme.test", "member@acme.test.evil.example", "Member <member@other.test>",
                   "member@acme.test, owner@acme.test"):
        outcome = process_message(reply_message(to=address, sender=sender))
        assert (outcome.ok, outcome.code) == (False, "sender_mismatch"), sender
        assert outcome.message
    assert _nothing_changed(before)
    assert process_message(reply_message(to=address, sender="MEMBER@Acme.TEST")).ok  # case does not matter


@pytest.mark.parametrize("to,code", [
    ("reply+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@acme.example.com", "forged"),
    ("someone@acme.example.com", "forged"),
])
def test_forged_addresses_are_refused(world, to, code):
    outcome = process_message(reply_message(to=to, sender="member@acme.test"))
    assert (outcome.ok, outcome.code) == (False, code) and outcome.message


def test_expired_and_unknown_addresses_are_refused(world, post_in):
    post = post_in("open")
    before = Comment.objects.count()
    old = reply_address(world.member, post=post, issued_at=time.time() - 31 * 86400)
    assert process_message(reply_message(to=old, sender="member@acme.test")).code == "expired"
    address = reply_address(world.member, post=post)
    stream.do_delete_post(post, acting_user=world.member)
    assert process_message(reply_message(to=address, sender="member@acme.test")).code == "unknown"
    assert _nothing_changed(before)


def test_who_may_no_longer_see_the_post_cannot_reply(world, post_in):
    post = post_in("private", author=world.owner)
    address = reply_address(world.moderator, post=post)
    communities.do_remove_member(world.private, world.moderator, acting_user=world.owner)
    outcome = process_message(reply_message(to=address, sender="moderator@acme.test"))
    assert outcome.code == "unknown" and not Comment.objects.filter(post=post).exists()


def test_a_deactivated_person_cannot_reply(world, post_in):
    post = post_in("open")
    address = reply_address(world.member, post=post)
    accounts.do_deactivate_user(world.member, acting_user=world.admin)
    outcome = process_message(reply_message(to=address, sender="member@acme.test"))
    assert outcome.code == "inactive" and not Comment.objects.filter(post=post).exists()


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"}, {"Auto-Submitted": "auto-generated"}, {"X-Autoreply": "yes"},
    {"X-Autorespond": "Out of office"}, {"Precedence": "bulk"}, {"Precedence": "auto_reply"}, {"Precedence": "list"},
])
def test_automatic_replies_are_ignored(world, post_in, headers):
    post = post_in("open")
    outcome = process_message(reply_message(to=reply_address(world.member, post=post), sender="member@acme.test",
                                            text="I am out of the office until Monday.", headers=headers))
    assert (outcome.ok, outcome.code) == (False, "auto_reply")
    assert _nothing_changed(0)


def test_auto_submitted_no_is_a_person(world, post_in):
    post = post_in("open")
    outcome = process_message(reply_message(to=reply_address(world.member, post=post), sender="member@acme.test",
                                            headers={"Auto-Submitted": "no"}))
    assert outcome.ok


def test_a_delivery_report_is_ignored(world, post_in):
    address = reply_address(world.member, post=post_in("open"))
    raw = (f"From: member@acme.test\r\nTo: {address}\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
           "--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n--r--\r\n").encode()
    assert process_message(raw).code == "auto_reply"


@pytest.mark.parametrize("raw", [
    b"",
    b"this is not an e-mail at all\r\n",
    b"\x00\xff\xfe garbage",
    b"To: {to}\r\nSubject: no sender\r\n\r\nHello\r\n",
    b"From: member@acme.test\r\nTo: {to}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n",
    b"From: member@acme.test\r\nTo: {to}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
    b"the boundary never comes\r\n",
    b"From: member@acme.test\r\nTo: {to}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
    b"--zz\r\nContent-Type: text/plain\r\n\r\ncut short, no closing boundary\r\n",
], ids=["empty", "no-headers", "binary", "no-from", "no-boundary", "boundary-missing", "truncated"])
def test_malformed_messages_are_refused(world, post_in, raw):
    address = reply_address(world.member, post=post_in("open")).encode()
    outcome = process_message(raw.replace(b"{to}", address))
    assert (outcome.ok, outcome.code) == (False, "malformed") and outcome.message
    assert _nothing_changed(0)


def test_an_empty_reply_is_refused(world, post_in):
    post = post_in("open")
    for text in ("\n\nOn Thu, Nov 26, 2026 at 10:02 AM Essaim <e@acme.example.com> wrote:\n> Who comes?\n",
                 "-- \nMember\nAcme\n", "Sent from my iPhone\n"):
        outcome = process_message(reply_message(to=reply_address(world.member, post=post), sender="member@acme.test",
                                                text=text))
        assert (outcome.ok, outcome.code) == (False, "empty")
    assert _nothing_changed(0)


def test_too_large(world, post_in):
    address = reply_address(world.member, post=post_in("open"))
    raw = reply_message(to=address, sender="member@acme.test", attachment=b"x" * (MAX_BYTES - 1000))
    assert len(raw) > MAX_BYTES
    assert process_message(raw).code == "too_large"
    assert process_message(b"x" * (MAX_BYTES + 1)).code == "too_large"
    assert not Comment.objects.exists()


def test_an_html_only_reply(world, post_in):
    post = post_in("open")
    outcome = process_message(reply_message(
        to=reply_address(world.member, post=post), sender="member@acme.test", text=None,
        html='<div dir="ltr">Great <b>news</b>!</div><div class="gmail_quote">On Thu wrote: old</div>'))
    assert outcome.ok and Comment.objects.get(pk=outcome.object_id).body == "Great news!"


def test_the_reply_address_is_found_among_the_recipients(world, post_in):
    post = post_in("open")
    address = reply_address(world.member, post=post)
    forged = "reply+" + "b" * 34 + "@acme.example.com"
    raw = reply_message(to="Team <team@acme.test>, " + forged, sender="member@acme.test",
                        headers={"Cc": f"Essaim <{address.upper()}>"})
    assert process_message(raw).ok
    # The envelope recipient, when given, is the one that counts.
    raw = reply_message(to=address, sender="member@acme.test", text="Second")
    assert process_message(raw, recipient=forged).code == "forged"
    assert process_message(raw, recipient=address).ok


def test_only_the_given_network(world, post_in):
    address = reply_address(world.member, post=post_in("open"))
    raw = reply_message(to=address, sender="member@acme.test")
    assert process_message(raw, network=world.other_network).code == "unknown"
    assert process_message(raw, network=world.network).ok


def test_an_action_refusal_is_passed_on(world, post_in):
    post = post_in("open")
    outcome = process_message(reply_message(to=reply_address(world.member, post=post), sender="member@acme.test",
                                            text="x" * 200_000))
    assert (outcome.ok, outcome.code) == (False, "too_long") and "too long" in outcome.message
    assert _nothing_changed(0)

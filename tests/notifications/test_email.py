"""Notification e-mails through a real SMTP server: only what is still unread after the person's
delay, once, in their language, with Reply-To, one-click unsubscribe and a stable Message-ID."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr
from unittest import mock

import pytest
from notification_helpers import BASE_URL, body_of, run_jobs
from django.core.mail import EmailMessage

from essaim.accounts import actions as accounts
from essaim.core.jobs import enqueue
from essaim.core.models import Job
from essaim.messaging import actions as messaging
from essaim.notifications import actions, emails
from essaim.notifications.models import Kind, Notification
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db

LATER = timedelta(minutes=11)


def mention(world, body="Hello @member, can you check the figures?", where="open"):
    post = stream.do_create_post(world.owner, body, community=world.community(where))
    return post, Notification.objects.get(recipient=world.member, post=post, kind=Kind.MENTION)


def test_a_mention_still_unread_after_the_delay_is_emailed_once_with_its_headers(world, smtp):
    post, n = mention(world)
    assert Job.objects.filter(kind="notifications.email", key=f"notification-email:{n.id}").count() == 1
    run_jobs()
    assert smtp.messages() == []  # not before the delay
    run_jobs(LATER)
    (message,) = smtp.messages()
    assert smtp.envelopes[0].rcpt_tos == ["member@acme.test"]
    assert message["Subject"] == "Owner mentioned you in a post"
    assert parseaddr(message["To"]) == ("Member", "member@acme.test")
    assert message["Message-ID"] == f"<notification-{n.id}@essaim.example.com>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip()  # long headers are folded; unfolding leaves a space
    assert unsubscribe.startswith(f"<{BASE_URL}/unsubscribe/") and unsubscribe.endswith("/>")
    token = unsubscribe[len(f"<{BASE_URL}/unsubscribe/"):-2]
    assert emails.read_unsubscribe_token(token) == (world.member.id, "mention")
    name, reply_to = parseaddr(message["Reply-To"])
    assert "@" in reply_to and reply_to.startswith("reply+")
    from essaim.mail.addresses import parse_reply_address

    target = parse_reply_address(reply_to)
    assert (target.kind, target.target_id) == ("post", post.id)
    text, html = body_of(message), body_of(message, "html")
    assert text.startswith("Hello Member,")
    assert "can you check the figures?" in text and "can you check the figures?" in html
    assert f"{BASE_URL}/notifications/{n.id}/" in text and f'href="{BASE_URL}/notifications/{n.id}/"' in html
    assert '<html lang="en">' in html
    n.refresh_from_db()
    assert n.emailed_at is not None and n.read_at is None
    run_jobs(LATER * 3)
    assert len(smtp.messages()) == 1  # done is done


def test_a_mention_read_before_the_delay_is_not_emailed(world, smtp, client):
    _post, n = mention(world)
    client.force_login(world.member)
    assert client.get(f"/notifications/{n.id}/").status_code == 302  # opening it marks it read
    run_jobs(LATER)
    assert smtp.messages() == []
    n.refresh_from_db()
    assert n.emailed_at is None
    assert Job.objects.get(key=f"notification-email:{n.id}").state == Job.State.DONE


def test_delay_zero_sends_at_once_and_a_longer_delay_waits(world, smtp):
    actions.do_update_notification_settings(world.member, email_delay_minutes=0, acting_user=world.member)
    mention(world)
    run_jobs()
    assert len(smtp.messages()) == 1
    actions.do_update_notification_settings(world.member, email_delay_minutes=60, acting_user=world.member)
    mention(world, "Again @member")
    run_jobs(LATER)
    assert len(smtp.messages()) == 1
    run_jobs(timedelta(minutes=61))
    assert len(smtp.messages()) == 2


def test_the_email_speaks_the_recipients_language(world, smtp):
    accounts.do_update_profile(world.member, acting_user=world.member, language="fr")
    world.member.refresh_from_db()
    mention(world)
    run_jobs(LATER)
    (message,) = smtp.messages()
    assert message["Subject"] == "Owner vous a mentionné dans une publication"
    assert message["Content-Language"] == "fr"
    assert body_of(message).startswith("Bonjour Member,")
    assert '<html lang="fr">' in body_of(message, "html")


def test_english_stays_english_next_to_a_french_recipient(world, smtp):
    accounts.do_update_profile(world.moderator, acting_user=world.moderator, language="fr")
    stream.do_create_post(world.owner, "Hi @member and @moderator", community=world.open)
    run_jobs(LATER)
    subjects = {parseaddr(m["To"])[1]: m["Subject"] for m in smtp.messages()}
    assert subjects == {"member@acme.test": "Owner mentioned you in a post",
                        "moderator@acme.test": "Owner vous a mentionné dans une publication"}


def test_running_the_job_twice_or_enqueueing_it_twice_sends_one_email(world, smtp):
    _post, n = mention(world)
    key = f"notification-email:{n.id}"
    assert enqueue("notifications.email", {"notification_id": n.id}, key=key) is None  # same key: no second job
    run_jobs(LATER)
    actions.do_email_notification(n.id)  # the handler again, as a second runner would
    assert len(smtp.messages()) == 1


def test_a_crash_after_sending_resends_with_the_same_message_id(world, smtp):
    """The remaining window: the server accepted the message but the job's transaction did not
    commit (process killed, database gone). The retry sends again, with the same Message-ID, so
    that receiving systems and people can recognise the duplicate; then it is recorded once."""
    _post, n = mention(world)
    real_send = EmailMessage.send

    def send_then_crash(self, *args, **kwargs):
        real_send(self, *args, **kwargs)
        raise ConnectionError("database went away right after SMTP accepted")

    with mock.patch.object(EmailMessage, "send", send_then_crash):
        run_jobs(LATER)
    n.refresh_from_db()
    assert n.emailed_at is None and len(smtp.messages()) == 1
    job = Job.objects.get(key=f"notification-email:{n.id}")
    assert job.state == Job.State.QUEUED and job.attempts == 1
    run_jobs(LATER + timedelta(minutes=5))  # after the retry back-off
    first, second = smtp.messages()
    assert first["Message-ID"] == second["Message-ID"] == f"<notification-{n.id}@essaim.example.com>"
    n.refresh_from_db()
    assert n.emailed_at is not None
    run_jobs(LATER + timedelta(hours=1))
    assert len(smtp.messages()) == 2


def test_an_smtp_refusal_retries_later_and_marks_nothing(world, smtp):
    _post, n = mention(world)
    smtp.stop()  # the server is down
    run_jobs(LATER)
    n.refresh_from_db()
    assert n.emailed_at is None
    assert Job.objects.get(key=f"notification-email:{n.id}").state == Job.State.QUEUED
    smtp.start()  # back on another port
    from django.conf import settings

    settings.EMAIL_PORT = smtp.port
    run_jobs(LATER + timedelta(minutes=5))
    assert len(smtp.messages()) == 1


def test_no_email_when_the_object_is_gone_or_invisible_or_the_person_inactive(world, smtp):
    post, _n = mention(world, "Private @member", where="private")
    from essaim.communities import actions as communities

    communities.do_remove_member(world.private, world.member, acting_user=world.owner)  # no longer sees it
    _post2, n2 = mention(world, "Open @member")
    stream.do_delete_post(_post2, acting_user=world.owner)
    _post3, n3 = mention(world, "Another @moderator and @member")
    accounts.do_deactivate_user(world.moderator, acting_user=world.admin)
    run_jobs(LATER)
    assert [parseaddr(m["To"])[1] for m in smtp.messages()] == ["member@acme.test"]  # only the third


def test_a_changed_mind_stops_a_pending_email(world, smtp):
    _post, n = mention(world)
    actions.do_update_notification_settings(world.member, channels={"mention": "app"}, acting_user=world.member)
    run_jobs(LATER)
    assert smtp.messages() == []


def test_comment_reply_and_reaction_emails_use_the_post_family(world, smtp):
    for kind in ("comment", "reply", "reaction"):
        actions.do_update_notification_settings(world.member, channels={kind: "email"}, acting_user=world.member)
    post = stream.do_create_post(world.member, "My plan", community=world.open)
    comment = stream.do_create_comment(post, world.owner, "Looks good to me")
    mine = stream.do_create_comment(post, world.member, "Thanks")
    stream.do_create_comment(post, world.moderator, "Agreed with you", parent=mine)
    stream.do_add_reaction(world.outsider, "like", post=post)
    run_jobs(LATER)
    by_subject = {m["Subject"]: m for m in smtp.messages()}
    assert set(by_subject) == {"Owner commented on your post", "Moderator replied to your comment",
                               "Outsider reacted to your post"}
    assert "Looks good to me" in body_of(by_subject["Owner commented on your post"])
    reply_to = parseaddr(by_subject["Owner commented on your post"]["Reply-To"])[1]
    from essaim.mail.addresses import parse_reply_address

    assert parse_reply_address(reply_to).kind == "comment"
    assert parse_reply_address(reply_to).target_id == comment.id
    assert "My plan" in body_of(by_subject["Outsider reacted to your post"])


def test_community_events_have_their_own_family_and_no_reply_to(world, smtp):
    actions.do_update_notification_settings(world.owner, channels={"join_request": "email"}, acting_user=world.owner)
    from essaim.communities import actions as communities

    communities.do_join_community(world.outsider, world.private)
    run_jobs(LATER)
    (message,) = smtp.messages()
    assert message["Subject"] == "Outsider asked to join Private Club"
    assert message["Reply-To"] is None
    assert message["List-Unsubscribe"] and message["Message-ID"].startswith("<notification-")
    token = message["List-Unsubscribe"].strip().split("/unsubscribe/")[1].rstrip("/>")
    assert emails.read_unsubscribe_token(token) == (world.owner.id, "join_request")


def test_a_direct_message_is_emailed_with_its_text_and_a_reply_to_the_conversation(world, smtp):
    conversation = messaging.do_start_conversation(world.owner, [world.member.id])
    message = messaging.do_send_message(conversation, "Lunch at noon? Bring the slides.", acting_user=world.owner)
    n = Notification.objects.get(recipient=world.member, kind=Kind.MESSAGE)
    run_jobs(LATER)
    (mail,) = smtp.messages()
    assert mail["Subject"] == "Owner sent you a message"
    assert "Lunch at noon? Bring the slides." in body_of(mail)
    assert mail["Message-ID"] == f"<notification-{n.id}@essaim.example.com>"
    from essaim.mail.addresses import parse_reply_address

    target = parse_reply_address(parseaddr(mail["Reply-To"])[1])
    assert (target.kind, target.target_id) == ("conversation", conversation.id)
    assert message.id == n.message_id


def test_a_message_read_in_the_conversation_is_not_emailed(world, smtp):
    conversation = messaging.do_start_conversation(world.owner, [world.member.id])
    messaging.do_send_message(conversation, "Are you there?", acting_user=world.owner)
    messaging.do_mark_conversation_read(conversation, acting_user=world.member)
    run_jobs(LATER)
    assert smtp.messages() == []


def test_imported_people_get_no_email_and_no_digest(world, smtp):
    """A placeholder (an imported author) has no mailbox: mentioned, they keep the in-app
    notification for when the account is claimed, but nothing is sent."""
    ghost = accounts.do_create_placeholder_user(world.network, display_name="Ada Imported", source="example.org",
                                                source_id="77")
    from essaim.communities import actions as communities

    communities.do_join_community(ghost, world.open)
    post = stream.do_create_post(world.owner, f"Thanks @{ghost.handle}", community=world.open)
    assert Notification.objects.filter(recipient=ghost, post=post, kind=Kind.MENTION).exists()
    run_jobs(LATER)
    assert smtp.messages() == []
    actions.run_digests_now(network_id=world.network.id)
    assert all(env.rcpt_tos != [ghost.email] for env in smtp.envelopes)

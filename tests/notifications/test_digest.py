"""The digest: what it holds (unread digest notifications, e-mailed mentions still unread, the
most engaging posts the person did not write or open), who is due (daily, weekly, never), one
e-mail per person and period, one SMTP connection per batch, nothing sent when there is nothing."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr

import pytest
from notification_helpers import body_of, run_jobs
from django.utils import timezone

from essaim.accounts import actions as accounts
from essaim.core import activity
from essaim.core.jobs import schedule_periodic
from essaim.core.models import Job
from essaim.notifications import actions, emails, queries
from essaim.notifications.models import Kind, Notification, NotificationSettings
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


def by_recipient(smtp) -> dict:
    return {parseaddr(m["To"])[1]: m for m in smtp.messages()}


def engaged(author, body, *, by, **where):
    post = stream.do_create_post(author, body, **where)
    for person in by:
        stream.do_add_reaction(person, "like", post=post)
    return post


@pytest.fixture
def content(world):
    """Posts and notifications around `member` (in all three communities)."""
    w = world
    seen = engaged(w.owner, "Seen already: budget", by=[w.moderator], community=w.private)
    activity.record_view(w.member, activity.Object.POST, seen.id, seen.community_id)
    return {
        "popular": engaged(w.owner, "Popular: the new office opens", by=[w.moderator, w.outsider, w.admin],
                           community=w.open),
        "company": engaged(w.moderator, "Company: holidays calendar", by=[w.owner]),
        "seen": seen,
        "own": engaged(w.member, "Own: my report", by=[w.owner, w.moderator], community=w.open),
        "quiet": stream.do_create_post(w.owner, "Quiet: nobody reacted", community=w.open),
        "secret_elsewhere": engaged(w.owner, "Profile post", by=[w.moderator], profile_user=w.outsider),
    }


def test_the_digest_holds_what_was_missed_and_nothing_else(world, content, smtp):
    read = Notification.objects.filter(recipient=world.member, kind=Kind.INVITATION).order_by("id").first()
    read.read_at = timezone.now()
    read.save()
    stream.do_create_comment(content["own"], world.owner, "Great report")  # a digest-channel notification
    result = actions.run_digests_now()
    assert result["emails_sent"] == len(smtp.messages()) >= 1
    message = by_recipient(smtp)["member@acme.test"]
    assert message["Subject"] == "Your daily digest from Acme"
    assert message["Message-ID"] == f"<digest-{world.member.id}-{timezone.now().date().isoformat()}@essaim.example.com>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    token = message["List-Unsubscribe"].strip().split("/unsubscribe/")[1].rstrip("/>")
    assert emails.read_unsubscribe_token(token) == (world.member.id, "digest")
    text, html = body_of(message), body_of(message, "html")
    assert text.startswith("Hello Member,")
    assert "Popular: the new office opens" in text and "Popular: the new office opens" in html
    assert "Company: holidays calendar" in text and "Moderator in All company" in text
    assert "Owner in Open Club · 3 reactions and comments" in text
    for absent in ("Seen already", "Own: my report", "Quiet: nobody reacted", "Profile post"):
        assert absent not in text, absent
    assert "Owner commented on your post" in text
    assert text.count("Owner added you to") == 2  # three invitations, one of them read
    assert text.index("Popular: the new office opens") < text.index("Company: holidays calendar")  # most engaging first


def test_mentions_are_in_the_digest_once_emailed_not_while_their_email_waits(world, smtp):
    post = stream.do_create_post(world.owner, "Hi @member, the plan", community=world.open)
    actions.run_digests_now()
    assert "mentioned you" not in body_of(by_recipient(smtp)["member@acme.test"])
    n = Notification.objects.get(recipient=world.member, post=post)
    Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
    NotificationSettings.objects.filter(user=world.member).update(last_digest_at=timezone.now() - timedelta(days=2))
    Job.objects.filter(kind="notifications.digest").delete()  # a new day
    actions.run_digests_now()
    assert "Owner mentioned you in a post" in body_of(by_recipient(smtp)["member@acme.test"])


def test_nothing_to_tell_sends_nothing_but_counts_as_done(world, smtp):
    result = actions.run_digests_now()
    assert "stranger@globex.test" not in by_recipient(smtp)  # nothing in Globex
    assert NotificationSettings.objects.get(user=world.stranger).last_digest_at is not None
    assert result["people"] >= 7


def test_once_per_day_however_often_it_runs(world, content, smtp):
    first = actions.run_digests_now()
    assert first["emails_sent"] > 0
    again = actions.run_digests_now()
    assert again == {**again, "due": 0, "emails_sent": 0}
    assert actions.do_schedule_digests() == 0
    # A day later they are due again, at the same hour.
    later = timezone.now() + timedelta(hours=23, minutes=45)
    assert {uid for uid, _n, _f in queries.due_for_digest(later + actions.DIGEST_SLACK)} >= {world.member.id}


def test_weekly_and_never(world, content, smtp):
    actions.do_update_notification_settings(world.member, digest="weekly", acting_user=world.member)
    actions.do_update_notification_settings(world.owner, digest="never", acting_user=world.owner)
    NotificationSettings.objects.filter(user=world.member).update(last_digest_at=timezone.now() - timedelta(days=3))
    actions.run_digests_now()
    sent = by_recipient(smtp)
    assert "member@acme.test" not in sent and "owner@acme.test" not in sent
    assert "moderator@acme.test" in sent
    NotificationSettings.objects.filter(user=world.member).update(last_digest_at=timezone.now() - timedelta(days=7))
    actions.run_digests_now()
    message = by_recipient(smtp)["member@acme.test"]
    assert message["Subject"] == "Your weekly digest from Acme"
    year, week, _ = timezone.now().isocalendar()
    assert Job.objects.filter(key=f"digest:{world.member.id}:{year}-W{week:02d}").exists()
    assert "owner@acme.test" not in by_recipient(smtp)


def test_posts_since_the_last_digest_only(world, smtp):
    old = engaged(world.owner, "Old news", by=[world.moderator], community=world.open)
    NotificationSettings.objects.create(network=world.network, user=world.member,
                                        last_digest_at=timezone.now() + timedelta(seconds=1) - timedelta(days=1))
    type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    Notification.objects.filter(recipient=world.member).update(created_at=timezone.now() - timedelta(days=2))
    actions.run_digests_now()
    assert "member@acme.test" not in by_recipient(smtp)  # nothing new since their last digest


def test_a_level_nothing_community_stays_out_of_the_digest(world, content, smtp):
    actions.do_set_community_level(world.member, world.open, "nothing", acting_user=world.member)
    actions.run_digests_now()
    assert "Popular: the new office opens" not in body_of(by_recipient(smtp)["member@acme.test"])


def test_the_digest_speaks_the_recipients_language(world, content, smtp):
    accounts.do_update_profile(world.member, acting_user=world.member, language="fr")
    actions.run_digests_now()
    message = by_recipient(smtp)["member@acme.test"]
    assert message["Content-Language"] == "fr"
    assert body_of(message).startswith("Bonjour Member,")
    assert '<html lang="fr">' in body_of(message, "html")


def test_the_hourly_job_schedules_and_the_runner_sends_over_one_connection(world, content, smtp):
    assert schedule_periodic() >= 1
    run_jobs()
    people = Job.objects.filter(kind="notifications.digest")
    assert people.count() == 7 and set(people.values_list("state", flat=True)) == {"done"}
    sent = len(smtp.messages())
    assert sent >= 5 and smtp.connections == 1  # the batch shares one SMTP session
    assert schedule_periodic() == 0  # the same hour again: nothing new
    run_jobs()
    assert len(smtp.messages()) == sent


def test_a_failing_server_rolls_the_batch_back_for_a_retry(world, content, smtp):
    smtp.stop()
    with pytest.raises(OSError):
        actions.run_digests_now()
    assert not NotificationSettings.objects.filter(last_digest_at__isnull=False).exists()
    assert Job.objects.filter(kind="notifications.digest", state="queued").count() == 7
    smtp.start()
    from django.conf import settings

    settings.EMAIL_PORT = smtp.port
    assert actions.run_digests_now()["emails_sent"] == len(smtp.messages()) > 0


def test_the_digest_lists_questions_still_unanswered_after_a_day(world, smtp):
    from essaim.questions import actions as questions

    two_days_ago = timezone.now() - timedelta(days=2)
    waiting = questions.do_ask_question(world.owner, "Who knows the VPN settings?", "Still stuck.",
                                        community=world.private, created_at=two_days_ago)
    answered = questions.do_ask_question(world.owner, "Where is the coffee machine?", "?", community=world.open,
                                         created_at=two_days_ago)
    questions.do_answer_question(answered, world.moderator, "Second floor.")
    questions.do_ask_question(world.owner, "Asked just now?", "Too fresh.", community=world.open)
    questions.do_ask_question(world.member, "My own question", "Not for me.", community=world.open,
                              created_at=two_days_ago)
    questions.do_ask_question(world.owner, "Secret plans?", "Members only.", community=world.secret,
                              created_at=two_days_ago)
    digests = queries.digests_for([world.member, world.outsider],
                                  since={world.member.id: two_days_ago - timedelta(days=1),
                                         world.outsider.id: two_days_ago - timedelta(days=1)},
                                  until=timezone.now())
    member_titles = {q.title for q in digests[world.member.id].questions}
    assert member_titles == {"Who knows the VPN settings?", "Secret plans?"}
    assert {q.title for q in digests[world.outsider.id].questions} == set()  # in no community: not theirs
    actions.run_digests_now()
    message = by_recipient(smtp)["member@acme.test"]
    assert "Who knows the VPN settings?" in body_of(message, "plain")
    assert f"/questions/{waiting.id}/" in body_of(message, "html")

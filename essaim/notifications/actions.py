"""Every write about notifications: creating them (after the recipients' preferences), reading
them, the preferences themselves, muting threads, unsubscribing, and the e-mails and digests
(sent by jobs, recorded in the job's transaction right after the SMTP server accepted them).

Rows are written in the caller's transaction (they are the durable record); the live push goes
out after commit, and e-mails are jobs enqueued in that same transaction."""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.core.errors import InvalidInput, NotFound
from essaim.core.events import emit_on_commit
from essaim.core.jobs import enqueue
from essaim.core.models import Job

from . import emails, events, queries
from .access import access_unsubscribe_token, notifications_visible_to
from .models import (
    DEFAULT_CHANNELS, DEFAULT_EMAIL_DELAY, DEFAULT_LEVEL, MAX_EMAIL_DELAY, Channel, CommunityLevel,
    CommunityNotificationLevel, DigestFrequency, Kind, KindChannel, Notification, NotificationSettings, ThreadMute,
)

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 1000
FANOUT_BATCH = 500  # community_post notifications written per job

EMAIL_JOB = "notifications.email"
COMMUNITY_POST_JOB = "notifications.community_post"
DIGEST_JOB = "notifications.digest"
DIGEST_SCHEDULE_JOB = "notifications.digest_schedule"

# A digest is due once its period has passed, give or take this much, so that the hourly
# scheduler keeps each person's digest at the same hour instead of drifting by one every day.
DIGEST_SLACK = timedelta(minutes=30)


def notify(recipient_ids: Iterable[int], *, kind: str, actor, network_id: int, post=None, comment=None,
           community=None, message=None) -> list[Notification]:
    """Tell people in the app, and by e-mail later if they chose so and have not read it by then.
    Whoever turned this kind off, set the post's community to "nothing", or muted the thread gets
    nothing. The actor is never told about their own doing."""
    ids = []
    for rid in recipient_ids:
        if rid is not None and (actor is None or rid != actor.id) and rid not in ids:
            ids.append(rid)
    ids = ids[:MAX_RECIPIENTS]
    if not ids:
        return []
    delivery = queries.deliveries(ids, kind=kind, post=post)
    rows = Notification.objects.bulk_create([
        Notification(network_id=network_id, recipient_id=rid, kind=kind, actor=actor, post=post,
                     comment=comment, community=community, message=message)
        for rid in ids if rid in delivery
    ])
    now = timezone.now()
    # The e-mail jobs, in this transaction, in one insert (keys are new: the notifications are). The
    # runner polls for them; a job due in minutes needs no wake-up call.
    Job.objects.bulk_create([
        Job(kind=EMAIL_JOB, payload={"notification_id": row.id}, network_id=network_id,
            run_at=now + timedelta(minutes=delivery[row.recipient_id].email_delay_minutes),
            key=f"notification-email:{row.id}")
        for row in rows if delivery[row.recipient_id].channel == Channel.EMAIL
    ], ignore_conflicts=True)
    for row in rows:
        emit_on_commit(events.NOTIFICATION_CREATED, network_id=network_id, recipients=[row.recipient_id],
                       data={"kind": kind, "post_id": str(post.id) if post else None})
    return rows


def notify_new_post(post) -> None:
    """Called in the transaction that writes a post: if anyone chose "every new post" for its
    community, a job tells them (in batches), never this request."""
    if post.community_id and CommunityNotificationLevel.objects.filter(
            community_id=post.community_id, level=CommunityLevel.ALL).exists():
        enqueue(COMMUNITY_POST_JOB, {"post_id": post.id, "after": 0}, network_id=post.network_id,
                key=f"community-post:{post.id}")


def do_fan_out_post(post_id: int, after: int = 0) -> int:
    """One batch of "every new post" notifications for a community post (the job's work): members
    with that level after user id `after`; the next batch is another job."""
    from essaim.communities.models import Membership
    from essaim.stream.models import Post, PostMention

    post = Post.objects.select_related("author", "community").filter(pk=post_id, deleted_at__isnull=True).first()
    if post is None or post.community_id is None:
        return 0
    ids = list(CommunityNotificationLevel.objects.filter(
        community_id=post.community_id, level=CommunityLevel.ALL, user_id__gt=after, user__is_active=True,
        user_id__in=Membership.objects.filter(community_id=post.community_id).values("user_id"),
    ).order_by("user_id").values_list("user_id", flat=True)[:FANOUT_BATCH])
    if not ids:
        return 0
    mentioned = set(PostMention.objects.filter(post_id=post.id, user_id__in=ids).values_list("user_id", flat=True))
    rows = notify([uid for uid in ids if uid not in mentioned], kind=Kind.COMMUNITY_POST, actor=post.author,
                  network_id=post.network_id, post=post, community=post.community)
    if len(ids) == FANOUT_BATCH:
        enqueue(COMMUNITY_POST_JOB, {"post_id": post.id, "after": ids[-1]}, network_id=post.network_id,
                key=f"community-post:{post.id}:{ids[-1]}")
    return len(rows)


@transaction.atomic
def do_mark_read(user, *, ids: list[int] | None = None, all: bool = False) -> int:
    qs = Notification.objects.filter(recipient_id=user.id, network_id=user.network_id, read_at__isnull=True)
    if all:
        qs = qs.filter(queries.LISTED)  # direct messages are read on the Messages page
    else:
        qs = qs.filter(id__in=[int(i) for i in (ids or [])][:1000])
    count = qs.update(read_at=timezone.now())
    if count:
        emit_on_commit(events.NOTIFICATIONS_READ, network_id=user.network_id, recipients=[user.id],
                       data={"count": count})
    return count


@transaction.atomic
def do_mark_message_notifications_read(user, conversation_id: int, *, up_to_message_id: int | None = None) -> int:
    """The user's unread direct-message notifications of one conversation (up to a message) are
    read: called when they read the conversation (essaim.messaging.actions)."""
    qs = Notification.objects.filter(recipient_id=user.id, network_id=user.network_id, read_at__isnull=True,
                                     kind=Kind.MESSAGE, message__conversation_id=conversation_id)
    if up_to_message_id is not None:
        qs = qs.filter(message_id__lte=up_to_message_id)
    count = qs.update(read_at=timezone.now())
    if count:
        emit_on_commit(events.NOTIFICATIONS_READ, network_id=user.network_id, recipients=[user.id],
                       data={"count": count})
    return count


# --- preferences -------------------------------------------------------------------------------------

def clean_channels(channels) -> dict[str, str]:
    if not isinstance(channels, dict):
        raise InvalidInput(_("Send the channels as an object: {kind: channel}."), code="invalid_channels")
    unknown = sorted(str(k) for k in channels if k not in Kind.values)
    if unknown:
        raise InvalidInput(_("Unknown notification kind: %(kinds)s. Use one of: %(known)s.")
                           % {"kinds": ", ".join(unknown), "known": ", ".join(Kind.values)},
                           code="unknown_kind", details={"kinds": unknown, "allowed": list(Kind.values)})
    bad = sorted(k for k, v in channels.items() if v not in Channel.values)
    if bad:
        raise InvalidInput(_("Unknown channel for %(kinds)s. Use one of: %(known)s.")
                           % {"kinds": ", ".join(bad), "known": ", ".join(Channel.values)},
                           code="invalid_channel", details={"kinds": bad, "allowed": list(Channel.values)})
    return dict(channels)


def clean_delay(minutes) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_EMAIL_DELAY:
        raise InvalidInput(_("The e-mail delay is a whole number of minutes from 0 to %(max)d.")
                           % {"max": MAX_EMAIL_DELAY}, code="invalid_delay", details={"min": 0, "max": MAX_EMAIL_DELAY})
    return minutes


def clean_digest(frequency) -> str:
    if frequency not in DigestFrequency.values:
        raise InvalidInput(_("The digest is one of: %(known)s.") % {"known": ", ".join(DigestFrequency.values)},
                           code="invalid_digest", details={"allowed": list(DigestFrequency.values)})
    return frequency


def clean_level(level) -> str:
    if level not in CommunityLevel.values:
        raise InvalidInput(_("The level is one of: %(known)s.") % {"known": ", ".join(CommunityLevel.values)},
                           code="invalid_level", details={"allowed": list(CommunityLevel.values)})
    return level


def _set_channels(user, channels: dict[str, str]) -> None:
    defaults = [k for k, c in channels.items() if c == DEFAULT_CHANNELS[k]]
    if defaults:  # the default is stored as no row at all
        KindChannel.objects.filter(user_id=user.id, kind__in=defaults).delete()
    changed = [KindChannel(network_id=user.network_id, user_id=user.id, kind=k, channel=c)
               for k, c in channels.items() if c != DEFAULT_CHANNELS[k]]
    if changed:
        KindChannel.objects.bulk_create(changed, update_conflicts=True, unique_fields=["user", "kind"],
                                        update_fields=["channel"])


def _set_person(user, **fields) -> None:
    row = NotificationSettings.objects.filter(user_id=user.id).first()
    if row is None:
        defaults = {"email_delay_minutes": DEFAULT_EMAIL_DELAY, "digest": DigestFrequency.DAILY}
        if all(fields[k] == defaults[k] for k in fields):
            return  # nothing differs from the defaults: still no row
        NotificationSettings.objects.create(network_id=user.network_id, user_id=user.id, **fields)
    else:
        for k, v in fields.items():
            setattr(row, k, v)
        row.save(update_fields=list(fields))


@transaction.atomic
def do_update_notification_settings(user, *, channels: dict | None = None, email_delay_minutes: int | None = None,
                                    digest: str | None = None, community_levels: dict | None = None,
                                    acting_user) -> queries.Preferences:
    """Change any of: channels per kind ({kind: channel}), the e-mail delay, the digest frequency,
    levels per community ({community: level}, communities the person belongs to). Everything is
    checked before anything is written: a refused request changes nothing."""
    if acting_user.id != user.id:
        raise NotFound()
    channels = clean_channels(channels) if channels is not None else {}
    person = {}
    if email_delay_minutes is not None:
        person["email_delay_minutes"] = clean_delay(email_delay_minutes)
    if digest is not None:
        person["digest"] = clean_digest(digest)
    levels = {community: clean_level(level) for community, level in (community_levels or {}).items()}
    if channels:
        _set_channels(user, channels)
    if person:
        _set_person(user, **person)
    for community, level in levels.items():
        _set_level(user, community, level)
    return queries.preferences_of(user)


def _set_level(user, community, level: str) -> None:
    if level == DEFAULT_LEVEL:
        CommunityNotificationLevel.objects.filter(user_id=user.id, community_id=community.id).delete()
    else:
        CommunityNotificationLevel.objects.update_or_create(
            user_id=user.id, community_id=community.id,
            defaults={"level": level, "network_id": user.network_id})


@transaction.atomic
def do_set_community_level(user, community, level: str, *, acting_user) -> str:
    """`community` comes from access.access_community_for_level (visible, and a member)."""
    if acting_user.id != user.id or community.network_id != user.network_id:
        raise NotFound()
    _set_level(user, community, clean_level(level))
    return level


@transaction.atomic
def do_mute_thread(user, post, muted: bool = True, *, acting_user) -> bool:
    """`post` comes from stream.access.access_post (readable by the person). Idempotent."""
    if acting_user.id != user.id or post.network_id != user.network_id:
        raise NotFound()
    if muted:
        ThreadMute.objects.get_or_create(user_id=user.id, post_id=post.id, defaults={"network_id": post.network_id})
    else:
        ThreadMute.objects.filter(user_id=user.id, post_id=post.id).delete()
    return muted


@transaction.atomic
def do_unsubscribe(token: str):
    """One-click unsubscribe: that person's e-mails of that kind stop (the kind stays in the app),
    or their digest stops. Changes nothing else, ever; needs no session: the token is the proof."""
    user, kind = access_unsubscribe_token(token)
    if kind == emails.DIGEST:
        _set_person(user, digest=DigestFrequency.NEVER)
    elif queries.preferences_of(user).channels.get(kind) in (Channel.EMAIL, Channel.DIGEST):
        _set_channels(user, {kind: Channel.APP})
    return user, kind


# --- the notification e-mail (a job) ----------------------------------------------------------------

def do_email_notification(notification_id: int, *, connection=None) -> bool:
    """Send the e-mail about one notification, once, if it is still worth sending: unread, not yet
    e-mailed, its recipient active and still choosing e-mail for it, its object still visible to
    them. Runs in the job's transaction: `emailed_at` is written right after the SMTP server
    accepted the message, and commits with the job. A crash between the two sends it again on the
    retry, with the same Message-ID."""
    from essaim.messaging.models import Participant

    locked = (Notification.objects.select_for_update()
              .filter(pk=notification_id, read_at__isnull=True, emailed_at__isnull=True)
              .values_list("id", flat=True).first())
    if locked is None:
        return False
    n = Notification.objects.select_related("recipient", "recipient__network", "actor", "post", "comment",
                                            "community", "message").get(pk=locked)
    user = n.recipient
    if not user.is_active or not user.email or user.is_placeholder:  # imported people have no mailbox
        return False
    how = queries.deliveries([user.id], kind=n.kind, post=n.post).get(user.id)
    if how is None or how.channel != Channel.EMAIL:  # they changed their mind since
        return False
    if not notifications_visible_to(Notification.objects.filter(pk=n.pk), user).exists():
        return False
    if n.message_id and Participant.objects.filter(conversation_id=n.message.conversation_id, user_id=user.id,
                                                   muted=True).exists():
        return False
    message = emails.notification_message(n)
    message.connection = connection or get_connection()
    message.send()  # raises if the server refuses: the job is tried again later
    Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
    return True


# --- digests (jobs) -----------------------------------------------------------------------------------

def _is_due(prefs: queries.Preferences, now: datetime) -> bool:
    period = queries.DIGEST_PERIOD.get(prefs.digest)
    return period is not None and (prefs.last_digest_at is None
                                   or prefs.last_digest_at <= now - period + DIGEST_SLACK)


def do_schedule_digests(now: datetime | None = None, *, network_id: int | None = None) -> int:
    """One digest job per person due now (in one network, or all), in batches; its key (person and
    day, or ISO week) makes scheduling twice harmless. Returns how many people were due."""
    now = now or timezone.now()
    due, after = 0, 0
    while True:
        batch = queries.due_for_digest(now + DIGEST_SLACK, after_id=after, network_id=network_id)
        if not batch:
            return due
        Job.objects.bulk_create([
            Job(kind=DIGEST_JOB, network_id=network_id, run_at=now, payload={"user_id": uid},
                key=f"digest:{uid}:{queries.digest_period_key(frequency, now)}")
            for uid, network_id, frequency in batch
        ], ignore_conflicts=True)
        due += len(batch)
        after = batch[-1][0]


def _permanent(exc: Exception) -> bool:
    """A refusal about this message or recipient (not about the server or the connection)."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) or (
        isinstance(exc, (smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) and getattr(exc, "smtp_code", 0) >= 500)


def do_send_digests(leader: Job | None = None, *, limit: int = queries.DIGEST_BATCH,
                    now: datetime | None = None, network_id: int | None = None) -> tuple[int, int]:
    """Run a batch of queued digest jobs (`leader` and up to `limit` others that are ready) over ONE
    SMTP connection, in the caller's transaction; returns (people looked at, e-mails sent).

    For each person still due: their digest is built, sent if it holds anything, and their digest
    time recorded; the batch's other jobs are marked done with it. If the server fails midway, the
    whole batch is rolled back and tried again: people already sent to get the same message again
    (same Message-ID). A recipient the server refuses for good is skipped, not retried."""
    from essaim.accounts.models import User

    now = now or timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    if leader is not None:  # jobs this runner leased along with the leader are part of its batch too
        free |= Q(locked_by=leader.locked_by)
    others = (Job.objects.select_for_update(skip_locked=True)
              .filter(free, kind=DIGEST_JOB, state=Job.State.QUEUED, run_at__lte=now))
    if leader is not None:
        others = others.exclude(pk=leader.pk)
    if network_id is not None:
        others = others.filter(network_id=network_id)
    rows = ([leader] if leader else []) + list(others.order_by("id")[:max(limit - (leader is not None), 0)])
    if not rows:
        return 0, 0
    user_ids = {int(r.payload.get("user_id", 0)) for r in rows}
    users = list(User.objects.select_related("network").filter(id__in=user_ids, is_active=True, is_placeholder=False).exclude(email=""))
    prefs = queries.preferences_for([u.id for u in users])
    due = [u for u in users if _is_due(prefs[u.id], now)]
    messages = []
    by_network: dict[int, list] = {}
    for u in due:
        by_network.setdefault(u.network_id, []).append(u)
    for network_users in by_network.values():
        since = {u.id: prefs[u.id].last_digest_at or now - queries.DIGEST_PERIOD[prefs[u.id].digest]
                 for u in network_users}
        for uid, digest in queries.digests_for(network_users, since=since, until=now).items():
            if not digest.is_empty:
                frequency = prefs[uid].digest
                messages.append(emails.digest_message(
                    digest, frequency=frequency, period_key=queries.digest_period_key(frequency, now)))
    sent = 0
    if messages:
        connection = get_connection()
        with connection:  # one SMTP session for the whole batch
            for message in messages:
                try:
                    sent += connection.send_messages([message]) or 0
                except smtplib.SMTPException as exc:
                    if not _permanent(exc):
                        raise
                    log.warning("digest to %s refused by the mail server: %s", message.to, exc)
    if due:
        NotificationSettings.objects.bulk_create(
            [NotificationSettings(network_id=u.network_id, user_id=u.id, last_digest_at=now,
                                  digest=prefs[u.id].digest, email_delay_minutes=prefs[u.id].email_delay_minutes)
             for u in due],
            update_conflicts=True, unique_fields=["user"], update_fields=["last_digest_at"])
    done = [r.pk for r in rows if r is not leader]
    if done:  # the leader is marked done by the job runner, with this transaction
        Job.objects.filter(pk__in=done).update(state=Job.State.DONE, finished_at=timezone.now(), locked_until=None)
    return len(rows), sent


def run_digests_now(now: datetime | None = None, *, network_id: int | None = None) -> dict:
    """Everyone due (in one network, or all) gets their digest now, from this process (`essaim
    digest --now`, measurements): the same jobs and the same code as the worker, one transaction
    and one SMTP connection per batch."""
    started = time.monotonic()
    now = now or timezone.now()
    with transaction.atomic():
        due = do_schedule_digests(now, network_id=network_id)
    looked = sent = 0
    while True:
        with transaction.atomic():
            batch, batch_sent = do_send_digests(now=max(now, timezone.now()), network_id=network_id)
        if not batch:
            break
        looked, sent = looked + batch, sent + batch_sent
    return {"due": due, "people": looked, "emails_sent": sent, "seconds": time.monotonic() - started}

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from essaim.accounts.access import is_member_of_network
from essaim.core.pagination import Page, paginate
from essaim.core.prepared import Prepared, StandInViewer

from .access import notifications_visible_to
from .models import (
    DEFAULT_CHANNELS, DEFAULT_EMAIL_DELAY, DEFAULT_LEVEL, POST_KINDS, THREAD_KINDS, Channel, CommunityLevel,
    CommunityNotificationLevel, DigestFrequency, Kind, KindChannel, Notification, NotificationSettings, ThreadMute,
)

# Direct-message notifications belong to the Messages page, not to the notifications list.
LISTED = ~Q(kind=Kind.MESSAGE)


def notifications_for(viewer, *, cursor=None, limit=None, unread_only: bool = False) -> Page:
    qs = notifications_visible_to(Notification.objects.filter(LISTED), viewer).select_related(
        "actor", "post", "comment", "community")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return paginate(qs, cursor=cursor, limit=limit)


UNREAD_CAP = 100


def unread_count(viewer) -> int:
    """Unread notifications the viewer may still see, up to UNREAD_CAP (every page and a frequent API call)."""
    if not is_member_of_network(viewer):
        return 0
    return len(_unread.rows(user=viewer.id, network=viewer.network_id))


_unread = Prepared(lambda user, network: notifications_visible_to(
    Notification.objects.filter(LISTED, read_at__isnull=True), StandInViewer(user, network))
    .values_list("id")[:UNREAD_CAP])


def describe(notification: Notification) -> str:
    """One short sentence in the active language, e.g. "Alice Martin commented on your post"."""
    actor = notification.actor.display_name if notification.actor_id else _("Someone")
    community = notification.community.name if notification.community_id else ""
    kind = notification.kind
    if kind == Kind.MENTION and notification.comment_id:
        return _("%(actor)s mentioned you in a comment") % {"actor": actor}
    if kind == Kind.MENTION:
        return _("%(actor)s mentioned you in a post") % {"actor": actor}
    if kind == Kind.COMMENT:
        return _("%(actor)s commented on your post") % {"actor": actor}
    if kind == Kind.REPLY:
        return _("%(actor)s replied to your comment") % {"actor": actor}
    if kind == Kind.REACTION:
        return _("%(actor)s reacted to your post") % {"actor": actor}
    if kind == Kind.JOIN_REQUEST:
        return _("%(actor)s asked to join %(community)s") % {"actor": actor, "community": community}
    if kind == Kind.INVITATION:
        return _("%(actor)s added you to %(community)s") % {"actor": actor, "community": community}
    if kind == Kind.REQUEST_APPROVED:
        return _("%(actor)s approved your request to join %(community)s") % {"actor": actor, "community": community}
    if kind == Kind.MESSAGE:
        return _("%(actor)s sent you a message") % {"actor": actor}
    if kind == Kind.ANSWER:
        return _("%(actor)s answered your question") % {"actor": actor}
    if kind == Kind.ANSWER_ACCEPTED:
        return _("%(actor)s accepted your answer") % {"actor": actor}
    if kind == Kind.QUESTION_ROUTED:
        return _("%(actor)s asked you to answer a question") % {"actor": actor}
    if kind == Kind.COMMUNITY_POST and community:
        return _("%(actor)s posted in %(community)s") % {"actor": actor, "community": community}
    return str(Kind(kind).label) if kind in Kind.values else actor


# --- preferences -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Preferences:
    """One person's notification settings, defaults filled in."""

    channels: dict[str, str]
    email_delay_minutes: int = DEFAULT_EMAIL_DELAY
    digest: str = DigestFrequency.DAILY
    last_digest_at: datetime | None = None


def preferences_of(user) -> Preferences:
    return preferences_for([user.id])[user.id]


def preferences_for(user_ids) -> dict[int, Preferences]:
    """Everyone's preferences in two queries, whatever the number of people."""
    ids = list(user_ids)
    channels: dict[int, dict[str, str]] = {uid: dict(DEFAULT_CHANNELS) for uid in ids}
    for uid, kind, channel in KindChannel.objects.filter(user_id__in=ids).values_list("user_id", "kind", "channel"):
        if kind in DEFAULT_CHANNELS:
            channels[uid][kind] = channel
    rows = {s.user_id: s for s in NotificationSettings.objects.filter(user_id__in=ids)}
    out = {}
    for uid in ids:
        row = rows.get(uid)
        out[uid] = Preferences(channels[uid], row.email_delay_minutes, row.digest, row.last_digest_at) if row \
            else Preferences(channels[uid])
    return out


@dataclass(frozen=True)
class Delivery:
    channel: str
    email_delay_minutes: int = DEFAULT_EMAIL_DELAY


def deliveries(user_ids, *, kind: str, post=None) -> dict[int, Delivery]:
    """How a notification of `kind` (about `post`) reaches each of `user_ids`: people whose channel
    is "off", whose level for the post's community is "nothing", or who muted the thread are left
    out. At most four queries for any number of people."""
    ids = list(user_ids)
    if not ids:
        return {}
    default = DEFAULT_CHANNELS.get(kind, Channel.APP)
    channel = {uid: default for uid in ids}
    channel.update(KindChannel.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "channel"))
    silenced: set[int] = set()
    if post is not None and kind in POST_KINDS and post.community_id:
        silenced |= set(CommunityNotificationLevel.objects.filter(
            community_id=post.community_id, user_id__in=ids, level=CommunityLevel.NOTHING).values_list("user_id",
                                                                                                      flat=True))
    if post is not None and kind in THREAD_KINDS:
        silenced |= set(ThreadMute.objects.filter(post_id=post.id, user_id__in=ids).values_list("user_id", flat=True))
    wanted = [uid for uid in ids if channel[uid] != Channel.OFF and uid not in silenced]
    emailed = [uid for uid in wanted if channel[uid] == Channel.EMAIL]
    delays = dict(NotificationSettings.objects.filter(user_id__in=emailed).values_list(
        "user_id", "email_delay_minutes")) if emailed else {}
    return {uid: Delivery(channel[uid], delays.get(uid, DEFAULT_EMAIL_DELAY)) for uid in wanted}


def community_level(user, community) -> str:
    return (CommunityNotificationLevel.objects.filter(user_id=user.id, community_id=community.id)
            .values_list("level", flat=True).first() or DEFAULT_LEVEL)


def community_levels(user) -> list:
    """The person's communities (by name, at most MAX_LISTED_COMMUNITIES), each with `.level`."""
    from essaim.communities.models import Community

    communities = list(Community.objects.filter(network_id=user.network_id, memberships__user_id=user.id)
                       .order_by("sort_name", "id")[:MAX_LISTED_COMMUNITIES])
    levels = dict(CommunityNotificationLevel.objects.filter(
        user_id=user.id, community_id__in=[c.id for c in communities]).values_list("community_id", "level"))
    for c in communities:
        c.level = levels.get(c.id, DEFAULT_LEVEL)
    return communities


MAX_LISTED_COMMUNITIES = 500


def is_muted(user, post) -> bool:
    return ThreadMute.objects.filter(user_id=user.id, post_id=post.id).exists()


# --- digests -----------------------------------------------------------------------------------------

DIGEST_PERIOD = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}
DIGEST_BATCH = 500
MAX_DIGEST_NOTIFICATIONS = 20
MAX_DIGEST_POSTS = 5
MAX_DIGEST_QUESTIONS = 3
# A question still unanswered this long after it was asked is worth a colleague's look.
UNANSWERED_AFTER = timedelta(days=1)
UNANSWERED_WITHIN = timedelta(days=30)
MAX_DIGEST_CANDIDATES = 500
MAX_DIGEST_SCAN = 50_000  # unread notifications looked at for one batch of people


def digest_period_key(frequency: str, at: datetime) -> str:
    """'2026-11-27' for a daily digest, '2026-W48' for a weekly one: one digest per person and key."""
    if frequency == DigestFrequency.WEEKLY:
        year, week, _day = at.isocalendar()
        return f"{year}-W{week:02d}"
    return at.date().isoformat()


def due_for_digest(now: datetime, *, after_id: int = 0, limit: int = DIGEST_BATCH,
                   network_id: int | None = None) -> list[tuple[int, int, str]]:
    """(user id, network id, frequency) of active people whose digest is due at `now`, by id after `after_id`:
    daily ones whose last digest is at least 24 hours old (or who never had one), weekly ones 7 days."""
    from essaim.accounts.models import User

    day, week = now - DIGEST_PERIOD[DigestFrequency.DAILY], now - DIGEST_PERIOD[DigestFrequency.WEEKLY]
    settings_prefix = "notification_settings__"
    never = Q(**{f"{settings_prefix}last_digest_at__isnull": True})
    due = (Q(**{f"{settings_prefix}isnull": True})
           | Q(Q(**{f"{settings_prefix}digest": DigestFrequency.DAILY}),
               never | Q(**{f"{settings_prefix}last_digest_at__lte": day}))
           | Q(Q(**{f"{settings_prefix}digest": DigestFrequency.WEEKLY}),
               never | Q(**{f"{settings_prefix}last_digest_at__lte": week})))
    people = User.objects.filter(network_id=network_id) if network_id is not None else User.objects.all()
    rows = (people.filter(is_active=True, is_placeholder=False, id__gt=after_id).exclude(email="").filter(due)
            .order_by("id").values_list("id", "network_id", "notification_settings__digest")[:limit])
    return [(uid, network_id, frequency or DigestFrequency.DAILY) for uid, network_id, frequency in rows]


@dataclass
class Digest:
    user: object
    since: datetime
    until: datetime
    mentions: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    posts: list = field(default_factory=list)
    questions: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.mentions or self.notifications or self.posts or self.questions)

    @property
    def size(self) -> int:
        return len(self.mentions) + len(self.notifications) + len(self.posts) + len(self.questions)


def digests_for(users, *, since: dict[int, datetime], until: datetime) -> dict[int, Digest]:
    """What each person's digest holds, for people of one network:
    - unread notifications since their last digest whose channel is "digest", and unread mentions
      already e-mailed (a reminder); those still waiting for their own e-mail are not repeated;
    - the most engaging posts (reactions + comments) written since then in All company and in
      their communities, which they did not write, did not open, and whose community they did not
      set to "nothing";
    - questions of All company and their communities still unanswered a day after they were asked
      (within the last month), not their own, best voted first.
    A constant number of queries for the batch, plus one per person who has notifications to
    list (checked with the notifications' own access predicate)."""
    from essaim.communities.models import Membership
    from essaim.core.models import Activity
    from essaim.stream.models import Post

    users = list(users)
    if not users:
        return {}
    prefs = preferences_for([u.id for u in users])
    out = {u.id: Digest(u, since[u.id], until) for u in users}
    # Which unread notifications each person might get (one query for the batch), then, for those
    # who have any, the visible ones among them (one query each, with the access predicate).
    earliest = min(d.since for d in out.values())
    maybe: dict[int, list[int]] = {}
    for uid, nid, kind, emailed_at, created_at in (
            Notification.objects.filter(recipient_id__in=list(out), read_at__isnull=True, created_at__gt=earliest,
                                        created_at__lte=until)
            .order_by("-created_at", "-id")
            .values_list("recipient_id", "id", "kind", "emailed_at", "created_at")[:MAX_DIGEST_SCAN]):
        channel = prefs[uid].channels.get(kind)
        if created_at > out[uid].since and (
                channel == Channel.DIGEST
                or (kind == Kind.MENTION and channel == Channel.EMAIL and emailed_at is not None)):
            maybe.setdefault(uid, []).append(nid)
    for uid, ids in maybe.items():
        digest = out[uid]
        rows = list(notifications_visible_to(Notification.objects.filter(pk__in=ids[:MAX_DIGEST_NOTIFICATIONS * 5]),
                                             digest.user)
                    .select_related("actor", "post", "comment", "community")
                    .order_by("-created_at", "-id")[:MAX_DIGEST_NOTIFICATIONS * 2])
        digest.mentions = [n for n in rows if n.kind == Kind.MENTION][:MAX_DIGEST_NOTIFICATIONS]
        digest.notifications = [n for n in rows if n.kind != Kind.MENTION][:MAX_DIGEST_NOTIFICATIONS]

    network_id = users[0].network_id
    ids = [u.id for u in users]
    member_of: dict[int, set[int]] = {uid: set() for uid in ids}
    for uid, cid in Membership.objects.filter(user_id__in=ids).values_list("user_id", "community_id"):
        member_of[uid].add(cid)
    quiet = set(CommunityNotificationLevel.objects.filter(user_id__in=ids, level=CommunityLevel.NOTHING)
                .values_list("user_id", "community_id"))
    communities = set().union(*member_of.values())
    _unanswered_questions(out, network_id, member_of, quiet, until)
    candidates = list(
        Post.objects.filter(network_id=network_id, deleted_at__isnull=True, created_at__gt=earliest,
                            created_at__lte=until)
        .filter(Q(community__isnull=True, profile_user__isnull=True) | Q(community_id__in=communities))
        .annotate(engagement=Count("reactions", filter=Q(reactions__comment__isnull=True)) + F("comment_count"))
        .filter(engagement__gt=0)
        .select_related("author", "community")
        .order_by("-engagement", "-created_at", "-id")[:MAX_DIGEST_CANDIDATES])
    if not candidates:
        return out
    viewed = set(Activity.objects.filter(
        network_id=network_id, user_id__in=ids, verb=Activity.Verb.VIEW, object_type=Activity.Object.POST,
        object_id__in=[p.id for p in candidates]).values_list("user_id", "object_id"))
    for uid, digest in out.items():
        told = {n.post_id for n in digest.mentions + digest.notifications if n.post_id}
        for post in candidates:
            if len(digest.posts) >= MAX_DIGEST_POSTS:
                break
            if (post.created_at <= digest.since or post.author_id == uid or (uid, post.id) in viewed
                    or post.id in told
                    or (post.community_id is not None
                        and (post.community_id not in member_of[uid] or (uid, post.community_id) in quiet))):
                continue
            digest.posts.append(post)
    return out


def _unanswered_questions(out: dict, network_id: int, member_of: dict, quiet: set, until: datetime) -> None:
    """Fill each digest's `questions` (one query for the batch): still unanswered, not duplicates,
    in All company or one of the person's communities (which they did not silence), not theirs."""
    from essaim.stream.models import Post

    communities = set().union(*member_of.values()) if member_of else set()
    candidates = list(
        Post.objects.filter(network_id=network_id, kind="question", answer_count=0, duplicate_of__isnull=True,
                            deleted_at__isnull=True, created_at__lte=until - UNANSWERED_AFTER,
                            created_at__gt=until - UNANSWERED_WITHIN)
        .filter(Q(community__isnull=True, profile_user__isnull=True) | Q(community_id__in=communities))
        .select_related("author", "community")
        .order_by("-score", "-created_at", "-id")[:MAX_DIGEST_CANDIDATES])
    for uid, digest in out.items():
        for question in candidates:
            if len(digest.questions) >= MAX_DIGEST_QUESTIONS:
                break
            if question.author_id == uid or (question.community_id is not None and (
                    question.community_id not in member_of[uid] or (uid, question.community_id) in quiet)):
                continue
            digest.questions.append(question)

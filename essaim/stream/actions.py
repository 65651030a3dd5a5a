"""Every write about posts, comments, reactions and topics."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.communities import access as community_access
from essaim.communities.models import Community, Visibility
from essaim.core import activity, names, text
from essaim.core.bulk import chunks, insert_new, insert_rows, recount
from essaim.core.errors import Forbidden, InvalidInput
from essaim.core.events import emit_on_commit
from essaim.core.models import Name
from essaim.notifications.actions import notify, notify_new_post
from essaim.notifications.models import Kind

from . import access, events
from .models import Comment, Post, PostMention, PostTopic, PostVersion, Reaction, ReactionKind, Topic, TopicFollow

MAX_MENTION_NOTIFICATIONS = 50


def clean_body(body: str) -> str:
    if not isinstance(body, str):
        raise InvalidInput(_("The text must be a string."), code="invalid_body")
    body = body.replace("\r\n", "\n").replace("\x00", "").strip()
    if not body:
        raise InvalidInput(_("Write something first."), code="empty_body")
    if len(body) > text.MAX_BODY:
        raise InvalidInput(_("The text is too long (at most %(max)d characters).") % {"max": text.MAX_BODY},
                           code="too_long", details={"max": text.MAX_BODY, "length": len(body)})
    return body


def _render(network_id: int, body: str) -> tuple[str, dict[str, tuple[int, int]], list[str]]:
    """HTML, the @names that resolved (name -> (kind, id)), and the topic names."""
    resolved = names.resolve(network_id, text.find_handles(body))
    topic_names = text.find_topics(body)
    # The HTML is the same for every reader: a secret community's name stays plain text.
    secret = set(Community.objects.filter(
        id__in=[oid for kind, oid in resolved.values() if kind == Name.Kind.COMMUNITY],
        visibility=Visibility.SECRET).values_list("id", flat=True)) if resolved else set()

    def link_handle(name: str) -> str | None:
        if name not in resolved:
            return None
        kind, object_id = resolved[name]
        if kind == Name.Kind.USER:
            return reverse("accounts:profile", args=[object_id])
        if object_id in secret:
            return None
        return reverse("communities:detail", args=[object_id])

    def link_topic(name: str) -> str | None:
        return reverse("stream:topic", args=[name]) if name in topic_names else None

    return text.render(body, link_handle=link_handle, link_topic=link_topic), resolved, topic_names


def _topics(network_id: int, topic_names: list[str]) -> list[Topic]:
    if not topic_names:
        return []
    Topic.objects.bulk_create([Topic(network_id=network_id, name=n) for n in topic_names], ignore_conflicts=True)
    return list(Topic.objects.filter(network_id=network_id, name__in=topic_names))


def _mentioned_users(network_id: int, resolved: dict) -> list[User]:
    ids = [oid for kind, oid in resolved.values() if kind == Name.Kind.USER]
    return list(User.objects.filter(network_id=network_id, id__in=ids, is_active=True)) if ids else []


def _notify_mentions(post: Post, users: list[User], actor: User, comment: Comment | None = None,
                     already: set[int] = frozenset()) -> None:
    """Mentioned people who may read the post are told; the others are not (they could not open it)."""
    recipients = [u.id for u in users if u.id not in already and access.can_read_post(u, post)]
    notify(recipients[:MAX_MENTION_NOTIFICATIONS], kind=Kind.MENTION, actor=actor, network_id=post.network_id,
           post=post, comment=comment)


def _post_event(post: Post, type: str) -> None:
    # Recipients are computed at delivery time from the post's audience (same predicate as pages).
    emit_on_commit(type, network_id=post.network_id, data={
        "post_id": str(post.id), "community_id": str(post.community_id) if post.community_id else None,
        "author_id": str(post.author_id), "profile_user_id": str(post.profile_user_id) if post.profile_user_id else None,
    })


@transaction.atomic
def do_create_post(author: User, body: str, *, community: Community | None = None,
                   profile_user: User | None = None, announcement: bool = False,
                   created_at=None) -> Post:
    body = clean_body(body)
    if community is not None and profile_user is not None:
        raise InvalidInput(_("A post goes to a community or to a profile, not both."), code="invalid_target")
    if community is not None:
        if community.network_id != author.network_id or not community_access.can_post_in(author, community):
            raise Forbidden(_("Join the community to post in it."), code="not_member")
    elif profile_user is not None:
        if profile_user.network_id != author.network_id:
            raise Forbidden()
    elif not access.can_post_to_all_company(author):
        raise Forbidden(_("Only administrators post to All company in this network."), code="announcements_only")
    if announcement and not access.can_announce(author, community if profile_user is None else None):
        raise Forbidden(_("Only administrators and community owners make announcements."), code="not_allowed")
    if announcement and profile_user is not None:
        raise InvalidInput(_("Announcements go to a community or to All company."), code="invalid_target")
    html, resolved, topic_names = _render(author.network_id, body)
    post = Post.objects.create(network_id=author.network_id, author=author, community=community,
                               profile_user=profile_user, body=body, html=html, announcement=announcement,
                               pinned=announcement, created_at=created_at or timezone.now())
    topics = _topics(author.network_id, topic_names)
    PostTopic.objects.bulk_create([PostTopic(post=post, topic=t) for t in topics])
    mentioned = _mentioned_users(author.network_id, resolved)
    PostMention.objects.bulk_create([PostMention(post=post, user=u) for u in mentioned])
    _notify_mentions(post, mentioned, author)
    notify_new_post(post)  # "every new post" community levels: a job, in batches
    activity.record(network_id=post.network_id, user_id=author.id, verb=activity.Verb.POST,
                    object_type=activity.Object.POST, object_id=post.id, community_id=post.community_id)
    _post_event(post, events.POST_CREATED)
    return post


@transaction.atomic
def do_edit_post(post: Post, body: str, *, acting_user: User) -> Post:
    if not access.can_edit_post(acting_user, post):
        raise Forbidden(_("Only the author can edit a post."))
    body = clean_body(body)
    if body == post.body:
        return post
    PostVersion.objects.create(network_id=post.network_id, post=post, body=post.body,
                               created_at=post.edited_at or post.created_at, edited_by=acting_user)
    before = set(post.mentions.values_list("id", flat=True))
    html, resolved, topic_names = _render(post.network_id, body)
    post.body, post.html, post.edited_at = body, html, timezone.now()
    post.save(update_fields=["body", "html", "edited_at"])
    PostTopic.objects.filter(post=post).delete()
    PostTopic.objects.bulk_create([PostTopic(post=post, topic=t) for t in _topics(post.network_id, topic_names)])
    mentioned = _mentioned_users(post.network_id, resolved)
    PostMention.objects.filter(post=post).delete()
    PostMention.objects.bulk_create([PostMention(post=post, user=u) for u in mentioned])
    _notify_mentions(post, mentioned, acting_user, already=before)
    activity.record(network_id=post.network_id, user_id=acting_user.id, verb=activity.Verb.EDIT,
                    object_type=activity.Object.POST, object_id=post.id, community_id=post.community_id)
    _post_event(post, events.POST_UPDATED)
    return post


@transaction.atomic
def do_delete_post(post: Post, *, acting_user: User) -> None:
    if not access.can_delete_post(acting_user, post):
        raise Forbidden()
    Post.objects.filter(pk=post.pk, deleted_at__isnull=True).update(deleted_at=timezone.now(), deleted_by=acting_user,
                                                                   pinned=False)
    post.deleted_at = timezone.now()
    _post_event(post, events.POST_DELETED)


@transaction.atomic
def do_set_pinned(post: Post, pinned: bool, *, acting_user: User) -> Post:
    if not access.can_pin(acting_user, post):
        raise Forbidden()
    post.pinned = bool(pinned) and post.announcement
    post.save(update_fields=["pinned"])
    _post_event(post, events.POST_UPDATED)
    return post


@transaction.atomic
def do_create_comment(post: Post, author: User, body: str, *, parent: Comment | None = None,
                      created_at=None, answer=None, source: str = "", source_id: str = "",
                      quiet: bool = False) -> Comment:
    """`answer`: a comment on one of the question's answers. `quiet` (imports): no notifications
    and no activity rows; everything else happens."""
    if not access.can_read_post(author, post):  # whoever may read a post may comment on it
        raise Forbidden()
    body = clean_body(body)
    if answer is not None and (answer.question_id != post.id or answer.deleted_at is not None):
        raise InvalidInput(_("The answer you comment on is not on this question."), code="invalid_answer")
    if parent is not None and parent.answer_id != (answer.id if answer is not None else None):
        if answer is None and parent.answer_id is not None and parent.post_id == post.id:
            answer = parent.answer  # a reply joins the answer's comments
        else:
            raise InvalidInput(_("The comment you reply to is not on this post."), code="invalid_parent")
    replied_to = parent  # the comment answered; `parent` becomes the thread's top-level comment
    if parent is not None:
        if parent.post_id != post.id or parent.deleted_at is not None:
            raise InvalidInput(_("The comment you reply to is not on this post."), code="invalid_parent")
        if parent.parent_id is not None:
            parent = parent.parent  # one level of replies: a reply to a reply joins the same thread
            if parent.deleted_at is not None:
                raise InvalidInput(_("The comment you reply to is not on this post."), code="invalid_parent")
    html, resolved, _topic_names = _render(post.network_id, body)
    comment = Comment.objects.create(network_id=post.network_id, post=post, parent=parent, author=author, body=body,
                                     html=html, created_at=created_at or timezone.now(), answer=answer,
                                     source=source, source_id=source_id)
    Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    mentioned = _mentioned_users(post.network_id, resolved)
    comment.mentions.set(mentioned)
    if quiet:
        _comment_event(comment, events.COMMENT_CREATED)
        return comment
    told = {author.id}
    for answered in (replied_to, parent):  # whom the reply answers, then who started the thread
        if answered is not None and answered.author_id not in told:
            if notify([answered.author_id], kind=Kind.REPLY, actor=author, network_id=post.network_id, post=post,
                      comment=comment):  # nothing if they muted the thread or turned replies off
                told.add(answered.author_id)
    owner_id = answer.author_id if answer is not None else post.author_id  # whose text is commented on
    if owner_id not in told:
        if notify([owner_id], kind=Kind.COMMENT, actor=author, network_id=post.network_id, post=post,
                  comment=comment):
            told.add(owner_id)
    _notify_mentions(post, mentioned, author, comment=comment, already=told)
    activity.record(network_id=post.network_id, user_id=author.id, verb=activity.Verb.COMMENT,
                    object_type=activity.Object.COMMENT, object_id=comment.id, community_id=post.community_id)
    _comment_event(comment, events.COMMENT_CREATED)
    return comment


def _comment_event(comment: Comment, type: str) -> None:
    emit_on_commit(type, network_id=comment.network_id,
                   data={"post_id": str(comment.post_id), "comment_id": str(comment.id)})


@transaction.atomic
def do_edit_comment(comment: Comment, body: str, *, acting_user: User) -> Comment:
    if not access.can_edit_comment(acting_user, comment):
        raise Forbidden(_("Only the author can edit a comment."))
    body = clean_body(body)
    html, resolved, _topic_names = _render(comment.network_id, body)
    comment.body, comment.html, comment.edited_at = body, html, timezone.now()
    comment.save(update_fields=["body", "html", "edited_at"])
    _comment_event(comment, events.COMMENT_UPDATED)
    return comment


@transaction.atomic
def do_delete_comment(comment: Comment, *, acting_user: User) -> None:
    if not access.can_delete_comment(acting_user, comment):
        raise Forbidden()
    updated = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), deleted_by=acting_user)
    if updated:
        Post.objects.filter(pk=comment.post_id, comment_count__gt=0).update(comment_count=F("comment_count") - 1)
    _comment_event(comment, events.COMMENT_DELETED)


def _check_kind(kind: str) -> str:
    if kind not in ReactionKind.values:
        raise InvalidInput(_("Unknown reaction. Use one of: %(kinds)s.") % {"kinds": ", ".join(ReactionKind.values)},
                           code="invalid_reaction")
    return kind


@transaction.atomic
def do_add_reaction(user: User, kind: str, *, post: Post | None = None, comment: Comment | None = None) -> bool:
    """Idempotent: reacting twice with the same kind keeps one reaction. Returns True when added."""
    kind = _check_kind(kind)
    target_post = post if post is not None else comment.post
    if not access.can_read_post(user, target_post) or (comment is not None and comment.deleted_at is not None):
        raise Forbidden()
    try:
        with transaction.atomic():
            Reaction.objects.create(network_id=user.network_id, user=user, post=post, comment=comment, kind=kind)
    except IntegrityError:
        return False
    if post is not None:
        notify([post.author_id], kind=Kind.REACTION, actor=user, network_id=post.network_id, post=post)
    activity.record(network_id=user.network_id, user_id=user.id, verb=activity.Verb.REACT,
                    object_type=activity.Object.POST if post is not None else activity.Object.COMMENT,
                    object_id=(post or comment).id, community_id=target_post.community_id)
    emit_on_commit(events.REACTIONS_CHANGED, network_id=user.network_id,
                   data={"post_id": str(target_post.id), "comment_id": str(comment.id) if comment else None})
    return True


@transaction.atomic
def do_remove_reaction(user: User, kind: str, *, post: Post | None = None, comment: Comment | None = None) -> bool:
    kind = _check_kind(kind)
    deleted, _rows = Reaction.objects.filter(user=user, post=post, comment=comment, kind=kind).delete()
    if deleted:
        target_post = post if post is not None else comment.post
        emit_on_commit(events.REACTIONS_CHANGED, network_id=user.network_id,
                       data={"post_id": str(target_post.id), "comment_id": str(comment.id) if comment else None})
    return bool(deleted)


def _topic_by_name(network_id: int, name: str, *, create: bool) -> Topic | None:
    name = text.normalize_topic(name)
    if not text.TOPIC_RE.fullmatch("#" + name):
        raise InvalidInput(_("A topic is one word of letters, digits, dashes or underscores."), code="invalid_topic")
    if create:
        return Topic.objects.get_or_create(network_id=network_id, name=name)[0]
    return Topic.objects.filter(network_id=network_id, name=name).first()


@transaction.atomic
def do_follow_topic(user: User, name: str) -> Topic:
    topic = _topic_by_name(user.network_id, name, create=True)
    _follow, created = TopicFollow.objects.get_or_create(network_id=user.network_id, topic=topic, user=user)
    if created:
        activity.record(network_id=user.network_id, user_id=user.id, verb=activity.Verb.FOLLOW,
                        object_type=activity.Object.TOPIC, object_id=topic.id)
    return topic


@transaction.atomic
def do_unfollow_topic(user: User, name: str) -> None:
    topic = _topic_by_name(user.network_id, name, create=False)
    if topic is not None:
        TopicFollow.objects.filter(topic=topic, user=user).delete()


def do_bulk_create_posts(author: User, posts: list[tuple], *, community: Community | None = None) -> list[int]:
    """Many plain posts at once (generated data for measurements): (body, created_at) pairs by
    `author` in `community`, or (body, created_at, another author), or (body, created_at, author,
    title) for questions, or (body, created_at, author, title, place) for a place of their own (a
    community, or None for All company), written in the given order in one statement per 1,000,
    with one event per 1,000 (what reacts to it, such as search indexing, does so in bulk). No
    notification or activity. Every author must be allowed to post where their post goes, else
    nothing is written. Returns the new ids."""
    from essaim.questions.actions import clean_title

    def parts(item) -> tuple:
        who = item[2] if len(item) > 2 and item[2] is not None else author
        return who, (item[4] if len(item) > 4 else community)

    community_access.preload_roles({parts(item)[0] for item in posts if parts(item)[1] is not None})
    checked: set[tuple[int, int | None]] = set()
    for item in posts:
        who, place = parts(item)
        if (who.id, place and place.id) in checked:
            continue
        checked.add((who.id, place and place.id))
        if place is not None and (place.network_id != who.network_id or who.network_id != author.network_id
                                  or not community_access.can_post_in(who, place)):
            raise Forbidden(_("Join the community to post in it."), code="not_member")
        if place is None and (who.network_id != author.network_id or not access.can_post_to_all_company(who)):
            raise Forbidden(_("Only administrators post to All company in this network."), code="announcements_only")
    rows = []
    for item in posts:
        body, created_at = item[0], item[1]
        who, place = parts(item)
        title = clean_title(item[3]) if len(item) > 3 and item[3] else ""
        body = clean_body(body)
        html, _resolved, _topics_found = _render(author.network_id, body)
        rows.append((author.network_id, who.id, place and place.id, body, html, created_at or timezone.now(),
                     "question" if title else "post", title or ""))
    with transaction.atomic():  # all or nothing
        return insert_rows(Post, ("network_id", "author_id", "community_id", "body", "html", "created_at", "kind",
                                  "title"), rows, lambda ids, _rows: emit_on_commit(
            events.POSTS_BULK_CREATED, network_id=author.network_id, data={"post_ids": ids}))


def do_bulk_create_comments(network_id: int, comments: list[tuple]) -> list[int]:
    """Many top-level comments at once (generated data): (post id, author, body, created_at), each
    author able to read their post, in one transaction, one statement per 1,000, the posts'
    comment counts kept exact, and one event per 1,000 for the jobs (search, expertise). No
    notification or activity. Returns the new ids."""
    posts = access.readable_by_authors(network_id, [(who, post_id) for post_id, who, _b, _t in comments])
    rows = []
    for post_id, who, body, created_at in comments:
        body = clean_body(body)
        html, _resolved, _topics_found = _render(network_id, body)
        rows.append((network_id, posts[post_id].id, who.id, body, html, created_at or timezone.now()))
    with transaction.atomic():
        ids = insert_rows(Comment, ("network_id", "post_id", "author_id", "body", "html", "created_at"), rows,
                          lambda made, part: emit_on_commit(
                              events.COMMENTS_BULK_CREATED, network_id=network_id,
                              data={"comment_ids": made, "post_ids": sorted({row[1] for row in part})}))
        recount(Post, [post_id for post_id, *_rest in comments], "comment_count",
                Comment.objects.filter(deleted_at__isnull=True), "post_id")
    return ids


def do_bulk_react(network_id: int, reactions: list[tuple]) -> int:
    """Many reactions to posts at once (generated data): (person, post id, kind), each person able to
    read the post; the same reaction twice counts once. One transaction, one event per 5,000
    posts (search ranks engagement). No notification. Returns how many were new."""
    for _who, _post_id, kind in reactions:
        if kind not in ReactionKind.values:
            raise InvalidInput(_("Unknown reaction."), code="invalid_reaction")
    access.readable_by_authors(network_id, [(who, post_id) for who, post_id, _k in reactions])
    now = timezone.now()
    rows = [(network_id, who.id, post_id, kind, now) for who, post_id, kind in reactions]
    post_ids = sorted({post_id for _who, post_id, _k in reactions})
    with transaction.atomic():
        new = insert_new(Reaction, ("network_id", "user_id", "post_id", "kind", "created_at"), rows)
        for part in chunks(post_ids, 5000):
            emit_on_commit(events.REACTIONS_BULK_CHANGED, network_id=network_id, data={"post_ids": part})
        return new

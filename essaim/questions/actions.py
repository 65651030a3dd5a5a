"""Every write about questions, answers and votes. `quiet=True` (imports): no notifications and
no activity rows; everything else, events included, still happens."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.communities import access as community_access
from essaim.communities.models import Community
from essaim.core import activity, text
from essaim.core.bulk import insert_rows, recount
from essaim.core.errors import Forbidden, InvalidInput, NotFound
from essaim.core.events import emit_on_commit
from essaim.notifications.actions import notify, notify_new_post
from essaim.notifications.models import Kind
from essaim.stream import access as stream_access
from essaim.stream import events as stream_events
from essaim.stream.actions import (
    _mentioned_users,
    _notify_mentions,
    _post_event,
    _render,
    _topics,
    clean_body,
)
from essaim.stream.models import Post, PostMention, PostTopic

from . import access, events
from .models import Answer, Vote

MAX_TITLE = 300
MAX_TOPICS = 20


def clean_title(title) -> str:
    if not isinstance(title, str):
        raise InvalidInput(_("The title must be a string."), code="invalid_title")
    title = " ".join(title.replace("\x00", "").split())
    if not title:
        raise InvalidInput(_("Give your question a title."), code="empty_title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(_("The title is too long (at most %(max)d characters).") % {"max": MAX_TITLE},
                           code="title_too_long", details={"max": MAX_TITLE, "length": len(title)})
    return title


def _topic_names(topics) -> list[str]:
    if isinstance(topics, str):
        topics = topics.replace(",", " ").split()
    names = []
    for name in topics or ():
        if not isinstance(name, str):
            raise InvalidInput(_("A topic is one word of letters, digits, dashes or underscores."),
                               code="invalid_topic")
        name = text.normalize_topic(name)
        if not text.TOPIC_RE.fullmatch("#" + name):
            raise InvalidInput(_("A topic is one word of letters, digits, dashes or underscores."),
                               code="invalid_topic")
        if name not in names:
            names.append(name)
    if len(names) > MAX_TOPICS:
        raise InvalidInput(_("At most %(max)d topics.") % {"max": MAX_TOPICS}, code="too_many_topics")
    return names


def _event(type: str, question_id: int, network_id: int, **data) -> None:
    emit_on_commit(type, network_id=network_id, data={"post_id": str(question_id),
                                                      **{k: str(v) if v is not None else None
                                                         for k, v in data.items()}})


@transaction.atomic
def do_ask_question(author: User, title: str, body: str, *, community: Community | None = None, topics=(),
                    created_at=None, source: str = "", source_id: str = "", license: str = "", score: int = 0,
                    quiet: bool = False) -> Post:
    title = clean_title(title)
    body = clean_body(body)
    extra_topics = _topic_names(topics)
    if community is not None:
        if community.network_id != author.network_id or not community_access.can_post_in(author, community):
            raise Forbidden(_("Join the community to ask a question in it."), code="not_member")
    elif not stream_access.can_post_to_all_company(author):
        raise Forbidden(_("Only administrators post to All company in this network."), code="announcements_only")
    html, resolved, topic_names = _render(author.network_id, body)
    topic_names = topic_names + [n for n in extra_topics if n not in topic_names]
    post = Post.objects.create(network_id=author.network_id, author=author, community=community, kind="question",
                               title=title, body=body, html=html, created_at=created_at or timezone.now(),
                               score=int(score or 0), source=source or "", source_id=str(source_id or ""),
                               license=license or "")
    PostTopic.objects.bulk_create([PostTopic(post=post, topic=t) for t in _topics(author.network_id, topic_names)])
    mentioned = _mentioned_users(author.network_id, resolved)
    PostMention.objects.bulk_create([PostMention(post=post, user=u) for u in mentioned])
    if not quiet:
        _notify_mentions(post, mentioned, author)
        notify_new_post(post)
        activity.record(network_id=post.network_id, user_id=author.id, verb=activity.Verb.POST,
                        object_type=activity.Object.POST, object_id=post.id, community_id=post.community_id)
    _post_event(post, stream_events.POST_CREATED)
    return post


@transaction.atomic
def do_answer_question(question: Post, author: User, body: str, *, created_at=None, source: str = "",
                       source_id: str = "", license: str = "", score: int = 0, quiet: bool = False) -> Answer:
    if question.kind != "question" or not stream_access.can_read_post(author, question):
        raise NotFound()
    body = clean_body(body)
    html, resolved, _topic_names = _render(question.network_id, body)
    answer = Answer.objects.create(network_id=question.network_id, question=question, author=author, body=body,
                                   html=html, created_at=created_at or timezone.now(), score=int(score or 0),
                                   source=source or "", source_id=str(source_id or ""), license=license or "")
    Post.objects.filter(pk=question.pk).update(answer_count=F("answer_count") + 1)
    question.answer_count += 1
    if not quiet:
        told = notify([question.author_id], kind=Kind.ANSWER, actor=author, network_id=question.network_id,
                      post=question)
        _notify_mentions(question, _mentioned_users(question.network_id, resolved), author,
                         already={author.id} | {n.recipient_id for n in told})
        activity.record(network_id=question.network_id, user_id=author.id, verb=activity.Verb.COMMENT,
                        object_type=activity.Object.POST, object_id=question.id,
                        community_id=question.community_id)
    _event(events.ANSWER_CREATED, question.id, question.network_id, answer_id=answer.id)
    return answer


def do_bulk_answer(network_id: int, answers: list[tuple]) -> list[int]:
    """Many answers at once (generated data): (question id, author, body, created_at, accepted), each
    author able to read their question, at most one accepted per question (as if its asker had
    accepted it). One transaction, one statement per 1,000; answer counts and accepted answers
    kept exact; one event per 1,000 for the jobs (search, expertise). No notification or activity.
    Returns the new ids."""
    questions = stream_access.readable_by_authors(network_id, [(who, qid) for qid, who, _b, _t, _a in answers])
    accepted_of: dict[int, int] = {}
    rows = []
    for index, (qid, who, body, created_at, accepted) in enumerate(answers):
        if questions[qid].kind != "question":
            raise NotFound()
        if accepted:
            if qid in accepted_of:
                raise InvalidInput(_("A question has one accepted answer."), code="two_accepted")
            accepted_of[qid] = index
        body = clean_body(body)
        html, _resolved, _topic_names = _render(network_id, body)
        rows.append((network_id, qid, who.id, body, html, created_at or timezone.now()))
    with transaction.atomic():
        written: list[int] = []

        def accept(made: list[int], part: list[tuple]) -> None:  # each batch's accepted answers, then its event
            first = len(written)
            written.extend(made)
            accepted = [qid for qid, index in accepted_of.items() if first <= index < len(written)]
            for qid in accepted:
                Post.objects.filter(pk=qid).update(accepted_answer_id=written[accepted_of[qid]])
            emit_on_commit(events.ANSWERS_BULK_CREATED, network_id=network_id, data={
                "answer_ids": made, "post_ids": sorted({row[1] for row in part}), "accepted_post_ids": accepted})

        ids = insert_rows(Answer, ("network_id", "question_id", "author_id", "body", "html", "created_at"), rows,
                          accept)
        recount(Post, questions, "answer_count", Answer.objects.filter(deleted_at__isnull=True), "question_id")
    return ids


@transaction.atomic
def do_edit_answer(answer: Answer, body: str, *, acting_user: User) -> Answer:
    if answer.deleted_at is not None or not access.can_edit_answer(acting_user, answer):
        raise Forbidden(_("Only the author can edit an answer."))
    body = clean_body(body)
    if body == answer.body:
        return answer
    answer.body = body
    answer.html = _render(answer.network_id, body)[0]
    answer.edited_at = timezone.now()
    answer.save(update_fields=["body", "html", "edited_at"])
    activity.record(network_id=answer.network_id, user_id=acting_user.id, verb=activity.Verb.EDIT,
                    object_type=activity.Object.POST, object_id=answer.question_id,
                    community_id=answer.question.community_id)
    _event(events.ANSWER_UPDATED, answer.question_id, answer.network_id, answer_id=answer.id)
    return answer


@transaction.atomic
def do_delete_answer(answer: Answer, *, acting_user: User) -> None:
    if not access.can_delete_answer(acting_user, answer):
        raise Forbidden()
    deleted = Answer.objects.filter(pk=answer.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), deleted_by=acting_user)
    answer.deleted_at = answer.deleted_at or timezone.now()
    if deleted:
        Post.objects.filter(pk=answer.question_id, answer_count__gt=0).update(answer_count=F("answer_count") - 1)
        Post.objects.filter(pk=answer.question_id, accepted_answer=answer).update(accepted_answer=None)
        _event(events.ANSWER_DELETED, answer.question_id, answer.network_id, answer_id=answer.id)


@transaction.atomic
def do_accept_answer(answer: Answer, *, acting_user: User, quiet: bool = False) -> Post:
    """Accepting another answer replaces the accepted one."""
    question = answer.question
    if answer.deleted_at is not None or not stream_access.can_read_post(acting_user, question):
        raise NotFound()
    if not access.can_accept(acting_user, question):
        raise Forbidden(_("Only the person who asked, or a moderator, accepts an answer."), code="not_asker")
    if question.accepted_answer_id == answer.id:
        return question
    Post.objects.filter(pk=question.pk).update(accepted_answer=answer)
    question.accepted_answer = answer
    if not quiet:
        notify([answer.author_id], kind=Kind.ANSWER_ACCEPTED, actor=acting_user, network_id=question.network_id,
               post=question)
    _event(events.ANSWER_ACCEPTED, question.id, question.network_id, answer_id=answer.id)
    return question


@transaction.atomic
def do_unaccept_answer(question: Post, *, acting_user: User) -> Post:
    if not stream_access.can_read_post(acting_user, question) or question.kind != "question":
        raise NotFound()
    if not access.can_accept(acting_user, question):
        raise Forbidden(_("Only the person who asked, or a moderator, accepts an answer."), code="not_asker")
    Post.objects.filter(pk=question.pk).update(accepted_answer=None)
    question.accepted_answer = None
    _event(events.ANSWER_ACCEPTED, question.id, question.network_id, answer_id=None)
    return question


def _check_value(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, -1, 0):
        raise InvalidInput(_("A vote is 1 (up), -1 (down) or 0 (take back my vote)."), code="invalid_vote")
    return value


@transaction.atomic
def do_vote(user: User, value: int, *, post: Post | None = None, answer: Answer | None = None) -> int:
    """Set the user's vote (1, -1, or 0 to remove it) on a question or an answer; its new score.
    Race-safe: one row per person and target (unique constraints), scores moved with F()."""
    value = _check_value(value)
    if (post is None) == (answer is None):
        raise InvalidInput(_("Vote on a question or on an answer."), code="invalid_target")
    question = post if post is not None else answer.question
    if question.kind != "question" or not stream_access.can_read_post(user, question) or (
            answer is not None and answer.deleted_at is not None):
        raise NotFound()
    target = post if post is not None else answer
    if not access.can_vote(user, author_id=target.author_id):
        raise Forbidden(_("You cannot vote on your own question or answer."), code="own_content")
    where = {"post": post} if post is not None else {"answer": answer}
    model = Post if post is not None else Answer
    existing = Vote.objects.select_for_update().filter(user=user, **where).first()
    if existing is None and value != 0:
        try:
            with transaction.atomic():
                Vote.objects.create(network_id=user.network_id, user=user, value=value, **where)
            old = 0
        except IntegrityError:  # the same person voting twice at once: the other vote is the existing one
            existing = Vote.objects.select_for_update().get(user=user, **where)
    if existing is not None:
        old = existing.value
        if value == 0:
            existing.delete()
        elif value != old:
            Vote.objects.filter(pk=existing.pk).update(value=value)
    elif value == 0:
        old = 0
    delta = value - old
    if delta:
        model.objects.filter(pk=target.pk).update(score=F("score") + delta)
        _event(events.VOTES_CHANGED, question.id, question.network_id,
               answer_id=answer.id if answer is not None else None)
    target.score = model.objects.filter(pk=target.pk).values_list("score", flat=True).get()
    return target.score


@transaction.atomic
def do_mark_duplicate(question: Post, original: Post | None, *, acting_user: User, quiet: bool = False) -> Post:
    """Mark `question` as a duplicate of `original` (None: not a duplicate any more)."""
    if question.kind != "question" or not stream_access.can_read_post(acting_user, question):
        raise NotFound()
    if not access.can_mark_duplicate(acting_user, question):
        raise Forbidden(_("Only the person who asked, or a moderator, marks a question as a duplicate."),
                        code="not_asker")
    if original is not None:
        if original.kind != "question" or not stream_access.can_read_post(acting_user, original):
            raise InvalidInput(_("The original must be a question you can read."), code="invalid_original")
        if original.id == question.id:
            raise InvalidInput(_("A question cannot be a duplicate of itself."), code="invalid_original")
        if original.duplicate_of_id == question.id:
            raise InvalidInput(_("That question is already marked as a duplicate of this one."),
                               code="invalid_original")
    Post.objects.filter(pk=question.pk).update(duplicate_of=original)
    question.duplicate_of = original
    _event(events.QUESTION_UPDATED, question.id, question.network_id,
           duplicate_of=original.id if original is not None else None)
    return question

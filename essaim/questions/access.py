"""Who may see and do what with questions and answers. Reading a question or one of its answers
is reading the question's post (essaim.stream.access); `answers_visible_to` (lists) and
`can_read_answer` (one object) agree, as a test checks."""

from __future__ import annotations

from essaim.accounts.access import is_member_of_network
from essaim.core.errors import NotFound
from essaim.stream import access as stream_access
from essaim.stream.models import Post

from .models import Answer

QUESTION = "question"


def questions_visible_to(qs, viewer):
    return stream_access.posts_visible_to(qs, viewer).filter(kind=QUESTION)


def answers_visible_to(qs, viewer):
    if not is_member_of_network(viewer):
        return qs.none()
    readable = stream_access.posts_visible_to(Post.objects.all(), viewer).filter(kind=QUESTION)
    return qs.filter(network_id=viewer.network_id, deleted_at__isnull=True,
                     question_id__in=readable.values("id"))


def can_read_question(viewer, post) -> bool:
    return post.kind == QUESTION and stream_access.can_read_post(viewer, post)


def can_read_answer(viewer, answer) -> bool:
    return (answer.deleted_at is None and getattr(viewer, "network_id", None) == answer.network_id
            and can_read_question(viewer, answer.question))


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if not 0 < number < 2**63:
        raise NotFound()
    return number


def access_question(viewer, question_id) -> Post:
    if not is_member_of_network(viewer):
        raise NotFound()
    post = (Post.objects.select_related("author", "community", "profile_user", "duplicate_of")
            .filter(pk=_int(question_id), network_id=viewer.network_id, kind=QUESTION).first())
    if post is None or not can_read_question(viewer, post):
        raise NotFound()
    return post


def access_answer(viewer, answer_id) -> Answer:
    if not is_member_of_network(viewer):
        raise NotFound()
    answer = (Answer.objects.select_related("author", "question", "question__community", "question__author")
              .filter(pk=_int(answer_id), network_id=viewer.network_id).first())
    if answer is None or not can_read_answer(viewer, answer):
        raise NotFound()
    return answer


def visible_original(viewer, question) -> Post | None:
    """The question this one duplicates, if the viewer may open it (a duplicate in an open community
    may point to one in a private community: its readers must not learn its title)."""
    if not question.duplicate_of_id:
        return None
    original = question.duplicate_of
    return original if can_read_question(viewer, original) else None


def can_moderate_question(viewer, question) -> bool:
    """The asker, or who moderates the question's place (community moderators, administrators)."""
    return question.author_id == viewer.id or stream_access.can_moderate_post(viewer, question)


def can_accept(viewer, question) -> bool:
    return can_moderate_question(viewer, question)


def can_mark_duplicate(viewer, question) -> bool:
    return can_moderate_question(viewer, question)


def can_edit_answer(viewer, answer) -> bool:
    return answer.author_id == viewer.id


def can_delete_answer(viewer, answer) -> bool:
    return answer.author_id == viewer.id or stream_access.can_moderate_post(viewer, answer.question)


def can_vote(viewer, *, author_id) -> bool:
    return author_id != viewer.id

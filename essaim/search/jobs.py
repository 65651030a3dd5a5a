"""The "search.index" job: keeps the index in step with the events (queued in the same
transaction as each event, so nothing is lost). People have no events yet: accounts.actions
queues `person.changed` through `queue_person()` when a person is created or their profile
changes, and `essaim search reindex` rebuilds everything."""

from __future__ import annotations

from essaim.communities import events as community_events
from essaim.core.events import run_job_on
from essaim.core.jobs import enqueue, job
from essaim.stream import events as stream_events

from . import indexing
from .models import SearchEntry

PERSON_CHANGED = "person.changed"


def _int(value):
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _post_and_topics(post_id: int) -> None:
    from essaim.stream.models import PostTopic

    indexing.index_objects("post", [post_id])
    indexing.index_objects("topic", list(PostTopic.objects.filter(post_id=post_id).values_list("topic_id", flat=True)))


def handle(event_type: str, data: dict) -> None:
    post_id = _int(data.get("post_id"))
    if event_type in (stream_events.POST_CREATED, stream_events.POST_UPDATED):
        _post_and_topics(post_id)
    elif event_type == stream_events.POST_DELETED:
        SearchEntry.objects.filter(post_id=post_id).delete()  # the post, its comments and answers
    elif event_type.startswith("comment.") or event_type == stream_events.REACTIONS_CHANGED:
        comment_id = _int(data.get("comment_id"))
        if comment_id:
            indexing.index_objects("comment", [comment_id])
        if post_id:
            indexing.index_objects("post", [post_id])  # engagement
    elif event_type.startswith("community."):
        indexing.index_objects("community", [_int(data.get("community_id"))])
    elif event_type.startswith(("answer.", "vote.", "question.")):
        answer_id = _int(data.get("answer_id"))
        if answer_id:
            indexing.index_objects("answer", [answer_id])
        if post_id:
            _post_and_topics(post_id)
            if event_type == "answer.accepted":  # the accepted mark counts in every answer's engagement
                from essaim.questions.models import Answer

                indexing.index_objects("answer", Answer.objects.filter(question_id=post_id).values_list(
                    "id", flat=True))
    elif event_type == PERSON_CHANGED:
        indexing.index_objects("person", [_int(data.get("user_id"))])


@job("search.index")
def index_job(row) -> None:
    handle(row.payload.get("type", ""), row.payload.get("data") or {})


@job("search.reindex")
def reindex_job(row) -> None:
    """Rebuild every entry (queued by migrations that change how entries are made)."""
    indexing.reindex_all()


def queue_person(user) -> None:
    """Reindex a person soon (their name, title, department, skills or status changed)."""
    enqueue("search.index", {"type": PERSON_CHANGED, "data": {"user_id": str(user.id)}}, network_id=user.network_id)


run_job_on(stream_events.POST_CREATED, stream_events.POST_UPDATED, stream_events.POST_DELETED,
           stream_events.COMMENT_CREATED, stream_events.COMMENT_UPDATED, stream_events.COMMENT_DELETED,
           stream_events.REACTIONS_CHANGED, community_events.COMMUNITY_UPDATED, community_events.MEMBERSHIP_CHANGED,
           job="search.index")
try:
    from essaim.questions import events as question_events
except ImportError:  # pragma: no cover
    question_events = None
if question_events is not None:
    run_job_on(*question_events.ALL, job="search.index")

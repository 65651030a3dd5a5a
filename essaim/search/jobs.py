"""The "search.index" job: keeps the index in step with the events (queued in the same
transaction as each event, so nothing is lost). People have no events yet: accounts.actions
queues `person.changed` through `queue_person()` when a person is created or their profile
changes, and `essaim search reindex` rebuilds everything."""

from __future__ import annotations

from essaim.communities import events as community_events
from essaim.core.events import run_job_on
from essaim.core.jobs import enqueue, job
from essaim.questions import events as question_events
from essaim.stream import events as stream_events

from . import indexing
from .models import SearchEntry

PERSON_CHANGED = "person.changed"


def _int(value):
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class Targets:
    """What a set of events asks to reindex: each object once, whatever the number of events."""

    def __init__(self):
        self.ids: dict[str, set[int]] = {k: set() for k in ("post", "comment", "answer", "person", "community")}
        self.deleted_posts: set[int] = set()
        self.answers_of: set[int] = set()  # questions whose every answer changes (accepted mark)

    def add(self, event_type: str, data: dict) -> None:
        post_id = _int(data.get("post_id"))
        if event_type in (stream_events.POST_CREATED, stream_events.POST_UPDATED):
            self.ids["post"].add(post_id)
        elif event_type == stream_events.POSTS_BULK_CREATED:
            self.ids["post"].update(filter(None, (_int(i) for i in data.get("post_ids") or ())))
        elif event_type in (stream_events.COMMENTS_BULK_CREATED, stream_events.REACTIONS_BULK_CHANGED,
                            question_events.ANSWERS_BULK_CREATED):
            for kind, key in (("comment", "comment_ids"), ("answer", "answer_ids"), ("post", "post_ids")):
                self.ids[kind].update(filter(None, (_int(i) for i in data.get(key) or ())))
        elif event_type == stream_events.POST_DELETED:
            self.deleted_posts.add(post_id)
        elif event_type.startswith("comment.") or event_type == stream_events.REACTIONS_CHANGED:
            self.ids["comment"].add(_int(data.get("comment_id")))
            self.ids["post"].add(post_id)  # engagement
        elif event_type.startswith("community."):
            self.ids["community"].add(_int(data.get("community_id")))
        elif event_type.startswith(("answer.", "vote.", "question.")):
            self.ids["answer"].add(_int(data.get("answer_id")))
            self.ids["post"].add(post_id)
            if event_type == "answer.accepted" and post_id:
                self.answers_of.add(post_id)
        elif event_type == PERSON_CHANGED:
            self.ids["person"].add(_int(data.get("user_id")))
            self.ids["person"].update(filter(None, (_int(i) for i in data.get("user_ids") or ())))

    def apply(self) -> None:
        from essaim.stream.models import PostTopic

        for ids in self.ids.values():
            ids.discard(None)
            ids.discard(0)
        self.deleted_posts.discard(None)
        if self.deleted_posts:  # the post, its comments and answers
            SearchEntry.objects.filter(post_id__in=self.deleted_posts).delete()
        if self.answers_of:
            from essaim.questions.models import Answer

            self.ids["answer"].update(Answer.objects.filter(question_id__in=self.answers_of).values_list("id", flat=True))
        posts = sorted(self.ids["post"] - self.deleted_posts)
        for kind in ("comment", "answer", "person", "community"):
            if self.ids[kind]:
                indexing.index_objects(kind, sorted(self.ids[kind]))
        if posts:
            indexing.index_objects("post", posts)
            topics = set()
            for chunk in indexing._chunks(posts):
                topics.update(PostTopic.objects.filter(post_id__in=chunk).values_list("topic_id", flat=True))
            indexing.index_objects("topic", sorted(topics))


def handle(event_type: str, data: dict) -> None:
    targets = Targets()
    targets.add(event_type, data)
    targets.apply()


def run_in_bulk() -> int:
    """Run the queued index jobs in batches, each object indexed once per batch (after an import:
    much faster than one job at a time). Returns the number of jobs done."""
    from essaim.core.jobs import run_batched

    def index(rows) -> None:
        targets = Targets()
        for row in rows:
            targets.add(row.payload.get("type", ""), row.payload.get("data") or {})
        targets.apply()

    return run_batched("search.index", index)


@job("search.index")
def index_job(row) -> None:
    handle(row.payload.get("type", ""), row.payload.get("data") or {})


@job("search.reindex")
def reindex_job(row) -> None:
    """Rebuild every entry (queued by migrations that change how entries are made)."""
    indexing.reindex_all()


def queue_people(network_id: int, user_ids: list[int]) -> None:
    """Index these people soon, in one job (people written in bulk)."""
    enqueue("search.index", {"type": PERSON_CHANGED, "data": {"user_ids": [str(i) for i in user_ids]}},
            network_id=network_id)


def queue_person(user) -> None:
    """Reindex a person soon (their name, title, department, skills or status changed)."""
    enqueue("search.index", {"type": PERSON_CHANGED, "data": {"user_id": str(user.id)}}, network_id=user.network_id)


run_job_on(stream_events.POST_CREATED, stream_events.POST_UPDATED, stream_events.POST_DELETED,
           stream_events.POSTS_BULK_CREATED, stream_events.COMMENTS_BULK_CREATED, stream_events.REACTIONS_BULK_CHANGED,
           stream_events.COMMENT_CREATED, stream_events.COMMENT_UPDATED, stream_events.COMMENT_DELETED,
           stream_events.REACTIONS_CHANGED, community_events.COMMUNITY_UPDATED, community_events.MEMBERSHIP_CHANGED,
           job="search.index")
run_job_on(*question_events.ALL, question_events.ANSWERS_BULK_CREATED, job="search.index")

"""The "experts.index" job: after every contribution, vote or acceptance, the summaries of the
people concerned are recomputed (actions.do_refresh_expertise), each person once per batch.
Queued in the same transaction as the event, so nothing is lost; `essaim experts rebuild` redoes
everyone."""

from __future__ import annotations

from essaim.core.events import run_job_on
from essaim.core.jobs import job, run_batched
from essaim.questions import events as question_events
from essaim.stream import events as stream_events

from .actions import do_refresh_expertise

JOB = "experts.index"
MAX_PER_POST = 5_000


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class People:
    """Whom a set of events concerns: each person once."""

    def __init__(self):
        self.posts: set[int] = set()  # every contributor to these posts
        self.post_authors: set[int] = set()
        self.answers: set[int] = set()
        self.comments: set[int] = set()

    def add(self, event_type: str, data: dict) -> None:
        post_id = _int(data.get("post_id"))
        if event_type == stream_events.POSTS_BULK_CREATED:
            self.post_authors.update(filter(None, (_int(i) for i in data.get("post_ids") or ())))
        elif event_type in (stream_events.POST_CREATED,):
            self.post_authors.add(post_id)
        elif event_type in (stream_events.POST_UPDATED, stream_events.POST_DELETED, question_events.QUESTION_UPDATED,
                            question_events.ANSWER_ACCEPTED):
            self.posts.add(post_id)  # its place, topics or accepted answer: everyone's part in it
        elif event_type.startswith("comment."):
            self.comments.add(_int(data.get("comment_id")))
        elif event_type == stream_events.COMMENTS_BULK_CREATED:
            self.comments.update(filter(None, (_int(i) for i in data.get("comment_ids") or ())))
        elif event_type == question_events.ANSWERS_BULK_CREATED:  # answers, some accepted: everyone's part
            self.answers.update(filter(None, (_int(i) for i in data.get("answer_ids") or ())))
            self.posts.update(filter(None, (_int(i) for i in data.get("accepted_post_ids") or ())))
        elif event_type in (question_events.ANSWER_CREATED, question_events.ANSWER_UPDATED,
                            question_events.ANSWER_DELETED):
            self.answers.add(_int(data.get("answer_id")))
        elif event_type == question_events.VOTES_CHANGED:
            if data.get("answer_id"):
                self.answers.add(_int(data.get("answer_id")))
            else:
                self.post_authors.add(post_id)

    def user_ids(self) -> set[int]:
        from essaim.questions.models import Answer
        from essaim.stream.models import Comment, Post

        for s in (self.posts, self.post_authors, self.answers, self.comments):
            s.discard(None)
        ids: set[int] = set()
        ids.update(_authors_of(Post, self.post_authors | self.posts))
        if self.posts:
            ids.update(Answer.objects.filter(question_id__in=sorted(self.posts)).values_list("author_id", flat=True)
                       .distinct()[:MAX_PER_POST])
            ids.update(Comment.objects.filter(post_id__in=sorted(self.posts)).values_list("author_id", flat=True)
                       .distinct()[:MAX_PER_POST])
        ids.update(_authors_of(Answer, self.answers))
        ids.update(_authors_of(Comment, self.comments))
        return ids


def _authors_of(model, ids: set[int]) -> set[int]:
    """The authors of these posts, answers or comments, 10,000 at a time (bulk-written content)."""
    from essaim.core.bulk import chunks

    found: set[int] = set()
    for part in chunks(sorted(ids), 10_000):
        found.update(model.objects.filter(id__in=part).order_by().values_list("author_id", flat=True).distinct())
    return found


def _refresh(rows) -> None:
    people = People()
    for row in rows:
        people.add(row.payload.get("type", ""), row.payload.get("data") or {})
    do_refresh_expertise(people.user_ids())


@job(JOB, atomic=False)  # do_refresh_expertise is idempotent and writes in its own short transactions
def index_job(row) -> None:
    _refresh([row])


def rebuild_all(*, network_id: int | None = None, say=None, part: tuple[int, int] = (0, 1)) -> int:
    """Recompute everyone's summaries (or one network's), in batches of people. `part` (k, n):
    every n-th person from the k-th only, for n processes at once."""
    from essaim.accounts.models import User

    people = User.objects.order_by("id")
    if network_id is not None:
        people = people.filter(network_id=network_id)
    ids = list(people.values_list("id", flat=True))[part[0]::part[1]]
    done = 0
    for i in range(0, len(ids), 500):
        done += do_refresh_expertise(ids[i:i + 500])
        if say:
            say(f"{done:,} of {len(ids):,} people")
    return done


@job("experts.rebuild", max_attempts=3)
def rebuild_job(row) -> None:
    rebuild_all()


def run_in_bulk() -> int:
    """Run the queued jobs in batches, each person once per batch (after an import)."""
    return run_batched(JOB, _refresh, batch=20_000)


run_job_on(stream_events.POST_CREATED, stream_events.POST_UPDATED, stream_events.POST_DELETED,
           stream_events.POSTS_BULK_CREATED, stream_events.COMMENT_CREATED, stream_events.COMMENT_DELETED,
           stream_events.COMMENTS_BULK_CREATED, question_events.ANSWERS_BULK_CREATED,
           question_events.ANSWER_CREATED, question_events.ANSWER_UPDATED, question_events.ANSWER_DELETED,
           question_events.ANSWER_ACCEPTED, question_events.VOTES_CHANGED, question_events.QUESTION_UPDATED,
           job=JOB)

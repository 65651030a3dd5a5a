"""Question and answer events. Their audience is whoever may read the question (the same
predicate as its pages), computed at delivery time from `post_id`."""

from essaim.core.events import declare

ANSWER_CREATED = "answer.created"
ANSWER_UPDATED = "answer.updated"
ANSWER_DELETED = "answer.deleted"
ANSWER_ACCEPTED = "answer.accepted"
VOTES_CHANGED = "vote.changed"
QUESTION_UPDATED = "question.updated"
ANSWERS_BULK_CREATED = "answers.bulk_created"  # data: {"answer_ids": [...], "post_ids": [...]} (generated data)

ALL = (ANSWER_CREATED, ANSWER_UPDATED, ANSWER_DELETED, ANSWER_ACCEPTED, VOTES_CHANGED, QUESTION_UPDATED)


def _readers(event, user_ids):
    from essaim.stream.access import post_audience

    return post_audience(event.data["post_id"], user_ids)


declare(*ALL, audience=_readers)
declare(ANSWERS_BULK_CREATED, audience=lambda event, user_ids: set())  # jobs react; no page shows it live

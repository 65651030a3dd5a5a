"""Questions, answers, votes and duplicates."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StrictInt, StrictStr

from essaim.communities import access as community_access
from essaim.core import activity
from essaim.core.api import InSchema
from essaim.core.errors import InvalidInput, NotFound
from essaim.core.schemas import (
    CommunityRef,
    Id,
    Identified,
    Paged,
    PageQuery,
    PersonRef,
    paged,
    parse_id,
    responses,
    str_id,
    viewer_of,
)
from essaim.stream import actions as stream_actions
from essaim.stream.queries import find_topic

from . import access, actions, queries
from .models import Answer

router = Router(tags=["questions"])


class AttributionOut(Schema):
    source: str
    author_name: str
    license: str
    url: str


def attribution(obj, kind: str) -> dict | None:
    """Where imported content comes from, with its author and licence (None for our own)."""
    if not obj.source:
        return None
    return {"source": obj.source, "author_name": obj.author.display_name, "license": obj.license,
            "url": f"https://{obj.source}/{kind}/{obj.source_id}" if obj.source_id else f"https://{obj.source}/"}


class Imported(Identified):
    source_id: str | None = Field(description="Its id where it was imported from (null: written here)")
    attribution: AttributionOut | None

    @staticmethod
    def resolve_source_id(obj) -> str | None:
        return obj.source_id or None


class CommentOut(Imported):
    author: PersonRef
    body: str
    html: str
    created_at: datetime
    parent_id: str | None

    @staticmethod
    def resolve_parent_id(obj) -> str | None:
        return str_id(obj.parent_id)

    @staticmethod
    def resolve_attribution(obj) -> dict | None:
        return None if not obj.source else {"source": obj.source, "author_name": obj.author.display_name,
                                            "license": "", "url": f"https://{obj.source}/"}


class AnswerPermissionsOut(Schema):
    edit: bool
    delete: bool
    accept: bool


class AnswerOut(Imported):
    question_id: str
    author: PersonRef
    body: str
    html: str
    score: int
    accepted: bool
    my_vote: int = Field(description="1, -1, or 0 when I did not vote")
    created_at: datetime
    edited_at: datetime | None
    comments: list[CommentOut]
    permissions: AnswerPermissionsOut

    @staticmethod
    def resolve_question_id(obj) -> str:
        return str(obj.question_id)

    @staticmethod
    def resolve_accepted(obj) -> bool:
        return obj.question.accepted_answer_id == obj.id

    @staticmethod
    def resolve_my_vote(obj) -> int:
        return getattr(obj, "my_vote", 0)

    @staticmethod
    def resolve_comments(obj) -> list:
        return getattr(obj, "visible_comments", [])

    @staticmethod
    def resolve_attribution(obj) -> dict | None:
        return attribution(obj, "a")

    @staticmethod
    def resolve_permissions(obj, context) -> dict:
        viewer = viewer_of(context)
        return {"edit": access.can_edit_answer(viewer, obj), "delete": access.can_delete_answer(viewer, obj),
                "accept": access.can_accept(viewer, obj.question)}


class QuestionOut(Imported):
    title: str
    author: PersonRef
    community: CommunityRef | None
    body: str
    html: str
    score: int
    answer_count: int
    accepted_answer_id: str | None
    duplicate_of_id: str | None
    topics: list[str]
    my_vote: int = Field(description="1, -1, or 0 when I did not vote")
    created_at: datetime
    edited_at: datetime | None
    url: str

    @staticmethod
    def resolve_accepted_answer_id(obj) -> str | None:
        return str_id(obj.accepted_answer_id)

    @staticmethod
    def resolve_duplicate_of_id(obj, context) -> str | None:
        # Only an original the caller may open: not even the id of one they may not.
        return str_id(obj.duplicate_of_id) if access.visible_original(context["request"].auth, obj) else None

    @staticmethod
    def resolve_topics(obj) -> list[str]:
        return getattr(obj, "topic_names", [])

    @staticmethod
    def resolve_my_vote(obj) -> int:
        return getattr(obj, "my_vote", 0)

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/questions/{obj.id}/"

    @staticmethod
    def resolve_attribution(obj) -> dict | None:
        return attribution(obj, "q")


class QuestionDetailOut(QuestionOut):
    comments: list[CommentOut]
    answers: list[AnswerOut]

    @staticmethod
    def resolve_comments(obj) -> list:
        return getattr(obj, "visible_comments", [])

    @staticmethod
    def resolve_answers(obj) -> list:
        return getattr(obj, "answer_list", [])


class QuestionIn(InSchema):
    title: StrictStr = Field(description="At most 300 characters")
    body: StrictStr = Field(description="Markdown, at most 20,000 characters")
    community_id: Id | None = Field(None, description="Ask in this community (none: All company)")
    topics: list[StrictStr] = Field(default_factory=list, max_length=20, description="#topics, without '#'")


class AnswerIn(InSchema):
    body: StrictStr


class CommentIn(InSchema):
    body: StrictStr
    parent_id: Id | None = Field(None, description="Reply to this comment")


class VoteIn(InSchema):
    value: StrictInt = Field(description="1 (up), -1 (down) or 0 (take back my vote)")


class ScoreOut(Schema):
    score: int
    my_vote: int


class DuplicateIn(InSchema):
    question_id: Id | None = Field(description="The original question (null: not a duplicate)")


class ListQuery(PageQuery):
    filter: Literal["recent", "unanswered"] = Field("recent", description="recent or unanswered")
    community: str | None = Field(None, max_length=20, description="Only this community's questions")
    topic: str | None = Field(None, max_length=60, description="Only questions about this #topic")


def _list(viewer, query: ListQuery, community=None) -> dict:
    if community is None and query.community:
        community = community_access.access_community_content(viewer, parse_id(query.community))
    topic = None
    if query.topic:
        topic = find_topic(viewer, query.topic)
        if topic is None:
            return {"items": [], "next_cursor": None}
    return paged(queries.question_list(viewer, filter=query.filter, community=community, topic=topic,
                                       cursor=query.cursor, limit=query.limit))


def _detail(viewer, question):
    return queries.question_page(viewer, question)


@router.get("/questions", response=responses(200, Paged[QuestionOut]),
            summary="Questions I may read, newest first (?filter=unanswered: without answers, not duplicates)")
def list_questions(request, query: Query[ListQuery]):
    return _list(request.auth, query)


@router.get("/communities/{community_id}/questions", response=responses(200, Paged[QuestionOut]),
            summary="A community's questions (?filter=unanswered)")
def community_questions(request, community_id: str, query: Query[ListQuery]):
    community = community_access.access_community_content(request.auth, parse_id(community_id))
    return _list(request.auth, query, community)


@router.post("/questions", response=responses(201, QuestionDetailOut),
             summary="Ask a question, in a community or in All company")
def ask_question(request, payload: QuestionIn):
    viewer = request.auth
    community = None
    if payload.community_id is not None:
        community = community_access.access_community_content(viewer, parse_id(payload.community_id))
    question = actions.do_ask_question(viewer, payload.title, payload.body, community=community,
                                       topics=payload.topics)
    return Status(201, _detail(viewer, access.access_question(viewer, question.id)))


@router.get("/questions/{question_id}", response=responses(200, QuestionDetailOut),
            summary="A question with its answers (accepted first, then by score) and comments")
def get_question(request, question_id: str):
    question = access.access_question(request.auth, parse_id(question_id))
    activity.record_view(request.auth, activity.Object.POST, question.id, question.community_id)
    return _detail(request.auth, question)


@router.post("/questions/{question_id}/answers", response=responses(201, AnswerOut), summary="Answer a question")
def answer_question(request, question_id: str, payload: AnswerIn):
    question = access.access_question(request.auth, parse_id(question_id))
    answer = actions.do_answer_question(question, request.auth, payload.body)
    answer.visible_comments, answer.my_vote = [], 0
    return Status(201, answer)


@router.post("/questions/{question_id}/vote", response=responses(200, ScoreOut),
             summary="Vote on a question: 1, -1, or 0 to take my vote back")
def vote_question(request, question_id: str, payload: VoteIn):
    question = access.access_question(request.auth, parse_id(question_id))
    score = actions.do_vote(request.auth, payload.value, post=question)
    return {"score": score, "my_vote": payload.value}


@router.post("/questions/{question_id}/duplicate_of", response=responses(200, QuestionOut),
             summary="Mark a question as a duplicate of another (the asker or moderators)")
def mark_duplicate(request, question_id: str, payload: DuplicateIn):
    viewer = request.auth
    question = access.access_question(viewer, parse_id(question_id))
    original = None
    if payload.question_id is not None:
        try:
            original = access.access_question(viewer, parse_id(payload.question_id))
        except NotFound:  # an original one cannot read is refused like a wrong one, never a 404
            raise InvalidInput(_("The original must be a question you can read."), code="invalid_original") \
                from None
    actions.do_mark_duplicate(question, original, acting_user=viewer)
    return queries.decorate_questions([question], viewer)[0]


@router.post("/questions/{question_id}/comments", response=responses(201, CommentOut),
             summary="Comment on a question")
def comment_question(request, question_id: str, payload: CommentIn):
    question = access.access_question(request.auth, parse_id(question_id))
    parent = _parent(request.auth, payload.parent_id)
    return Status(201, stream_actions.do_create_comment(question, request.auth, payload.body, parent=parent))


def _parent(viewer, parent_id):
    if parent_id is None:
        return None
    from essaim.stream.access import access_comment

    return access_comment(viewer, parse_id(parent_id))


def _answer(request, answer_id: str) -> Answer:
    return access.access_answer(request.auth, parse_id(answer_id))


@router.post("/answers/{answer_id}/comments", response=responses(201, CommentOut), summary="Comment on an answer")
def comment_answer(request, answer_id: str, payload: CommentIn):
    answer = _answer(request, answer_id)
    parent = _parent(request.auth, payload.parent_id)
    return Status(201, stream_actions.do_create_comment(answer.question, request.auth, payload.body, parent=parent,
                                                        answer=answer))


@router.post("/answers/{answer_id}/accept", response=responses(200, QuestionOut),
             summary="Accept an answer (the asker or moderators; replaces the accepted one)")
def accept_answer(request, answer_id: str):
    answer = _answer(request, answer_id)
    question = actions.do_accept_answer(answer, acting_user=request.auth)
    return queries.decorate_questions([question], request.auth)[0]


@router.post("/answers/{answer_id}/vote", response=responses(200, ScoreOut),
             summary="Vote on an answer: 1, -1, or 0 to take my vote back")
def vote_answer(request, answer_id: str, payload: VoteIn):
    answer = _answer(request, answer_id)
    score = actions.do_vote(request.auth, payload.value, answer=answer)
    return {"score": score, "my_vote": payload.value}

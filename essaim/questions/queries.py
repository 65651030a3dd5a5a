"""Read paths for questions: a question's page (a constant number of queries whatever the number
of answers), and lists (recent, unanswered, by topic), keyset-paginated and visible only."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q

from essaim.core.pagination import Page, paginate
from essaim.stream.models import Comment, Post, PostTopic, Topic
from essaim.stream.queries import decorate_posts

from . import access
from .models import Answer, Vote

MAX_ANSWERS = 200   # answers shown on a question's page
MAX_COMMENTS = 1000  # comments on a question and its answers
FILTERS = ("recent", "unanswered")


def questions(viewer, *, filter: str = "recent", community=None, topic: Topic | None = None):
    qs = access.questions_visible_to(Post.objects.all(), viewer).select_related("author", "community")
    if community is not None:
        qs = qs.filter(community=community)
    if filter == "unanswered":
        qs = qs.filter(answer_count=0, duplicate_of__isnull=True)
    if topic is not None:
        qs = qs.filter(Exists(PostTopic.objects.filter(post_id=OuterRef("pk"), topic=topic)))
    return qs


def question_list(viewer, *, filter: str = "recent", community=None, topic: Topic | None = None, cursor=None,
                  limit=None) -> Page:
    page = paginate(questions(viewer, filter=filter, community=community, topic=topic), cursor=cursor, limit=limit)
    decorate_questions(page.items, viewer)
    return page


def unanswered(viewer, *, community=None, cursor=None, limit=None) -> Page:
    return question_list(viewer, filter="unanswered", community=community, cursor=cursor, limit=limit)


def decorate_questions(posts: list[Post], viewer) -> list[Post]:
    """Topics and the viewer's vote on each question (2 queries)."""
    if not posts:
        return posts
    ids = [p.id for p in posts]
    topics: dict[int, list[str]] = defaultdict(list)
    for post_id, name in PostTopic.objects.filter(post_id__in=ids).values_list("post_id", "topic__name"):
        topics[post_id].append(name)
    votes = dict(Vote.objects.filter(user_id=viewer.id, post_id__in=ids).values_list("post_id", "value"))
    for p in posts:
        p.topic_names = sorted(topics.get(p.id, []))
        p.my_vote = votes.get(p.id, 0)
    return posts


def question_page(viewer, question: Post) -> Post:
    """The question with `answers` (accepted first, then by score, then oldest), each answer and the
    question with `visible_comments` (oldest first) and `my_vote`; the same number of queries for 1
    answer as for 200."""
    decorate_posts([question], viewer)
    answers = list(Answer.objects.filter(question=question, deleted_at__isnull=True).select_related("author")
                   .order_by("-score", "created_at", "id")[:MAX_ANSWERS])
    answers.sort(key=lambda a: a.id != question.accepted_answer_id)  # stable: accepted first, rest as ranked
    comments = list(Comment.objects.filter(post=question, deleted_at__isnull=True).select_related("author")
                    .order_by("created_at", "id")[:MAX_COMMENTS])
    by_answer: dict[int | None, list] = defaultdict(list)
    for c in comments:
        by_answer[c.answer_id].append(c)
    votes = Vote.objects.filter(user_id=viewer.id).filter(Q(post=question) | Q(answer__in=[a.id for a in answers]))
    mine = {("a", v.answer_id) if v.answer_id else ("q", v.post_id): v.value for v in votes}
    question.visible_comments = by_answer.get(None, [])
    question.my_vote = mine.get(("q", question.id), 0)
    for a in answers:
        a.question = question
        a.visible_comments = by_answer.get(a.id, [])
        a.my_vote = mine.get(("a", a.id), 0)
        a.accepted = a.id == question.accepted_answer_id
    question.answer_list = answers
    return question

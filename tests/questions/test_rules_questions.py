"""The rules behind questions: counts and scores stay consistent, notifications, quiet imports,
access agreement, query counts, placeholders cannot sign in, concurrent votes (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from shared_helpers import at_once, needs_postgres

from essaim.accounts import actions as accounts
from essaim.core.errors import Forbidden, InvalidInput, NotFound
from essaim.core.models import Activity
from essaim.notifications.models import Kind, Notification
from essaim.questions import access, actions, events, queries
from essaim.questions.models import Answer, Vote
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


def fresh(obj):
    obj.refresh_from_db()
    return obj


def test_answer_count_and_accepted_follow_answers(world, question_in):
    question = question_in("open")
    a1 = actions.do_answer_question(question, world.owner, "One")
    a2 = actions.do_answer_question(question, world.moderator, "Two")
    assert fresh(question).answer_count == 2
    actions.do_accept_answer(a1, acting_user=world.member)
    assert fresh(question).accepted_answer_id == a1.id
    actions.do_delete_answer(a1, acting_user=world.moderator)  # a moderator of the community
    actions.do_delete_answer(a1, acting_user=world.owner)  # twice: counted once
    question = fresh(question)
    assert question.answer_count == 1 and question.accepted_answer_id is None
    with pytest.raises(Forbidden):
        actions.do_delete_answer(a2, acting_user=world.outsider)
    with pytest.raises(NotFound):
        actions.do_accept_answer(fresh(a1), acting_user=world.member)  # deleted
    actions.do_unaccept_answer(question, acting_user=world.member)
    assert Answer.objects.get(pk=a1.pk).deleted_by_id == world.moderator.id


def test_score_is_the_sum_of_votes(world, question_in):
    question = question_in("open")
    answer = actions.do_answer_question(question, world.owner, "One")
    voters = [world.outsider, world.moderator, world.requester, world.admin]
    for user, value in zip(voters, [1, 1, -1, 1]):
        actions.do_vote(user, value, answer=answer)
        actions.do_vote(user, value, post=question)
    actions.do_vote(world.admin, 1, answer=answer)  # the same vote again changes nothing
    actions.do_vote(world.requester, 1, answer=answer)  # changed mind
    actions.do_vote(world.moderator, 0, answer=answer)  # taken back
    assert fresh(answer).score == sum(Vote.objects.filter(answer=answer).values_list("value", flat=True)) == 3
    assert fresh(question).score == sum(Vote.objects.filter(post=question).values_list("value", flat=True)) == 2
    assert actions.do_vote(world.outsider, 0, answer=answer) == 2
    assert actions.do_vote(world.outsider, 0, answer=answer) == 2  # nothing to take back


def test_votes_need_read_access_and_not_own(world, question_in):
    question = question_in("secret")
    with pytest.raises(NotFound):
        actions.do_vote(world.outsider, 1, post=question)
    with pytest.raises(Forbidden):
        actions.do_vote(world.member, 1, post=question)
    with pytest.raises(InvalidInput):
        actions.do_vote(world.owner, 2, post=question)
    with pytest.raises(InvalidInput):
        actions.do_vote(world.owner, True, post=question)


def test_answering_needs_read_access(world, question_in):
    question = question_in("private")
    with pytest.raises(NotFound):
        actions.do_answer_question(question, world.outsider, "Me")
    with pytest.raises(NotFound):
        actions.do_answer_question(question, world.stranger, "Me")


def test_asking_rules(world):
    with pytest.raises(Forbidden):
        actions.do_ask_question(world.outsider, "Q?", "x", community=world.open)
    with pytest.raises(InvalidInput):
        actions.do_ask_question(world.member, "x" * 301, "x")
    with pytest.raises(InvalidInput):
        actions.do_ask_question(world.member, None, "x")
    question = actions.do_ask_question(world.member, "  Spaced   out?  ", "About #Budget", topics=["travel", "#budget"])
    assert question.title == "Spaced out?" and question.kind == "question" and question.community_id is None
    assert sorted(question.topics.values_list("name", flat=True)) == ["budget", "travel"]


def test_accept_and_duplicate_rules(world, question_in):
    question = question_in("open")
    answer = actions.do_answer_question(question, world.owner, "One")
    with pytest.raises(Forbidden):
        actions.do_accept_answer(answer, acting_user=world.outsider)
    actions.do_accept_answer(answer, acting_user=world.admin)  # administrators moderate open communities
    other = question_in("private", "Other?")
    with pytest.raises(InvalidInput):
        actions.do_mark_duplicate(question, question, acting_user=world.member)
    with pytest.raises(InvalidInput):
        actions.do_mark_duplicate(question, other, acting_user=world.admin)  # cannot read the private one
    with pytest.raises(InvalidInput):
        actions.do_mark_duplicate(question, stream.do_create_post(world.member, "plain", community=world.open),
                                  acting_user=world.member)
    actions.do_mark_duplicate(other, question, acting_user=world.member)
    with pytest.raises(InvalidInput):  # no loop of two
        actions.do_mark_duplicate(question, other, acting_user=world.member)


def test_notifications_for_answer_and_accept(world, question_in):
    question = question_in("open")
    answer = actions.do_answer_question(question, world.owner, "Here @outsider")
    told = Notification.objects.get(kind=Kind.ANSWER)
    assert (told.recipient_id, told.actor_id, told.post_id) == (world.member.id, world.owner.id, question.id)
    assert Notification.objects.filter(kind=Kind.MENTION, recipient=world.outsider).exists()
    actions.do_accept_answer(answer, acting_user=world.member)
    accepted = Notification.objects.get(kind=Kind.ANSWER_ACCEPTED)
    assert (accepted.recipient_id, accepted.actor_id) == (world.owner.id, world.member.id)
    stream.do_create_comment(question, world.moderator, "On the answer", answer=answer)
    assert Notification.objects.filter(kind=Kind.COMMENT, recipient=world.owner).exists()
    own = actions.do_answer_question(question, world.member, "My own answer")  # asker answering: no notification
    actions.do_accept_answer(own, acting_user=world.member)
    assert Notification.objects.filter(kind=Kind.ANSWER).count() == 1
    assert Notification.objects.filter(kind=Kind.ANSWER_ACCEPTED).count() == 1
    from essaim.notifications.queries import describe

    assert "answered your question" in describe(told) and "accepted your answer" in describe(accepted)


def test_quiet_mode_creates_no_notification_nor_activity(world, django_capture_on_commit_callbacks,
                                                         captured_events):
    before = Activity.objects.count()
    told_before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        question = actions.do_ask_question(world.member, "Quiet?", "Hi @owner", community=world.open, quiet=True)
        answer = actions.do_answer_question(question, world.owner, "Hush @member", quiet=True)
        stream.do_create_comment(question, world.owner, "Psst @member", answer=answer, quiet=True)
        actions.do_accept_answer(answer, acting_user=world.member, quiet=True)
        dup = actions.do_ask_question(world.owner, "Again?", "x", community=world.open, quiet=True)
        actions.do_mark_duplicate(dup, question, acting_user=world.owner, quiet=True)
    assert Notification.objects.count() == told_before
    assert Activity.objects.count() == before
    types = [e.type for e in captured_events]
    assert "post.created" in types and events.ANSWER_CREATED in types and events.ANSWER_ACCEPTED in types
    assert "comment.created" in types and events.QUESTION_UPDATED in types


def test_events_reach_readers_only(world, question_in, django_capture_on_commit_callbacks, captured_events):
    question = question_in("secret")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_answer_question(question, world.owner, "Secret answer")
    event = next(e for e in captured_events if e.type == events.ANSWER_CREATED)
    from essaim.core.events import audience_of

    who = audience_of(event, [world.member.id, world.outsider.id, world.owner.id, world.admin.id])
    assert set(who) == {world.member.id, world.owner.id}


def test_access_answer_and_list_filter_agree(world, question_in):
    """The single-object check and the list filter agree, for every persona and visibility, deleted too."""
    answers = []
    for place in ("open", "private", "secret", "company"):
        question = question_in(place, f"In {place}?")
        answers.append(actions.do_answer_question(question, world.owner, "A"))
        gone = actions.do_answer_question(question, world.moderator if place != "company" else world.admin, "B")
        actions.do_delete_answer(gone, acting_user=gone.author)
        answers.append(gone)
    deleted_question = question_in("open", "Deleted?")
    answers.append(actions.do_answer_question(deleted_question, world.owner, "C"))
    stream.do_delete_post(deleted_question, acting_user=world.member)
    people = [world.admin, world.owner, world.moderator, world.member, world.requester, world.outsider,
              world.stranger]
    for person in people:
        listed = set(access.answers_visible_to(Answer.objects.all(), person).values_list("id", flat=True))
        for answer in answers:
            try:
                access.access_answer(person, answer.id)
                single = True
            except NotFound:
                single = False
            assert single is (answer.id in listed), (person.handle, answer.body, answer.question.community_id)


def test_question_page_costs_the_same_for_1_and_20_answers(world, question_in):
    def cost(n: int) -> int:
        question = question_in("open", f"{n} answers?")
        people = [world.owner, world.moderator, world.outsider, world.admin]
        for i in range(n):
            answer = actions.do_answer_question(question, people[i % 4], f"Answer {i}")
            stream.do_create_comment(question, world.member, f"Comment {i}", answer=answer)
            actions.do_vote(world.requester, 1, answer=answer)
        stream.do_create_comment(question, world.owner, "On the question")
        viewer = accounts.do_create_user(world.network, email=f"v{n}@acme.test", display_name="V", handle=f"v{n}")
        found = access.access_question(viewer, question.id)
        with CaptureQueriesContext(connection) as ctx:
            queries.question_page(viewer, found)
        assert len(found.answer_list) == n
        return len(ctx)

    assert cost(1) == cost(20)


def test_answers_ranked_accepted_then_score_then_oldest(world, question_in):
    question = question_in("open")
    first = actions.do_answer_question(question, world.owner, "first")
    second = actions.do_answer_question(question, world.moderator, "second")
    third = actions.do_answer_question(question, world.admin, "third")
    actions.do_vote(world.outsider, 1, answer=third)
    actions.do_accept_answer(second, acting_user=world.member)
    found = access.access_question(world.member, question.id)
    assert [a.body for a in queries.question_page(world.member, found).answer_list] == ["second", "third", "first"]
    assert first.id


def test_placeholder_people_cannot_sign_in(world):
    person = accounts.do_create_placeholder_user(world.network, display_name="Imported Ian", source="x.test",
                                                 source_id="9")
    person.set_password("a strong password here")
    person.save()
    request = RequestFactory().post("/login/")
    request.network = world.network
    assert authenticate(request, email=person.email, password="a strong password here") is None
    from essaim.accounts.backends import NetworkEmailBackend

    assert NetworkEmailBackend().get_user(person.id) is None
    assert authenticate(request, email=world.member.email, password="correct horse battery staple") is not None


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_keep_the_score_exact(world, question_in):
    question = question_in("open")
    answer = actions.do_answer_question(question, world.owner, "Popular")
    voters = [world.outsider, world.moderator, world.requester, world.admin]
    results = at_once(*[lambda u=u: actions.do_vote(u, 1, answer=answer) for u in voters],
                      *[lambda u=u: actions.do_vote(u, 1, post=question) for u in voters[:3]])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert fresh(answer).score == 4 and fresh(question).score == 3
    # the same person voting twice at once: one vote
    at_once(lambda: actions.do_vote(world.member, 1, answer=answer), lambda: actions.do_vote(world.member, 1, answer=answer))
    assert Vote.objects.filter(answer=answer, user=world.member).count() == 1 and fresh(answer).score == 5
    # answers at once: the count is exact
    at_once(*[lambda u=u: actions.do_answer_question(question, u, "Me too") for u in voters])
    assert fresh(question).answer_count == 5 == Answer.objects.filter(question=question).count()

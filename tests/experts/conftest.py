"""Fixtures for the expertise tests, on top of the shared `world`:

- `settle()` runs every pending job (search indexing, then the expertise summaries);
- `thread(place, title, body, answers=[(author, body, score, accepted)])` asks a question (by
  world.member unless `asker`) in a place ("company", "open", "private", "secret") and answers it.
"""

from __future__ import annotations

import pytest

from essaim.core import jobs
from essaim.questions import actions as qa
from essaim.stream.access import can_read_post


@pytest.fixture
def settle(django_capture_on_commit_callbacks):
    def run():
        jobs.run_pending(limit=100_000, kinds=["search.index"])
        jobs.run_pending(limit=100_000, kinds=["experts.index"])

    return run


@pytest.fixture
def thread(world, settle):
    def make(place: str, title: str, body: str = "", answers=(), *, asker=None, topics=()):
        community = None if place == "company" else world.community(place)
        question = qa.do_ask_question(asker or world.member, title, body or title, community=community,
                                      topics=topics)
        made = []
        for author, text, score, accepted in answers:
            answer = qa.do_answer_question(question, author, text)
            voters = [u for u in (world.admin, world.owner, world.moderator, world.member, world.outsider)
                      if u.id != author.id and can_read_post(u, question)]
            for voter in voters[:score]:  # score: up votes, from people who may read it
                qa.do_vote(voter, 1, answer=answer)
            if accepted:
                qa.do_accept_answer(answer, acting_user=question.author)
            made.append(answer)
        settle()
        return question, made

    return make

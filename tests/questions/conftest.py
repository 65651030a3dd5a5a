"""Fixtures for the question tests, on top of the shared `world`: `question_in(place)` asks a
question (by member) in a community of that visibility, or in All company ("company")."""

from __future__ import annotations

import pytest

from essaim.questions import actions


@pytest.fixture
def question_in(world):
    def make(place: str = "open", title: str = "How do I file travel expenses?", body: str = "Any tips?", *,
             author=None, **kwargs):
        community = None if place == "company" else world.community(place)
        return actions.do_ask_question(author or world.member, title, body, community=community, **kwargs)

    return make

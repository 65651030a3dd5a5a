"""Fixtures for the REST API tests: bearer tokens and posts in every place of the `world`."""

from __future__ import annotations

import pytest

from essaim.accounts import actions as accounts


@pytest.fixture
def token_for():
    """token_for(user, "read") -> a raw bearer token with those scopes."""

    def make(user, scopes: str = "read,write") -> str:
        _token, raw = accounts.do_create_token(user, scopes=scopes.split(","), acting_user=user)
        return raw

    return make


@pytest.fixture
def make_post(post_in):
    """make_post(place, body, author=member): the shared `post_in` fixture under its API-test name."""
    return post_in

"""Fixtures for the REST API tests: bearer tokens and posts in every place of the `world`."""

from __future__ import annotations

import pytest

from essaim.accounts import actions as accounts
from essaim.stream import actions as stream


@pytest.fixture
def token_for():
    """token_for(user, "read") -> a raw bearer token with those scopes."""

    def make(user, scopes: str = "read,write") -> str:
        _token, raw = accounts.do_create_token(user, scopes=scopes.split(","), acting_user=user)
        return raw

    return make


@pytest.fixture
def make_post(world):
    """make_post(place, body, author=member) where place is open/private/secret/company/profile."""

    def make(place: str = "open", body: str = "A post", *, author=None, **kwargs):
        author = author or world.member
        if place in ("open", "private", "secret"):
            return stream.do_create_post(author, body, community=world.community(place), **kwargs)
        if place == "company":
            return stream.do_create_post(author, body, **kwargs)
        if place == "profile":
            return stream.do_create_post(author, body, profile_user=world.outsider, **kwargs)
        raise ValueError(place)

    return make

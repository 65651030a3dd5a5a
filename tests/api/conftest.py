"""Fixtures for the REST API tests: bearer tokens and posts in every place of the `world`."""

from __future__ import annotations

import pytest



@pytest.fixture
def make_post(post_in):
    """make_post(place, body, author=member): the shared `post_in` fixture under its API-test name."""
    return post_in

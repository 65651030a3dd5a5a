"""Shared fixtures: two networks and named personas in communities of every visibility.

Personas (network "acme"): admin (handle netadmin; network administrator, in no community), owner, moderator and
member of each community, requester (pending request to the private community), outsider
(network member outside every community). stranger belongs to another network ("globex").
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.communities.models import Role
from essaim.core import events
from essaim.core.middleware import clear_cache
from essaim.stream import actions as stream

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    clear_cache()
    yield
    clear_cache()


@dataclass
class World:
    network: object
    other_network: object
    admin: object
    owner: object
    moderator: object
    member: object
    requester: object
    outsider: object
    stranger: object
    open: object
    private: object
    secret: object

    def community(self, visibility: str):
        return {"open": self.open, "private": self.private, "secret": self.secret}[visibility]


def make_user(network, handle: str, **kwargs):
    return accounts.do_create_user(network, email=f"{handle}@{network.slug}.test", display_name=handle.title(),
                                   password=PASSWORD, handle=handle, **kwargs)


@pytest.fixture
def world(db) -> World:
    network = accounts.do_create_network("Acme", "acme")
    other = accounts.do_create_network("Globex", "globex", domain="globex.test")
    admin = make_user(network, "netadmin", is_admin=True)
    owner = make_user(network, "owner")
    moderator = make_user(network, "moderator")
    member = make_user(network, "member")
    requester = make_user(network, "requester")
    outsider = make_user(network, "outsider")
    stranger = make_user(other, "stranger")
    made = {}
    for visibility in ("open", "private", "secret"):
        c = communities.do_create_community(owner, name=f"{visibility.title()} Club", visibility=visibility,
                                            slug=f"{visibility}-club")
        communities.do_add_member(c, moderator, role=Role.MODERATOR, acting_user=owner)
        communities.do_add_member(c, member, role=Role.MEMBER, acting_user=owner)
        made[visibility] = c
    communities.do_join_community(requester, made["private"])
    return World(network, other, admin, owner, moderator, member, requester, outsider, stranger,
                 made["open"], made["private"], made["secret"])


class ApiClient:
    """JSON calls to /api/v1 as a user (session) or with a bearer token."""

    def __init__(self, user=None, token: str | None = None, host: str = "testserver"):
        self.client = Client(HTTP_HOST=host)
        self.headers = {}
        if user is not None:
            self.client.force_login(user)
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body=None, **params):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        kwargs = {"headers": self.headers}
        if method in ("get", "delete") and params:
            kwargs["data"] = params
        if body is not None:
            kwargs["data"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
            kwargs["content_type"] = "application/json"
        response = getattr(self.client, method)(url, **kwargs)
        try:
            response.json_body = json.loads(response.content) if response.content else None
        except ValueError:
            response.json_body = None
        return response

    def get(self, path, **params):
        return self.call("get", path, **params)

    def post(self, path, body=None):
        return self.call("post", path, {} if body is None else body)

    def patch(self, path, body=None):
        return self.call("patch", path, {} if body is None else body)

    def delete(self, path):
        return self.call("delete", path)


@pytest.fixture
def api_as():
    """api_as(user) -> ApiClient signed in as user (None: anonymous)."""
    return lambda user=None, **kw: ApiClient(user, **kw)


@pytest.fixture
def captured_events():
    """Events published after commit during the test (use with django_capture_on_commit_callbacks)."""
    seen: list[events.Event] = []
    unsubscribe = events.subscribe(seen.append)
    yield seen
    unsubscribe()


@pytest.fixture
def post_in(world):
    """post_in(place, body=..., author=...) -> a post written by `member` (by default) in that place.

    The profile place is the outsider's profile, so that its audience differs from its author's."""

    def make(place: str, body: str = "A post", *, author=None, **kwargs):
        author = author or world.member
        if place in ("open", "private", "secret"):
            return stream.do_create_post(author, body, community=world.community(place), **kwargs)
        if place == "company":
            return stream.do_create_post(author, body, **kwargs)
        if place == "profile":
            return stream.do_create_post(author, body, profile_user=world.outsider, **kwargs)
        raise ValueError(place)

    return make


@pytest.fixture
def token_for():
    """token_for(user, "read") -> a raw bearer token with those scopes."""

    def make(user, scopes: str = "read,write") -> str:
        _token, raw = accounts.do_create_token(user, scopes=scopes.split(","), acting_user=user)
        return raw

    return make


@pytest.fixture
def page_as():
    """page_as(user, host=...) -> a browser-like test client signed in as user (None: anonymous)."""

    def make(user=None, host: str = "testserver") -> Client:
        client = Client(HTTP_HOST=host)
        if user is not None:
            client.force_login(user)
        return client

    return make

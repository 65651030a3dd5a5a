"""Read replicas with read-your-writes (in DATABASE_ROUTERS and MIDDLEWARE when
ESSAIM_DATABASE_REPLICA_URLS names replicas).

- Writes and migrations go to "default", the primary. Always.
- Reads go to a replica only inside a read-mostly request: a GET or HEAD of one of the views
  named in READ_MOSTLY (feeds and search, pages and API).
- Never for a person who wrote recently: after a request that was not GET/HEAD/OPTIONS, or any
  write through the ORM (but BOOKKEEPING), the person is pinned to the primary for
  ESSAIM_REPLICA_PIN_SECONDS (a cache key per person: shared by every process through Redis, and
  by every device of theirs). Within the request itself, reads after a write go to the primary.
- Inside transaction.atomic() on the primary, reads use the primary.
- Anonymous requests, background jobs, commands and the live event stream read the primary.

Limits: a replica lagging more than the pin window shows a writer's own change late; other
people see a change (a post, a membership removed) once the replica has it, usually within a
second; live events are decided on the primary and are not delayed. While Redis cannot be reached,
the cache forgets pins (essaim/core/cache.py answers misses), so writers read their replica too.
"""

from __future__ import annotations

import logging
import random
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router

log = logging.getLogger(__name__)

PRIMARY = "default"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Views whose GET requests may read from a replica: feeds and search, pages and API.
READ_MOSTLY = frozenset({
    "stream:home", "stream:all", "stream:topic", "communities:detail", "search:results",
    "api:home_feed", "api:all_company_feed", "api:list_posts", "api:community_feed", "api:profile_feed",
    "api:topic_feed", "api:search", "api:suggest",
})


# Bookkeeping writes that change nothing people read back (when a token was last used, the
# session): they neither pin the person nor turn the rest of the request to the primary.
BOOKKEEPING = frozenset({"accounts.apitoken", "sessions.session"})


def pin_key(user_id: int) -> str:
    return f"db:pin:{user_id}"


def pin(user_id: int) -> None:
    """Read this person's data from the primary for the next ESSAIM_REPLICA_PIN_SECONDS."""
    try:
        cache.set(pin_key(user_id), 1, settings.ESSAIM_REPLICA_PIN_SECONDS)
    except Exception:  # a cache that raises when down raises on reads too: the primary is used
        log.warning("could not pin person %s to the primary database", user_id, exc_info=True)


def _is_pinned(user_id: int) -> bool:
    try:
        return cache.get(pin_key(user_id)) is not None
    except Exception:  # noqa: BLE001 (a cache that raises when down)
        return True  # in doubt, the primary


class _Request:
    """What the router knows of the request being served."""

    __slots__ = ("read_mostly", "replica", "request", "resolving", "user_id", "wrote")

    def __init__(self, request):
        self.request = request
        self.read_mostly = False
        self.wrote = False
        self.user_id: int | None = None  # whose pin `replica` was decided for
        self.replica: str | None = None
        self.resolving = False

    def user(self):
        user = getattr(self.request, "user", None)  # the session's, or the bearer token's once checked
        return user if user is not None and getattr(user, "is_authenticated", False) else None

    def replica_alias(self) -> str | None:
        if self.resolving:  # the reads that load the person themselves
            return None
        self.resolving = True
        try:
            user = self.user()
        finally:
            self.resolving = False
        if user is None:
            return None  # anonymous (or a bearer token not checked yet): the primary
        if self.user_id != user.pk:
            self.user_id = user.pk
            replicas = settings.ESSAIM_DATABASE_REPLICAS
            self.replica = None if not replicas or _is_pinned(user.pk) else random.choice(replicas)
        return self.replica


_current: ContextVar[_Request | None] = ContextVar("essaim_db_request", default=None)


def _pin_writer(state: _Request) -> None:
    if state.wrote or state.request.method not in SAFE_METHODS:
        user = state.user()
        if user is not None:
            pin(user.pk)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        state = _current.get()
        if state is None or not state.read_mostly or state.wrote:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return state.replica_alias() or PRIMARY

    def db_for_write(self, model, **hints):
        state = _current.get()
        if state is not None and model._meta.label_lower not in BOOKKEEPING:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def reading_connection(model):
    """The connection the router picks to read `model`, for raw SQL that should follow it."""
    return connections[router.db_for_read(model)]


class ReplicaMiddleware:
    """Follows each request: marks the read-mostly ones, pins people who write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = _Request(request)
        token = _current.set(state)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
            _pin_writer(state)

    def process_view(self, request, view_func, view_args, view_kwargs):
        state = _current.get()
        match = request.resolver_match
        if (state is not None and request.method in {"GET", "HEAD"} and match is not None
                and match.view_name in READ_MOSTLY):
            state.read_mostly = True

"""The shared cache (Redis) when ESSAIM_REDIS_URL is set, made to survive Redis going away.

Nothing Essaim keeps in the cache is needed to answer a request (sign-in throttle counts, search
statistics), so while Redis cannot be reached the cache behaves as an empty one that forgets what
it is given: a read is a miss, a write does nothing. One warning is logged when Redis goes away
and one line when it is back; meanwhile Redis is not asked again for a second after each failure,
so an outage costs requests nothing. The consequence to know: while Redis is away, sign-in
attempts are not counted, so the sign-in throttle does not refuse anyone (it fails open).
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

RETRY_AFTER = 1.0  # seconds without asking Redis after a failure


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, where an unreachable Redis is a miss (reads) or a no-op (writes)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._errors = _redis_errors()
        # Django makes one cache object per thread: the outage is known to every thread of the process.
        self._outage = _states.setdefault(str(server), _Outage())

    def _call(self, method, fallback, *args):
        state = self._outage
        if state.down and time.monotonic() < state.retry_at:
            return fallback
        try:
            result = method(*args)
        except self._errors as exc:
            with state.lock:
                state.retry_at = time.monotonic() + RETRY_AFTER
                if not state.down:
                    state.down = True
                    log.warning("the cache (Redis) is unreachable (%s: %s); going on without it",
                                type(exc).__name__, str(exc)[:200])
            _count_error()
            return fallback
        if state.down:
            with state.lock:
                if state.down:
                    state.down = False
                    log.warning("the cache (Redis) is reachable again")
        return result

    def get(self, key, default=None, version=None):
        return self._call(super().get, default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, [], data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, False, key, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, None, keys, version)

    def clear(self):
        return self._call(super().clear, None)

    def incr(self, key, delta=1, version=None):
        result = self._call(super().incr, _MISSING, key, delta, version)
        if result is _MISSING:  # as for a key that is not there, in every backend
            raise ValueError(f"Key {key!r} not found.")
        return result


_MISSING = object()


class _Outage:
    def __init__(self):
        self.down = False
        self.retry_at = 0.0
        self.lock = threading.Lock()


_states: dict[str, _Outage] = {}


def _count_error() -> None:
    from . import metrics

    metrics.CACHE_ERRORS.inc()

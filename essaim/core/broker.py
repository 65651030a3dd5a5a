"""The event broker: how a committed event reaches every process that holds live connections.

Embedded (no ESSAIM_REDIS_URL): events go straight to this process's listeners.
At scale (ESSAIM_REDIS_URL set): every process publishes to one Redis pub/sub channel and every
web process subscribes to it, so a write through one process reaches clients connected to
another. Redis pub/sub does not keep messages; a client that was away catches up from the event
log (Last-Event-ID), so nothing depends on Redis storing anything.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable

from django.conf import settings

log = logging.getLogger(__name__)

CHANNEL = "essaim:events"

_listeners: list[Callable[[dict], None]] = []
_lock = threading.Lock()
_redis = None


def redis_url() -> str:
    return getattr(settings, "ESSAIM_REDIS_URL", "") or ""


def _client():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(redis_url(), socket_timeout=5, socket_connect_timeout=5)
    return _redis


def add_listener(callback: Callable[[dict], None]) -> Callable[[], None]:
    """`callback(message)` for every event this process must deliver (from this process when
    embedded, from Redis otherwise). Called from any thread: it must be quick and thread-safe."""
    with _lock:
        _listeners.append(callback)

    def remove() -> None:
        with _lock:
            if callback in _listeners:
                _listeners.remove(callback)

    return remove


def deliver_locally(message: dict) -> None:
    with _lock:
        listeners = list(_listeners)
    for callback in listeners:
        try:
            callback(message)
        except Exception:
            log.exception("event listener failed")


def publish(event) -> None:
    message = event.as_message()
    if not redis_url():
        deliver_locally(message)
        return
    try:
        _client().publish(CHANNEL, json.dumps(message, separators=(",", ":")))
    except Exception:  # the write stands; live clients catch up from the event log when they resume
        log.exception("could not publish event %s to Redis", event.id)


async def listen_redis(on_message: Callable[[dict], None]) -> None:
    """Forward every message on the channel to `on_message`, reconnecting after Redis trouble.
    Runs until cancelled."""
    import asyncio

    import redis.asyncio as aioredis

    delay = 0.5
    while True:
        client = aioredis.Redis.from_url(redis_url())
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(CHANNEL)
                delay = 0.5
                async for raw in pubsub.listen():
                    if raw.get("type") != "message":
                        continue
                    try:
                        on_message(json.loads(raw["data"]))
                    except Exception:
                        log.exception("bad event message from Redis")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("lost the Redis event channel; reconnecting in %.1f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)
        finally:
            await client.aclose()

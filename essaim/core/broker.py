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
import time
from collections.abc import Callable

from django.conf import settings

log = logging.getLogger(__name__)

CHANNEL = "essaim:events"
RETRY_FIRST = 0.5  # seconds before subscribing again after losing the channel, doubled each time...
RETRY_MAX = 2.0  # ...up to this (a refused connection costs nothing; events flow soon after Redis is back)
POLL = 5.0  # seconds a subscriber waits for a message before looking at the connection's health
PING_EVERY = 15.0  # a channel silent for this long gets a PING; twice this without an answer: reconnect
PUBLISH_PAUSE = 1.0  # seconds without trying to publish after a failure (an outage costs requests nothing)

_listeners: list[Callable[[dict], None]] = []
_lock = threading.Lock()
_redis = None
_publish_paused_until = 0.0


def redis_url() -> str:
    return getattr(settings, "ESSAIM_REDIS_URL", "") or ""


def _client():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(redis_url(), socket_timeout=2, socket_connect_timeout=2)
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
    """Publish a committed event. Never raises: the write that made it stands, and live clients
    catch up from the event log when they resume (streams are ended when this process's own
    subscription comes back, see listen_redis)."""
    global _publish_paused_until
    message = event.as_message()
    if not redis_url():
        deliver_locally(message)
        return
    if time.monotonic() < _publish_paused_until:
        _publish_failed()
        return
    try:
        _client().publish(CHANNEL, json.dumps(message, separators=(",", ":")))
    except Exception as exc:
        _publish_paused_until = time.monotonic() + PUBLISH_PAUSE
        _publish_failed()
        log.warning("could not publish event %s to Redis (%s: %s); live clients will catch up from the event log",
                    event.id, type(exc).__name__, str(exc)[:200])


def _publish_failed() -> None:
    from . import metrics

    metrics.EVENTS_PUBLISH_FAILED.inc()


async def listen_redis(on_message: Callable[[dict], None], on_resubscribed: Callable[[], None] | None = None) -> None:
    """Forward every message on the channel to `on_message`, until cancelled.

    When the subscription is lost (Redis restarted or unreachable, or silent: a PING goes out after
    PING_EVERY seconds without traffic and the connection is dropped when nothing answers), it
    subscribes again, waiting RETRY_FIRST seconds, then twice as long each time up to RETRY_MAX.
    Once subscribed again it calls `on_resubscribed()`: what was published meanwhile never reached
    this process."""
    import asyncio
    import random

    import redis.asyncio as aioredis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    delay = RETRY_FIRST
    lost = False
    while True:
        # No retries inside the client: a lost connection must surface here, to be noticed.
        client = aioredis.Redis.from_url(redis_url(), socket_connect_timeout=5, socket_timeout=10,
                                         retry=Retry(NoBackoff(), 0))
        try:
            async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(CHANNEL)
                delay = RETRY_FIRST
                if lost:
                    lost = False
                    log.warning("subscribed again to the Redis event channel")
                    if on_resubscribed is not None:
                        on_resubscribed()
                loop = asyncio.get_running_loop()
                heard, pinged = loop.time(), False
                while True:
                    raw = await pubsub.get_message(timeout=POLL)
                    now = loop.time()
                    if raw is None:
                        if now - heard > 2 * PING_EVERY:
                            raise ConnectionError(f"no answer from Redis for {now - heard:.0f} s")
                        if now - heard > PING_EVERY and not pinged:
                            await pubsub.ping()
                            pinged = True
                        continue
                    heard, pinged = now, False
                    if raw.get("type") != "message":
                        continue
                    try:
                        on_message(json.loads(raw["data"]))
                    except Exception:
                        log.exception("bad event message from Redis")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever broke the subscription, subscribe again
            if not lost:
                log.warning("lost the Redis event channel (%s: %s); subscribing again", type(exc).__name__,
                            str(exc)[:200])
            lost = True
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, RETRY_MAX)
        finally:
            try:
                await client.aclose()
            except Exception as exc:  # noqa: BLE001 - a connection already gone: nothing to close
                log.debug("closing the Redis subscriber: %s", exc)

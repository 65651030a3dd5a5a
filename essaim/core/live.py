"""The live stream: GET /api/v1/events as Server-Sent Events.

Each web process keeps a hub of its open streams. Events reach the hub from the broker (this
process when embedded, Redis pub/sub at scale); the hub asks the event's audience, among the people
connected here, who may receive it (one batched question per event, with the same access
predicates as pages), and queues it to their streams. A client that reconnects with
`Last-Event-ID` first gets what it missed from the event log (kept for a day; a window of at least
REPLAY_WINDOW is guaranteed), filtered the same way, then the live events, without duplicates.

This is a plain ASGI application, served next to Django by essaim.asgi: a stream holds no thread
and no database connection while it waits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from datetime import timedelta
from http.cookies import SimpleCookie

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone

from . import broker, metrics
from .events import Event, audience_of

log = logging.getLogger(__name__)

PATH = "/api/v1/events"
REPLAY_WINDOW = timedelta(minutes=15)
REPLAY_LIMIT = 2000
KEEPALIVE = 15.0
RECHECK = 60.0  # seconds between checks that the signed-in person may still hold the stream
QUEUE_SIZE = 1000


class Stream:
    def __init__(self, user_id: int, network_id: int):
        self.user_id = user_id
        self.network_id = network_id
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE)

    def put(self, event: Event | None) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:  # a client far behind: close it; it resumes from the log
            self.queue = asyncio.Queue(1)
            self.queue.put_nowait(None)


class Hub:
    """The streams open in this process, and the task that routes events to them."""

    def __init__(self):
        self.streams: dict[int, dict[int, set[Stream]]] = defaultdict(lambda: defaultdict(set))
        self.incoming: asyncio.Queue[dict] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.tasks: list[asyncio.Task] = []
        self.delivered = 0
        self._remove_listener = None

    # -- lifecycle (inside the server's event loop)
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.incoming = asyncio.Queue()
        self.tasks.append(asyncio.create_task(self._route()))
        if broker.redis_url():
            self.tasks.append(asyncio.create_task(broker.listen_redis(self._receive, self._resume_all)))
        else:
            self._remove_listener = broker.add_listener(self._receive_threadsafe)

    async def stop(self) -> None:
        if self._remove_listener:
            self._remove_listener()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self.tasks.clear()

    def _receive(self, message: dict) -> None:  # in the loop
        if self.incoming is not None:
            self.incoming.put_nowait(message)

    def _receive_threadsafe(self, message: dict) -> None:  # from any thread
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._receive, message)

    def _resume_all(self) -> None:  # in the loop: the Redis channel is back after an outage
        """End every open stream: what was published while the channel was lost never reached this
        process, and the clients get it from the event log when they reconnect with Last-Event-ID
        (browsers do so by themselves, after the `retry` delay)."""
        streams = [stream for users in self.streams.values() for mine in users.values() for stream in mine]
        for stream in streams:
            stream.put(None)
        if streams:
            log.warning("ended %s live streams so that they resume from the event log", len(streams))

    # -- streams
    def connect(self, user_id: int, network_id: int) -> Stream:
        stream = Stream(user_id, network_id)
        self.streams[network_id][user_id].add(stream)
        metrics.LIVE_STREAMS.inc()
        return stream

    def disconnect(self, stream: Stream) -> None:
        users = self.streams.get(stream.network_id)
        if not users:
            return
        mine = users.get(stream.user_id)
        if mine is not None:
            if stream in mine:
                mine.discard(stream)
                metrics.LIVE_STREAMS.dec()
            if not mine:
                del users[stream.user_id]
        if not users:
            self.streams.pop(stream.network_id, None)

    def connected_users(self, network_id: int) -> list[int]:
        return list(self.streams.get(network_id, {}))

    async def _route(self) -> None:
        while True:
            message = await self.incoming.get()
            try:
                event = Event.from_message(message)
                candidates = self.connected_users(event.network_id)
                if event.recipients is not None:
                    candidates = [c for c in candidates if c in event.recipients]
                if not candidates:
                    continue
                allowed = await sync_to_async(_audience, thread_sensitive=False)(event, candidates)
                delivered = 0
                for user_id in allowed:
                    for stream in list(self.streams.get(event.network_id, {}).get(user_id, ())):
                        stream.put(event)
                        delivered += 1
                self.delivered += delivered
                if delivered:
                    metrics.EVENTS_DELIVERED.inc(delivered)
            except Exception:
                log.exception("could not route a live event")


def _audience(event: Event, candidates: list[int]) -> set[int]:
    from django.db import close_old_connections

    close_old_connections()
    try:
        return audience_of(event, candidates)
    finally:
        close_old_connections()


hub = Hub()


# ---------------------------------------------------------------- who is asking


def _identify(scope: dict) -> tuple[int, int] | None:
    """(user id, network id) of the session or bearer token on this request, else None."""
    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
    from django.db import close_old_connections
    from django.utils.crypto import constant_time_compare

    from essaim.accounts.models import User
    from essaim.core.middleware import network_id_for_host

    close_old_connections()
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    network_id = network_id_for_host(headers.get("host", ""))
    if network_id is None:
        return None
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        from essaim.accounts.actions import find_token

        token = find_token(authorization[7:].strip())
        if token is None or token.network_id != network_id:
            return None
        return token.user_id, network_id
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:
        return None
    morsel = cookie.get(settings.SESSION_COOKIE_NAME)
    if morsel is None:
        return None
    from importlib import import_module

    session = import_module(settings.SESSION_ENGINE).SessionStore(morsel.value)
    try:
        user_id = int(session.get(SESSION_KEY))
    except (TypeError, ValueError):
        return None
    user = User.objects.filter(pk=user_id, network_id=network_id, is_active=True).first()
    if user is None or not constant_time_compare(session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None
    return user.id, network_id


def _still_allowed(user_id: int, network_id: int, scope: dict) -> bool:
    found = _identify(scope)
    return found == (user_id, network_id)


def _missed(user_id: int, network_id: int, after_id: int) -> list[Event]:
    """Events after `after_id` this person may receive, oldest first (bounded)."""
    from django.db import close_old_connections

    from .models import EventLog

    close_old_connections()
    since = timezone.now() - REPLAY_WINDOW
    rows = (EventLog.objects.filter(network_id=network_id, id__gt=after_id, created_at__gte=since)
            .order_by("id")[:REPLAY_LIMIT])
    out = []
    for row in rows:
        event = Event(type=row.type, network_id=row.network_id, data=row.data, id=row.id,
                      recipients=frozenset(row.recipients) if row.recipients is not None else None)
        if user_id in audience_of(event, [user_id]):
            out.append(event)
    return out


def _last_id(network_id: int) -> int:
    from .models import EventLog

    return EventLog.objects.filter(network_id=network_id).order_by("-id").values_list("id", flat=True).first() or 0


# ---------------------------------------------------------------- the ASGI endpoint


def _frame(event: Event) -> bytes:
    body = json.dumps(event.as_json(), separators=(",", ":"), ensure_ascii=False)
    return f"id: {event.id}\ndata: {body}\n\n".encode()


async def _json_error(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "details": None}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _last_event_id(scope: dict) -> int | None:
    from urllib.parse import parse_qs

    value = None
    for key, raw in scope.get("headers", []):
        if key.lower() == b"last-event-id":
            value = raw.decode("latin-1")
    if value is None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        value = (query.get("last_event_id") or [None])[-1]
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        return -1
    return number if number >= 0 else -1


async def sse_app(scope, receive, send) -> None:
    if scope["method"] not in ("GET", "HEAD"):
        await _json_error(send, 405, "method_not_allowed", "Use GET.")
        return
    who = await sync_to_async(_identify, thread_sensitive=False)(scope)
    if who is None:
        await _json_error(send, 401, "unauthorized", "Sign in, or send a bearer token.")
        return
    last = _last_event_id(scope)
    if last == -1:
        await _json_error(send, 400, "invalid_last_event_id", "Last-Event-ID must be an event id (a whole number).")
        return
    user_id, network_id = who
    stream = hub.connect(user_id, network_id)  # before the replay: nothing falls between the two
    seen: set[int] = set()  # replayed ids (live events may arrive out of id order: no "<= last" rule)
    try:
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-store"),
            (b"x-accel-buffering", b"no"), (b"x-content-type-options", b"nosniff")]})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        opening = [b"retry: 3000\n\n"]
        if last is None:
            current = await sync_to_async(_last_id, thread_sensitive=False)(network_id)
            ready = Event(type="stream.ready", network_id=network_id, data={}, id=current)
            opening.append(_frame(ready))
        else:
            missed = await sync_to_async(_missed, thread_sensitive=False)(user_id, network_id, last)
            for event in missed:
                opening.append(_frame(event))
                seen.add(event.id)
        await send({"type": "http.response.body", "body": b"".join(opening), "more_body": True})
        disconnected = asyncio.ensure_future(_wait_disconnect(receive))
        next_check = time.monotonic() + RECHECK
        try:
            while not disconnected.done():
                getter = asyncio.ensure_future(stream.queue.get())
                done, _ = await asyncio.wait({getter, disconnected}, timeout=KEEPALIVE,
                                             return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    if disconnected.done():
                        break
                    if time.monotonic() >= next_check:
                        next_check = time.monotonic() + RECHECK
                        if not await sync_to_async(_still_allowed, thread_sensitive=False)(user_id, network_id, scope):
                            break
                    await send({"type": "http.response.body", "body": b": keepalive\n\n", "more_body": True})
                    continue
                event = getter.result()
                if event is None:  # too far behind: end; the client resumes from the log
                    break
                if event.id in seen:
                    continue
                await send({"type": "http.response.body", "body": _frame(event), "more_body": True})
        finally:
            disconnected.cancel()
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        hub.disconnect(stream)


async def _wait_disconnect(receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return

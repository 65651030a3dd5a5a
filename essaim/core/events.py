"""Events after commit: the only way to notify, push live updates, index or record analytics.

An event is {id, type, data}. It is either addressed to explicit user ids (a notification, a direct
message) or to everyone allowed to see its object: its declared *audience* function answers, at
delivery time and with the object's own access predicate, which of the connected people may
receive it, so a member removed from a private community stops receiving its events at once.

`emit_on_commit` writes the event to the event log inside the caller's transaction (so its id is
the resume point of the live stream and a rolled-back write leaves nothing), then publishes it
through the broker once the transaction commits: in process by default, through Redis pub/sub
when ESSAIM_REDIS_URL is set, so that every web process can deliver it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    type: str
    network_id: int
    data: dict
    recipients: frozenset[int] | None = None  # None: the audience of the object
    id: int = 0

    def as_json(self) -> dict:
        return {"id": str(self.id), "type": self.type, "data": self.data}

    def as_message(self) -> dict:
        return {"id": self.id, "type": self.type, "network_id": self.network_id, "data": self.data,
                "recipients": sorted(self.recipients) if self.recipients is not None else None}

    @classmethod
    def from_message(cls, message: dict) -> Event:
        recipients = message.get("recipients")
        return cls(type=message["type"], network_id=int(message["network_id"]), data=message.get("data") or {},
                   recipients=frozenset(int(r) for r in recipients) if recipients is not None else None,
                   id=int(message["id"]))


# An audience function: (event, candidate user ids) -> the ids among them allowed to receive it.
Audience = Callable[[Event, list[int]], set[int]]

# Every event type any app emits; apps declare theirs in their events.py.
EVENT_TYPES: set[str] = set()
_audiences: dict[str, Audience] = {}


def declare(*names: str, audience: Audience | None = None) -> None:
    """Declare event types. Events of a type with an `audience` may be emitted without recipients;
    events of a type without one must name their recipients."""
    EVENT_TYPES.update(names)
    if audience is not None:
        for name in names:
            _audiences[name] = audience


def audience_of(event: Event, candidate_ids: Iterable[int]) -> set[int]:
    """Which of `candidate_ids` may receive `event`: its recipients (still active members of the
    network), or the people its object's access predicate lets see it. Anything unknown: nobody."""
    candidates = sorted({int(c) for c in candidate_ids})
    if not candidates:
        return set()
    if event.recipients is not None:
        from essaim.accounts.models import User

        wanted = [c for c in candidates if c in event.recipients]
        if not wanted:
            return set()
        return set(User.objects.filter(id__in=wanted, network_id=event.network_id, is_active=True)
                   .values_list("id", flat=True))
    audience = _audiences.get(event.type)
    if audience is None:
        return set()
    return set(audience(event, candidates))


# Durable reactions: event type -> job kinds queued in the emitting transaction (search indexing,
# webhooks...). Unlike subscribers, nothing is lost if the process stops right after the commit.
_jobs_on: dict[str, list[str]] = {}


def run_job_on(*names: str, job: str) -> None:
    """Queue a job of kind `job` with {"event_id", "type", "data"} whenever one of `names` is emitted."""
    for name in names:
        if name not in EVENT_TYPES:
            raise ValueError(f"undeclared event type {name!r}")
        _jobs_on.setdefault(name, [])
        if job not in _jobs_on[name]:
            _jobs_on[name].append(job)


_subscribers: list[Callable[[Event], None]] = []
_lock = threading.Lock()


def subscribe(callback: Callable[[Event], None]) -> Callable[[], None]:
    """Call `callback` for every event this process publishes (tests, in-process listeners)."""
    with _lock:
        _subscribers.append(callback)

    def unsubscribe() -> None:
        with _lock:
            if callback in _subscribers:
                _subscribers.remove(callback)

    return unsubscribe


def publish(event: Event) -> None:
    from . import broker

    with _lock:
        subscribers = list(_subscribers)
    for callback in subscribers:
        try:
            callback(event)
        except Exception:  # one failing subscriber must not stop the others
            log.exception("event subscriber failed for %s", event.type)
    broker.publish(event)


def emit_on_commit(type: str, *, network_id: int, data: dict, recipients: Iterable[int] | None = None) -> None:
    """Record an event in the caller's transaction and publish it once that transaction commits.
    `recipients=None` (or empty, for a type that declares an audience) means: everyone who may see
    the object."""
    from .models import EventLog

    if type not in EVENT_TYPES:
        raise ValueError(f"undeclared event type {type!r}")
    frozen = frozenset(int(r) for r in recipients) if recipients is not None else None
    if not frozen and type in _audiences:
        frozen = None
    if frozen is None and type not in _audiences:
        raise ValueError(f"event type {type!r} has no audience: name its recipients")
    if frozen is not None and not frozen:
        return  # addressed to nobody
    row = EventLog.objects.create(network_id=network_id, type=type, data=data,
                                  recipients=sorted(frozen) if frozen is not None else None)
    for job_kind in _jobs_on.get(type, ()):
        from . import jobs

        jobs.enqueue(job_kind, {"event_id": row.id, "type": type, "data": data}, network_id=network_id)
    event = Event(type=type, network_id=network_id, data=data, recipients=frozen, id=row.id)
    transaction.on_commit(lambda: publish(event))

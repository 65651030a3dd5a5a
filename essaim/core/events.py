"""Events after commit: the only way to notify, push live updates, index or record analytics.

An event is {id, type, data}, addressed to an explicit list of user ids computed with the same
access rules as pages. Delivery happens only once the surrounding transaction commits; a rolled
back write emits nothing. The in-process broker fans events out to subscribers; later adapters
(Redis pub/sub) plug in behind `publish`.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    type: str
    network_id: int
    data: dict
    recipients: frozenset[int] = field(default_factory=frozenset)
    id: int = 0

    def as_json(self) -> dict:
        return {"id": str(self.id), "type": self.type, "data": self.data}


# Every event type any app emits; apps declare theirs in their events.py and register them here.
EVENT_TYPES: set[str] = set()


def declare(*names: str) -> None:
    EVENT_TYPES.update(names)


_subscribers: list[Callable[[Event], None]] = []
_counter = itertools.count(1)
_lock = threading.Lock()


def subscribe(callback: Callable[[Event], None]) -> Callable[[], None]:
    with _lock:
        _subscribers.append(callback)

    def unsubscribe() -> None:
        with _lock:
            if callback in _subscribers:
                _subscribers.remove(callback)

    return unsubscribe


def publish(event: Event) -> None:
    with _lock:
        subscribers = list(_subscribers)
    for callback in subscribers:
        try:
            callback(event)
        except Exception:  # one failing subscriber must not stop the others
            log.exception("event subscriber failed for %s", event.type)


def emit_on_commit(type: str, *, network_id: int, data: dict, recipients: Iterable[int]) -> None:
    if type not in EVENT_TYPES:
        raise ValueError(f"undeclared event type {type!r}")
    frozen = frozenset(int(r) for r in recipients)

    def send() -> None:
        publish(Event(type=type, network_id=network_id, data=data, recipients=frozen, id=next(_counter)))

    transaction.on_commit(send)

"""Prometheus metrics, served at /metrics.

Written by every process (web processes, `essaim worker`): with prometheus-client's multiprocess
mode (see essaim.core.multiproc, set up by `essaim serve` and `essaim worker`) each process writes
its own files and /metrics on any web process adds up those of every process of the machine.
Without it (tests, `runserver`), the figures are this process's own.

- essaim_http_request_duration_seconds{route, method, status}: pages and API requests served by
  Django, by URL pattern (never the raw path), method and status class (2xx...). The live event
  stream is not in it (it is served outside Django and its requests last for hours).
- essaim_events_delivered_total: live events queued to open event streams.
- essaim_events_publish_failed_total: events whose publication to Redis failed (their streams
  catch up from the event log).
- essaim_live_streams: event streams open now.
- essaim_jobs_run_total{kind, result}: jobs run, by result (done, retry, failed).
- essaim_cache_errors_total: cache calls that found Redis unreachable.
- essaim_jobs{kind, state}, essaim_jobs_oldest_ready_seconds{kind}, essaim_database_up: read
  from the job table at each scrape, with one query (state: queued, running, failed).
"""

from __future__ import annotations

import ipaddress
import logging

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.values import MutexValue, ValueClass

log = logging.getLogger(__name__)

MULTIPROCESS = ValueClass is not MutexValue  # PROMETHEUS_MULTIPROC_DIR was set before the import
disable_created_metrics()  # no *_created series: half the lines, and multiprocess mode has none
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUEST_DURATION = Histogram(
    "essaim_http_request_duration_seconds", "Time to answer a page or API request, by URL pattern.",
    ["route", "method", "status"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
EVENTS_DELIVERED = Counter("essaim_events_delivered", "Live events queued to open event streams.")
EVENTS_PUBLISH_FAILED = Counter("essaim_events_publish_failed",
                                "Events that could not be published to Redis (streams catch up from the event log).")
LIVE_STREAMS = Gauge("essaim_live_streams", "Live event streams open now.", multiprocess_mode="livesum")
JOBS_RUN = Counter("essaim_jobs_run", "Jobs run, by kind and result (done, retry, failed).", ["kind", "result"])
CACHE_ERRORS = Counter("essaim_cache_errors", "Cache calls that found Redis unreachable.")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_observers: dict[tuple[str, str, str], object] = {}


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    key = (route, method if method in _METHODS else "other", f"{status // 100}xx")
    child = _observers.get(key)
    if child is None:
        child = _observers.setdefault(key, REQUEST_DURATION.labels(*key))
    child.observe(seconds)


# ---------------------------------------------------------------- the job table, at scrape time


class JobTableCollector:
    """Jobs by kind and state, and the age of the oldest job waiting to run, in one query."""

    def collect(self):
        from django.db import DatabaseError
        from django.db.models import Count, Min, Q
        from django.utils import timezone

        from .models import Job

        now = timezone.now()
        leased = Q(locked_until__gt=now)
        try:
            rows = list(Job.objects.filter(state__in=[Job.State.QUEUED, Job.State.FAILED])
                        .values("kind", "state")
                        .annotate(n=Count("id"), leased=Count("id", filter=leased),
                                  oldest=Min("run_at", filter=Q(run_at__lte=now) & ~leased))
                        .order_by())
        except DatabaseError as exc:
            log.warning("metrics: could not read the job table (%s)", str(exc).strip().splitlines()[0][:200]
                        if str(exc).strip() else type(exc).__name__)
            yield GaugeMetricFamily("essaim_database_up", "1 when the job table could be read at this scrape.", 0)
            return
        counts = GaugeMetricFamily("essaim_jobs", "Jobs in the job table, by kind and state (queued: waiting "
                                                  "or scheduled; running: leased to a runner; failed: gave up).",
                                   labels=["kind", "state"])
        oldest = GaugeMetricFamily("essaim_jobs_oldest_ready_seconds",
                                   "How long the oldest job ready to run has been waiting, by kind (0: none).",
                                   labels=["kind"])
        from .jobs import registered_kinds

        # Every known kind has its series, at 0 when it has no job: an alert sees them rise from 0.
        found = {(kind, state): 0 for kind in registered_kinds() for state in ("queued", "running", "failed")}
        waiting = dict.fromkeys(registered_kinds(), 0.0)
        for row in rows:
            kind = row["kind"]
            if row["state"] == Job.State.FAILED:
                found[(kind, "failed")] = row["n"]
                continue
            found[(kind, "queued")] = row["n"] - row["leased"]
            found[(kind, "running")] = row["leased"]
            waiting.setdefault(kind, 0.0)
            if row["oldest"] is not None:
                waiting[kind] = max(0.0, (now - row["oldest"]).total_seconds())
        for (kind, state), n in sorted(found.items()):
            counts.add_metric([kind, state], n)
        for kind, seconds in sorted(waiting.items()):
            oldest.add_metric([kind], seconds)
        yield counts
        yield oldest
        yield GaugeMetricFamily("essaim_database_up", "1 when the job table could be read at this scrape.", 1)


class _Scrape:
    """What one scrape reports: every process's metrics (or this process's), then the job table."""

    def collect(self):
        if MULTIPROCESS:
            from prometheus_client import CollectorRegistry
            from prometheus_client.multiprocess import MultiProcessCollector

            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        yield from JobTableCollector().collect()


def render() -> bytes:
    return generate_latest(_Scrape())


# ---------------------------------------------------------------- who may read them


_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def may_read(meta: dict, token: str) -> bool:
    """Whether a request (its META) may read /metrics: one with `Authorization: Bearer <token>`
    when a token is set, or one from the loopback interface that no proxy forwarded (a proxy on
    the same machine would make every outside request look local)."""
    from django.utils.crypto import constant_time_compare

    header = meta.get("HTTP_AUTHORIZATION", "")
    if token and header[:7].lower() == "bearer " and constant_time_compare(header[7:].strip(), token):
        return True
    if any(meta.get(name) for name in _FORWARDED):
        return False
    return is_loopback(meta.get("REMOTE_ADDR", ""))

"""Background jobs: a table, a lease, retries.

`enqueue()` writes a Job row in the caller's transaction (the outbox: a rolled-back change
enqueues nothing, a committed one cannot lose its job). A runner claims ready jobs with a lease
(`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL), runs each in its own transaction and marks it
done in that same transaction. A runner killed mid-job commits nothing; once the lease expires
another runner takes the job again. A failing job is retried with a growing delay, then marked
failed. Jobs must therefore be idempotent.

Embedded default: `essaim serve` runs a runner thread in the web process. With
ESSAIM_JOBS=worker (the default when ESSAIM_REDIS_URL is set), `essaim worker` processes run them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from . import metrics
from .models import Job

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class JobKind:
    name: str
    func: Callable[[Job], None]
    lease: timedelta
    max_attempts: int
    atomic: bool = True


@dataclass(frozen=True)
class Periodic:
    kind: str
    every: timedelta


_kinds: dict[str, JobKind] = {}
_periodic: list[Periodic] = []
_wake = threading.Event()


def job(name: str, *, lease: timedelta = LEASE, max_attempts: int = 8, every: timedelta | None = None,
        atomic: bool = True):
    """Register `func(job)` as the handler of jobs of kind `name`; with `every`, the runners also
    enqueue one such job per period (once across all runners, by its key).

    atomic=False, for a handler that recomputes something (idempotent) and opens its own short
    transactions for its writes: it runs outside the transaction that marks the job done, so that
    its reads hold no lock (on SQLite, a transaction holds the only write lock from its start)."""

    def register(func: Callable[[Job], None]):
        _kinds[name] = JobKind(name, func, lease, max_attempts, atomic)
        if every is not None:
            _periodic.append(Periodic(name, every))
        return func

    return register


def registered_kinds() -> list[str]:
    return sorted(_kinds)


def enqueue(kind: str, payload: dict | None = None, *, network_id: int | None = None, run_at=None,
            key: str | None = None) -> Job | None:
    """Queue a job in the current transaction. With `key`, a second enqueue of the same key is
    a no-op (returns None)."""
    if kind not in _kinds:
        raise ValueError(f"unknown job kind {kind!r}")
    spec = _kinds[kind]
    row = Job(kind=kind, payload=payload or {}, network_id=network_id, run_at=run_at or timezone.now(), key=key,
              max_attempts=spec.max_attempts)
    if key is None:
        row.save()
    else:
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            return None
    transaction.on_commit(_wake.set)
    return row


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def claim(limit: int = 20, *, worker: str | None = None, kinds: list[str] | None = None) -> list[Job]:
    """Lease up to `limit` ready jobs (of `kinds`, when given) to this worker."""
    now = timezone.now()
    worker = worker or _worker_name()
    ready = Job.objects.filter(state=Job.State.QUEUED, run_at__lte=now).exclude(locked_until__gt=now)
    if kinds is not None:
        ready = ready.filter(kind__in=kinds)
    if not ready.exists():  # a cheap look first: on SQLite every transaction here takes the write lock
        return []
    with transaction.atomic():
        ready = (Job.objects.select_for_update(skip_locked=True)
                 .filter(state=Job.State.QUEUED, run_at__lte=now)
                 .exclude(locked_until__gt=now)
                 .order_by("run_at", "id"))
        if kinds is not None:
            ready = ready.filter(kind__in=kinds)
        ids = list(ready.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        jobs = []
        for row in Job.objects.filter(id__in=ids).order_by("run_at", "id"):
            spec = _kinds.get(row.kind)
            row.locked_until = now + (spec.lease if spec else LEASE)
            row.locked_by = worker
            row.attempts += 1
            jobs.append(row)
        Job.objects.bulk_update(jobs, ["locked_until", "locked_by", "attempts"])
    return jobs


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def run_one(row: Job) -> bool:
    """Run a leased job. Its effects and its 'done' mark commit together (an atomic=False job's
    effects commit first: done again if the mark is lost); on error, nothing of the job's own work
    is kept and it is scheduled again (or failed after its last attempt)."""
    spec = _kinds.get(row.kind)
    try:
        if spec is None:
            raise LookupError(f"no handler for job kind {row.kind!r}")
        if not spec.atomic:
            spec.func(row)
        with transaction.atomic():
            if spec.atomic:
                spec.func(row)
            done = Job.objects.filter(pk=row.pk, locked_by=row.locked_by).update(
                state=Job.State.DONE, finished_at=timezone.now(), locked_until=None)
            if not done:  # the lease was lost to another runner: let that one finish
                raise _LeaseLost()
        metrics.JOBS_RUN.labels(row.kind, "done").inc()
        return True
    except _LeaseLost:
        return False
    except Exception:
        log.exception("job %s (%s) failed, attempt %s", row.pk, row.kind, row.attempts)
        failed = row.attempts >= row.max_attempts
        metrics.JOBS_RUN.labels(row.kind, "failed" if failed else "retry").inc()
        Job.objects.filter(pk=row.pk).update(
            state=Job.State.FAILED if failed else Job.State.QUEUED,
            run_at=timezone.now() + _backoff(row.attempts), locked_until=None,
            last_error=traceback.format_exc()[-4000:],
            finished_at=timezone.now() if failed else None)
        return False


class _LeaseLost(Exception):
    pass


def schedule_periodic(now=None) -> int:
    """Enqueue this period's occurrence of every periodic job (idempotent across runners)."""
    now = now or timezone.now()
    made = 0
    for spec in _periodic:
        seconds = int(spec.every.total_seconds())
        bucket = int(now.timestamp()) // seconds
        if enqueue(spec.kind, {"period_start": bucket * seconds}, key=f"{spec.kind}:{bucket}") is not None:
            made += 1
    return made


def run_pending(*, limit: int = 100, worker: str | None = None, kinds: list[str] | None = None) -> int:
    """Run every job that is ready now (of `kinds`, when given), up to `limit`; returns how many ran
    successfully."""
    ran = 0
    while ran < limit:
        batch = claim(min(20, limit - ran), worker=worker, kinds=kinds)
        if not batch:
            break
        for row in batch:
            ran += bool(run_one(row))
    return ran


def run_batched(kind: str, handle_batch: Callable[[list[Job]], None], *, batch: int = 2_000) -> int:
    """Run every ready job of `kind` in batches: handle_batch(rows) and their 'done' marks commit
    together (for work that is cheaper once for many jobs, such as indexing after an import).
    On error nothing of the batch is kept: its jobs run again, one by one, when their lease ends.
    Returns how many jobs were done."""
    done = 0
    worker = _worker_name()
    while True:
        rows = claim(batch, worker=worker, kinds=[kind])
        if not rows:
            return done
        with transaction.atomic():
            handle_batch(rows)
            Job.objects.filter(pk__in=[r.pk for r in rows], locked_by=worker).update(
                state=Job.State.DONE, finished_at=timezone.now(), locked_until=None)
        metrics.JOBS_RUN.labels(kind, "done").inc(len(rows))
        done += len(rows)


def prune(now=None) -> int:
    """Forget finished jobs after a week and events after a day."""
    from .models import EventLog

    now = now or timezone.now()
    gone, _ = Job.objects.filter(state=Job.State.DONE, finished_at__lt=now - timedelta(days=7)).delete()
    events, _ = EventLog.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    return gone + events


@job("core.prune", every=timedelta(hours=1))
def _prune_job(row: Job) -> None:
    prune()


@job("core.probe", lease=timedelta(seconds=5), max_attempts=3)
def _probe_job(row: Job) -> None:
    """Does nothing but take a moment: lets an operator (or a test) see that runners take jobs."""
    time.sleep(min(float(row.payload.get("seconds", 0)), 4.0))


class Runner:
    """A loop that runs jobs until stopped: the thread inside `essaim serve` (embedded) or the
    body of `essaim worker`."""

    def __init__(self, *, poll: float = 1.0, periodic_every: float = 30.0):
        self.poll = poll
        self.periodic_every = periodic_every
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        import_job_modules()
        next_periodic = 0.0
        while not self.stopping.is_set():
            try:
                close_old_connections()
                if time.monotonic() >= next_periodic:
                    schedule_periodic()
                    next_periodic = time.monotonic() + self.periodic_every
                ran = run_pending(limit=50)
            except Exception:
                log.exception("job runner trouble; retrying")
                ran = 0
            if not ran:
                _wake.wait(self.poll)
                _wake.clear()
        close_old_connections()

    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="essaim-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        _wake.set()
        if self._thread is not None:
            self._thread.join(timeout)


def import_job_modules() -> None:
    """Import every app's jobs.py so that their kinds are registered."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("essaim."):
            try:
                import_module(f"{config.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.jobs":
                    raise

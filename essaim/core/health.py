"""Readiness: may this process be sent traffic? (/readyz; /healthz only says it is alive.)

Checks, in order: the database answers `SELECT 1` (on PostgreSQL through a connection of its own
with a 2-second connect and statement timeout, so that a dead or unreachable server fails the
check quickly instead of hanging it); no migration is pending (checked until it first passes, then
remembered by the process); Redis answers PING, when ESSAIM_REDIS_URL is set. A result is reused
for a second, so that probes cannot make the process open connections at any rate.

The reasons given are short (the kind of error); the details go to the log.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

log = logging.getLogger(__name__)

TIMEOUT = 2  # seconds, database and Redis
REUSE = 1.0  # seconds a result is reused

_lock = threading.Lock()
_last: tuple[float, bool, dict] | None = None
_migrated = False
_redis = None


def _reason(check: str, exc: BaseException) -> str:
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    log.warning("readiness: %s check failed: %s %s", check, type(exc).__name__, detail)
    if "timeout" in detail.lower() or "timed out" in detail.lower() or isinstance(exc, TimeoutError):
        return "error: timed out"
    return f"error: {type(exc).__name__}"


def check_database() -> str:
    from django.db import connections

    connection = connections["default"]
    try:
        if connection.vendor == "postgresql":
            import psycopg

            params = connection.get_connection_params()
            params["connect_timeout"] = TIMEOUT
            params["options"] = (params.get("options", "") + f" -c statement_timeout={TIMEOUT * 1000}").strip()
            with psycopg.connect(**params) as raw, raw.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", never an error page
        return _reason("database", exc)
    return "ok"


def pending_migrations() -> int:
    """How many migrations the database has not applied yet (also `essaim serve` and the commands)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def check_migrations() -> str:
    global _migrated
    if _migrated:
        return "ok"
    try:
        pending = pending_migrations()
    except Exception as exc:  # noqa: BLE001 - as above
        return _reason("migrations", exc)
    if pending:
        return f"{pending} pending"
    _migrated = True
    return "ok"


def check_redis() -> str:
    global _redis
    url = settings.ESSAIM_REDIS_URL
    if not url:
        return "not configured"
    try:
        if _redis is None:
            import redis

            _redis = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        _redis.ping()
    except Exception as exc:  # noqa: BLE001 - as above
        return _reason("redis", exc)
    return "ok"


def readiness() -> tuple[bool, dict]:
    """(ready, {check: "ok" or the reason})."""
    global _last
    now = time.monotonic()
    last = _last
    if last is not None and now - last[0] < REUSE:
        return last[1], dict(last[2])
    with _lock:
        last = _last
        if last is not None and time.monotonic() - last[0] < REUSE:  # answered while this one waited
            return last[1], dict(last[2])
        checks = {"database": check_database()}
        checks["migrations"] = check_migrations() if checks["database"] == "ok" else "not checked"
        checks["redis"] = check_redis()
        ready = all(value in ("ok", "not configured") for value in checks.values())
        _last = (time.monotonic(), ready, checks)
    return ready, dict(checks)


def forget() -> None:
    """Check everything again at the next call (for tests, and after settings change)."""
    global _last, _migrated, _redis
    _last = None
    _migrated = False
    _redis = None

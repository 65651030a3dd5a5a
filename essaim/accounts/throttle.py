"""Sign-in throttling: after too many failed attempts for one e-mail address or from one IP
address within a window, refuse further attempts for a while.

Counts live in the Django cache (per process with the default local-memory cache; shared once
a shared cache is configured). A refused attempt never reaches the password check.
"""

from __future__ import annotations

import time

from django.core.cache import cache

MAX_FAILURES = 5             # failed attempts allowed per e-mail address within WINDOW
MAX_IP_FAILURES = 50         # per IP address: offices and proxies share one address
WINDOW = 15 * 60             # seconds over which failures are counted
LOCKOUT = 15 * 60            # seconds an address or IP stays refused once over the limit
_PREFIX = "essaim:login"


def _keys(network_id: int, email: str, ip: str) -> list[str]:
    email = (email or "").strip().lower()[:254]
    keys = [f"{_PREFIX}:ip:{ip or 'unknown'}"]
    if email:
        keys.append(f"{_PREFIX}:email:{network_id}:{email}")
    return keys


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def retry_after(network_id: int, email: str, ip: str) -> int:
    """Seconds before another attempt is allowed (0: allowed now)."""
    now = time.time()
    waits = [int(until - now) + 1 for until in cache.get_many([f"{k}:locked" for k in _keys(network_id, email, ip)])
             .values() if until and until > now]
    return max(waits, default=0)


def record_failure(network_id: int, email: str, ip: str) -> None:
    now = time.time()
    for key in _keys(network_id, email, ip):
        limit = MAX_IP_FAILURES if ":ip:" in key else MAX_FAILURES
        failures = [t for t in (cache.get(f"{key}:failures") or []) if t > now - WINDOW]
        failures.append(now)
        failures = failures[-limit:]
        cache.set(f"{key}:failures", failures, WINDOW)
        if len(failures) >= limit:
            cache.set(f"{key}:locked", now + LOCKOUT, LOCKOUT)
            cache.delete(f"{key}:failures")


def record_success(network_id: int, email: str, ip: str) -> None:
    """A successful sign-in forgets the address's failures (not the IP's: one good password
    must not reset the count of an IP trying many addresses)."""
    email_keys = _keys(network_id, email, ip)[1:]
    cache.delete_many([f"{k}:failures" for k in email_keys])


def reset_all() -> None:
    """For tests."""
    cache.clear()

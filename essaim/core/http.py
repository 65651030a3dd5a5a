"""Small helpers shared by page views."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def safe_url(request, url: str | None) -> str | None:
    """`url` when it stays on this site, else None (no open redirects)."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


def safe_next(request, fallback: str) -> str:
    """The `next` form field or query parameter when it points inside this site, else `fallback`."""
    return safe_url(request, request.POST.get("next") or request.GET.get("next")) or fallback

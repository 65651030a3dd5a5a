"""Which network a request is for, and the viewer's language; and, around every request, its id,
its duration (the metrics) and, with JSON logs, its access log line."""

from __future__ import annotations

import logging
import os
import re
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from .logs import current_request
from .models import Network

# Answered by OperationsMiddleware before anything else (no network or person looked up, so that
# they answer while the database is away or before any network exists): path -> view in core.views.
OPERATIONS = {"/healthz": "healthz", "/readyz": "readyz", "/metrics": "metrics"}

_cache: dict[str, tuple[float, int | None]] = {}
_TTL = 30.0


def network_id_for_host(host: str) -> int | None:
    """The id of the network served at `host` (its own domain, else the default network),
    remembered for a few seconds."""
    host = (host or "").split(":")[0].lower()
    now = time.monotonic()
    hit = _cache.get(host)
    if hit and now - hit[0] < _TTL and hit[1] is not None:
        return hit[1]
    network_id = (Network.objects.filter(domain=host).values_list("id", flat=True).first()
                  or Network.objects.filter(domain="").order_by("id").values_list("id", flat=True).first())
    _cache[host] = (now, network_id)
    return network_id


def network_for_host(host: str) -> Network | None:
    network_id = network_id_for_host(host)
    return Network.objects.filter(pk=network_id).first() if network_id else None


def clear_cache() -> None:
    _cache.clear()


class NetworkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        network_id = request.network_id = network_id_for_host(request.get_host())
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.network_id == network_id:
            request.network = user.network  # loaded with the user: no extra query
        elif network_id and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer ":
            # An API request: the token's person comes with their network (core/api.py), which then
            # replaces this; it is read only if something needs it before the token is checked.
            request.network = SimpleLazyObject(lambda: Network.objects.get(pk=network_id))
        else:
            request.network = Network.objects.filter(pk=network_id).first() if network_id else None
        if user is not None and user.is_authenticated:
            if request.network is None or user.network_id != request.network.id:
                request.user = AnonymousUser()  # a session from another network means nothing here
            elif user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        if request.network is None and not request.path.startswith("/static/"):
            return HttpResponse("Essaim has no network yet: run `essaim migrate` and `essaim demo` or "
                                "`essaim createadmin`.", status=503, content_type="text/plain")
        response = self.get_response(request)
        return response


access_log = logging.getLogger("essaim.request")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a sensible one (letters, digits and ._:/+=-, at most 128),
    else a new one."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return os.urandom(16).hex()  # 32 hex digits, four times cheaper than uuid4().hex


class RequestMiddleware:
    """Outermost: gives the request an id (X-Request-ID, taken from the request when it has a
    sensible one, returned on the response), observes its duration by URL pattern for /metrics
    and, with ESSAIM_LOG_FORMAT=json, writes its access log line (logger essaim.request, INFO)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.access_log = settings.ESSAIM_LOG_FORMAT == "json"
        self.static_url = settings.STATIC_URL or "/static/"
        from . import metrics

        self.observe = metrics.observe_request

    def __call__(self, request):
        started = time.perf_counter()
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        context = current_request.set({"request_id": request_id, "method": request.method, "path": request.path})
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(context)
        seconds = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        if match is not None:
            route = match.route
        elif request.path_info in OPERATIONS:
            route = request.path_info.lstrip("/")
        else:
            route = "static" if request.path.startswith(self.static_url) else "unmatched"
        self.observe(route, request.method, response.status_code, seconds)
        response["X-Request-ID"] = request_id
        if self.access_log:
            access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "request_id": request_id, "method": request.method, "path": request.path, "route": route,
                "status": response.status_code, "duration_ms": round(seconds * 1000, 2)})
        return response


class OperationsMiddleware:
    """Answers /healthz, /readyz and /metrics before host validation, sessions and the network
    lookup: load balancers and scrapers address a process by its IP address, which is not in
    ESSAIM_ALLOWED_HOSTS, and these answers build no link from the host name."""

    def __init__(self, get_response):
        from . import views

        self.get_response = get_response
        self.views = {path: getattr(views, name) for path, name in OPERATIONS.items()}

    def __call__(self, request):
        view = self.views.get(request.path_info)
        if view is None:
            return self.get_response(request)
        return view(request)

"""Which network a request is for, and the viewer's language."""

from __future__ import annotations

import time

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.utils import translation

from .models import Network

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
        network_id = network_id_for_host(request.get_host())
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.network_id == network_id:
            request.network = user.network  # loaded with the user: no extra query
        else:
            request.network = Network.objects.filter(pk=network_id).first() if network_id else None
        if user is not None and user.is_authenticated:
            if request.network is None or user.network_id != request.network.id:
                request.user = AnonymousUser()  # a session from another network means nothing here
            elif user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        if request.network is None and not request.path.startswith(("/static/", "/healthz")):
            return HttpResponse("Essaim has no network yet: run `essaim migrate` and `essaim demo` or "
                                "`essaim createadmin`.", status=503, content_type="text/plain")
        response = self.get_response(request)
        return response

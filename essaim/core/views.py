"""Error pages for the web pages (the API has its own JSON errors)."""

from django.shortcuts import render

from .errors import EssaimError


class PageErrorMiddleware:
    """Turns NotFound, Forbidden and InvalidInput raised by page views into proper pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, EssaimError) and not request.path.startswith("/api/"):
            return render(request, "error.html", {"status": exc.status, "message": exc.message}, status=exc.status)
        return None


def api_not_found(request, *args, **kwargs):
    from django.http import JsonResponse
    from django.utils.translation import gettext as _

    return JsonResponse({"error": {"code": "not_found", "message": _("Not found."), "details": None}}, status=404)


def healthz(request):
    from django.http import JsonResponse

    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness (essaim.core.health): 200 when the database, the migrations and Redis are fine,
    else 503 naming what is not. Never an error page."""
    from django.http import JsonResponse

    from .health import readiness

    try:
        ready, checks = readiness()
    except Exception as exc:  # a bug in a check must still answer "not ready", not 500
        import logging

        logging.getLogger(__name__).exception("readiness check failed")
        ready, checks = False, {"readiness": f"error: {type(exc).__name__}"}
    response = JsonResponse({"status": "ready" if ready else "not ready", "checks": checks},
                            status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # "not ready" is an answer, not a server error: the check logged why
    return response


def metrics(request):
    """Prometheus metrics (essaim.core.metrics), for loopback requests that no proxy forwarded and
    for requests bearing ESSAIM_METRICS_TOKEN; anyone else gets 404."""
    from django.conf import settings
    from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound

    from . import metrics as prometheus

    if not prometheus.may_read(request.META, settings.ESSAIM_METRICS_TOKEN):
        return HttpResponseNotFound("Not found.", content_type="text/plain")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = HttpResponse(prometheus.render(), content_type=prometheus.CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response

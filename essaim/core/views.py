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

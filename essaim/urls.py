from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

from essaim.api import api
from essaim.core.views import api_not_found

urlpatterns = [
    path("", include("essaim.mail.urls")),  # POST /api/v1/mail/inbound (raw e-mail, up to 10 MB)
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),  # anything else under /api/ answers in JSON too
    # /healthz, /readyz and /metrics: answered by core.middleware.OperationsMiddleware, before any route
    path("", include("essaim.accounts.urls")),
    path("", include("essaim.communities.urls")),
    path("", include("essaim.notifications.urls")),
    path("", include("essaim.messaging.urls")),
    path("", include("essaim.questions.urls")),
    path("", include("essaim.search.urls")),
    path("", include("essaim.experts.urls")),
    path("", include("essaim.stream.urls")),
    # Uploaded files (avatars) from the local media folder; object storage serves its own.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
if settings.ESSAIM_BENCH_ENDPOINTS:  # never in production: a floor for `essaim bench --tier`
    from essaim.loadbench import raw_home_feed_view

    urlpatterns.insert(0, path("bench/raw-home-feed", raw_home_feed_view))

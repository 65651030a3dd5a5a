"""The application `essaim serve` runs (ASGI, under uvicorn).

- GET /api/v1/events, the live event stream, is served here natively (essaim.core.live): a stream
  waits without holding a thread or a database connection.
- Every other request goes to Django's WSGI handler on a pool of ESSAIM_THREADS threads. Measured on
  2 cores (`essaim bench --only feed`), Django's own ASGI handler served the feed API at 53 req/s
  where gunicorn served 90; through this pool, uvicorn serves 89 req/s: sync views keep their speed.
- The lifespan starts the live hub and, in embedded mode, the job runner; and stops them.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essaim.settings")

import django  # noqa: E402

django.setup()

from a2wsgi import WSGIMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

from essaim.core import live  # noqa: E402

django_app = WSGIMiddleware(WSGIHandler(), workers=settings.ESSAIM_THREADS)

_runner = None


async def _lifespan(receive, send) -> None:
    global _runner
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await live.hub.start()
            if settings.ESSAIM_JOBS == "embedded":
                from essaim.core.jobs import Runner

                _runner = Runner()
                _runner.start_thread()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if _runner is not None:
                _runner.stop()
            await live.hub.stop()
            from essaim.core.multiproc import forget_process

            forget_process(settings.ESSAIM_METRICS_DIR)  # this process's open streams no longer count
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "http" and scope["path"] == live.PATH:
        await live.sse_app(scope, receive, send)
    elif scope["type"] == "http":
        await django_app(scope, receive, send)
    else:  # no websockets here
        await send({"type": "websocket.close", "code": 1000})

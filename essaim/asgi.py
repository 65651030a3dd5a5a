"""The ASGI application `essaim serve` runs: Django for pages and the API, the live event stream
beside it, and (embedded mode) the job runner, started and stopped with the server."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essaim.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_app = get_asgi_application()

from django.conf import settings  # noqa: E402

from essaim.core import live  # noqa: E402

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
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "http" and scope["path"] == live.PATH:
        await live.sse_app(scope, receive, send)
    else:
        await django_app(scope, receive, send)

"""Assembles the REST API v1 from each app's router."""

from essaim.core.api import api

from essaim.accounts.api import router as accounts_router  # noqa: E402
from essaim.communities.api import router as communities_router  # noqa: E402
from essaim.messaging.api import router as messaging_router  # noqa: E402
from essaim.notifications.api import router as notifications_router  # noqa: E402
from essaim.questions.api import router as questions_router  # noqa: E402
from essaim.stream.api import router as stream_router  # noqa: E402
from essaim.search.api import router as search_router  # noqa: E402
from essaim.experts.api import router as experts_router  # noqa: E402

api.add_router("", accounts_router)
api.add_router("", communities_router)
api.add_router("", stream_router)
api.add_router("", notifications_router)
api.add_router("", messaging_router)
api.add_router("", search_router)
api.add_router("", questions_router)
api.add_router("", experts_router)

__all__ = ["api"]

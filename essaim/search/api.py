"""GET /api/v1/search: the same engine as the /search page."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from essaim.core.schemas import CommunityRef, PersonRef, responses

from . import engine
from .query import QueryError

router = Router(tags=["search"])


class ResultOut(Schema):
    type: str = Field(description="post, question, comment, answer, person, community or topic")
    id: str
    post_id: str | None = Field(None, description="For comments and answers: the post they belong to")
    source_id: str
    title: str = Field(description="The title, or the first line of the text")
    snippet: str = Field(description="HTML: escaped text with <mark> around the matched words")
    url: str
    author: PersonRef | None
    community: CommunityRef | None
    date: datetime
    score: float


class FacetsOut(Schema):
    type: dict[str, int] = Field(description="Result type -> how many visible matches")
    community: dict[str, int] = Field(description="Community id -> how many visible matches")
    exact: bool = Field(description="False when the counts stopped at 1,000 matching entries (or, for words "
                                    "most entries hold, cover the latest matches only): then they are lower bounds")


class SearchOut(Schema):
    items: list[ResultOut]
    next_cursor: str | None
    facets: FacetsOut


def _limit(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    if not value.isascii() or not value.isdigit():
        raise QueryError(_("limit must be between 1 and %(max)d.") % {"max": 100}, code="invalid_limit")
    return int(value)


def _nul_free(*values) -> None:
    if any(v is not None and "\x00" in v for v in values):
        raise QueryError(_("The query is not valid."), code="invalid_query")


@router.get("/search", response=responses(200, SearchOut), summary="Search everything the viewer may see",
            description="`q` accepts words, \"exact phrases\", -exclusions, OR, prefix*, from:handle, "
                        "in:community-slug, topic:name, type:post|question|comment|answer|person|community|topic, "
                        "before:YYYY-MM-DD and after:YYYY-MM-DD (at most 500 characters). The cursor is "
                        "opaque (an offset).")
def search(request, q: str = "", type: str | None = None, community: str | None = None, author: str | None = None,
           topic: str | None = None, before: str | None = None, after: str | None = None, sort: str = "relevance",
           cursor: str | None = None, limit: str | None = None):
    _nul_free(q, type, community, author, topic, before, after, sort, cursor, limit)
    page = engine.search(request.auth, q, type=type, community=community, author=author, topic=topic,
                         before=before, after=after, sort=sort, cursor=cursor, limit=_limit(limit))
    return {
        "items": [{"type": r.type, "id": str(r.id), "post_id": str(r.post_id) if r.post_id else None,
                     "source_id": r.source_id, "title": r.title, "snippet": str(r.snippet), "url": r.url,
                     "author": r.author, "community": r.community, "date": r.date, "score": r.score}
                    for r in page.results],
        "next_cursor": page.next_cursor,
        "facets": {"type": page.facets["type"],
                   "community": {str(k): v for k, v in page.facets["community"].items()},
                   "exact": page.facets_exact},
    }


class SuggestionOut(Schema):
    type: str = Field(description="person, community, topic or question")
    id: str
    label: str = Field(description="The name, #topic or question title to show")
    url: str


class SuggestOut(Schema):
    items: list[SuggestionOut]


@router.get("/search/suggest", response=responses(200, SuggestOut), summary="Suggestions while a search is typed",
            description="People, communities, topics and questions whose name or title starts like `q` (the "
                        "last word may be incomplete), that the viewer may see; grouped by type in that order, "
                        "a fair share of `limit` (1 to 20, default 8) each.")
def suggest(request, q: str = "", limit: str | None = None):
    from . import suggest as suggestions

    _nul_free(q, limit)
    if limit not in (None, "") and (not limit.isascii() or not limit.isdigit()):
        raise QueryError(_("limit must be between 1 and %(max)d.") % {"max": suggestions.MAX_LIMIT},
                         code="invalid_limit")
    found = suggestions.suggest(request.auth, q, limit=int(limit) if limit else None)
    return {"items": [{"type": s.type, "id": str(s.id), "label": s.label, "url": s.url} for s in found]}

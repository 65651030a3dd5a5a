"""The /search page: the same engine as the API, rendered without JavaScript."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from . import engine
from .query import TYPES, QueryError

PARAMS = ("q", "type", "community", "author", "topic", "before", "after", "sort")
TYPE_LABELS = {"post": _("Post"), "question": _("Question"), "comment": _("Comment"), "answer": _("Answer"),
               "person": _("Person"), "community": _("Community"), "topic": _("Topic")}


def _link(params: dict, **changes) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v}
    return "?" + urlencode(merged)


@login_required
@require_GET
def results(request):
    params = {k: request.GET.get(k, "").replace("\x00", "")[:600] for k in PARAMS}
    context = {"params": params, "q": params["q"], "page": None, "error": None}
    if any(params[k] for k in PARAMS if k != "sort"):
        try:
            page = engine.search(request.user, params["q"], type=params["type"] or None,
                                 community=params["community"] or None, author=params["author"] or None,
                                 topic=params["topic"] or None, before=params["before"] or None,
                                 after=params["after"] or None, sort=params["sort"] or "relevance",
                                 cursor=request.GET.get("cursor") or None)
        except QueryError as exc:
            context["error"] = exc.message
        else:
            from essaim.communities.models import Community

            names = dict(Community.objects.filter(id__in=list(page.facets["community"])).values_list("id", "name"))
            context.update({
                "page": page,
                "type_facets": [(TYPE_LABELS.get(t, t), n, _link(params, type=t), params["type"] == t)
                                for t in TYPES if (n := page.facets["type"].get(t))],
                "community_facets": [(names.get(c, "?"), n, _link(params, community=str(c)),
                                      params["community"] == str(c))
                                     for c, n in sorted(page.facets["community"].items(), key=lambda x: -x[1])][:20],
                "all_types_link": _link(params, type=""),
                "all_communities_link": _link(params, community=""),
                "by_date_link": _link(params, sort="date"),
                "by_relevance_link": _link(params, sort=""),
                "next_link": _link(params, cursor=page.next_cursor) if page.next_cursor else None,
            })
    return render(request, "search/results.html", context)

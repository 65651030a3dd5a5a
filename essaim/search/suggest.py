"""Suggestions while a search is typed (the header search box): people, communities, topics and
questions whose name or title starts like the text, that the viewer may see.

    suggest(viewer, q, limit=8) -> [Suggestion(type, id, label, url), ...]

Grouped by type in that order, a fair share of `limit` each (slots one type does not fill go to the
others). The same predicates as every page: people through users_visible_to, communities through
Community.objects.visible_to, topics only when a post visible to the viewer uses them, questions
through the search index and engine.visibility_filter. At most four queries, whatever the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from essaim.accounts.access import is_member_of_network
from essaim.core.text import fold

from . import engine
from .query import MAX_CLAUSES, MAX_QUERY, STOP_WORDS, Query, QueryError, Term
from .text import WORD_RE, words

DEFAULT_LIMIT = 8
MAX_LIMIT = 20
MAX_PREFIX = 100  # characters of the text used for matching names
TYPES = ("person", "community", "topic", "question")


@dataclass(frozen=True)
class Suggestion:
    type: str
    id: int
    label: str
    url: str


def check_limit(limit) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise QueryError(_("limit must be between 1 and %(max)d.") % {"max": MAX_LIMIT}, code="invalid_limit")
    return limit


def suggest(viewer, q: str | None, *, limit: int | None = DEFAULT_LIMIT) -> list[Suggestion]:
    limit = check_limit(limit)
    q = q or ""
    if len(q) > MAX_QUERY:
        raise QueryError(_("The query is too long (at most %(max)d characters).") % {"max": MAX_QUERY},
                         code="query_too_long")
    text = " ".join(q[:MAX_PREFIX].split())
    if not text or not is_member_of_network(viewer):
        return []
    groups = [_people(viewer, text, limit), _communities(viewer, text, limit), _topics(viewer, text, limit),
              _questions(viewer, q[:MAX_PREFIX], limit)]
    return [s for group in _fair_share(groups, limit) for s in group]


def _fair_share(groups: list[list], limit: int) -> list[list]:
    """Take one of each group in turn until `limit` are taken or the groups are exhausted."""
    taken = [0] * len(groups)
    total = 0
    while total < limit:
        before = total
        for i, group in enumerate(groups):
            if total < limit and taken[i] < len(group):
                taken[i] += 1
                total += 1
        if total == before:
            break
    return [group[:n] for group, n in zip(groups, taken)]


def _name_filter(handle_field: str, raw: str, folded: str) -> Q:
    """Handle or slug starting with the text, or any word of the folded name starting with it."""
    return (Q(**{f"{handle_field}__istartswith": raw}) | Q(sort_name__startswith=folded)
            | Q(sort_name__contains=" " + folded))


def _people(viewer, text: str, limit: int) -> list[Suggestion]:
    from essaim.accounts.models import User

    raw = text.lstrip("@")
    folded = fold(raw)
    if not raw or not folded:
        return []
    rows = (User.objects.visible_to(viewer).filter(_name_filter("handle", raw, folded))
            .order_by("sort_name", "id").values_list("id", "display_name")[:limit])
    return [Suggestion("person", pk, name, f"/people/{pk}/") for pk, name in rows]


def _communities(viewer, text: str, limit: int) -> list[Suggestion]:
    from essaim.communities.models import Community

    folded = fold(text)
    if not folded:
        return []
    rows = (Community.objects.visible_to(viewer).filter(_name_filter("slug", text, folded))
            .order_by("sort_name", "id").values_list("id", "name")[:limit])
    return [Suggestion("community", pk, name, f"/communities/{pk}/") for pk, name in rows]


def _topics(viewer, text: str, limit: int) -> list[Suggestion]:
    from essaim.core.text import normalize_topic
    from essaim.stream.models import Post, PostTopic, Topic

    name = normalize_topic(text)
    if not name or " " in name:
        return []
    used = PostTopic.objects.filter(topic_id=OuterRef("id"), post_id__in=Post.objects.visible_to(viewer).values("id"))
    rows = (Topic.objects.filter(network_id=viewer.network_id, name__startswith=name).filter(Exists(used))
            .order_by("name", "id").values_list("id", "name")[:limit])
    return [Suggestion("topic", pk, f"#{n}", f"/topics/{quote(n)}/") for pk, n in rows]


def prefix_query(text: str) -> Query:
    """Every word of the text, the last one as a prefix while it is being typed ("budget fin")."""
    found = words(text)
    if not found:
        return Query()
    typing = not text[-1:].isspace()
    terms = [Term("word", (w,)) for w in found[:-1]]
    last = found[-1]
    if typing and len(last) >= 2:
        terms.append(Term("prefix", (last,)))
    elif not typing:
        terms.append(Term("word", (last,)))
    kept = [t for t in terms if t.kind == "prefix" or t.words[0] not in STOP_WORDS]
    return Query(clauses=[[t] for t in (kept or terms)][:MAX_CLAUSES])


def _questions(viewer, text: str, limit: int) -> list[Suggestion]:
    query = prefix_query(text)
    if not query.has_text:
        return []
    query.types = ["question"]
    qs = engine._matching(viewer, query, {"type": Q(type="question")}, strict=True)
    rows = list(engine._scored(viewer, qs, query).order_by("-score", "-id")
                .values_list("object_id", "title")[:limit * 3])
    # Titles that hold every word first (the others matched through their text), then by score.
    matchers = [engine._Matcher(clause) for clause in query.clauses]

    def in_title(title: str) -> bool:
        tokens = WORD_RE.findall(title or "")
        return all(any(m.matches(t) for t in tokens) for m in matchers)

    rows.sort(key=lambda row: not in_title(row[1]))
    return [Suggestion("question", pk, title, f"/questions/{pk}/") for pk, title in rows[:limit]]

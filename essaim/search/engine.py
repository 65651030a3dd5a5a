"""Permission-aware full-text search over everything searchable.

    search(viewer, q, ...) -> SearchPage      results, next_cursor, facets
    similar_questions(viewer, text)           questions like this one (for "ask a question")

What a viewer may find is decided *inside* the SQL query, with the same predicates as every page
(stream.access, communities.access, accounts.access): posts, questions, comments and answers only
when their post is in Post.objects.visible_to(viewer) (and the comment or answer is not deleted),
communities only in Community.objects.visible_to(viewer), people only in users_visible_to(viewer),
topics only when at least one post visible to the viewer uses them. So nothing invisible is
returned, counted in a facet or quoted in a snippet, and a page of 20 holds 20 visible results.
Membership changes apply at once (nothing about viewers is stored in the index).

Ranking (sort=relevance):

    score = text × recency × engagement × closeness
      text       = BM25F over the title and the body (ranking.py: K1 1.2, B 0.75, a title word
                   counts 3 body words; idf from the whole index), computed in Python
      recency    = 0.3 + 0.7 / (1 + age_in_days / 60)
      engagement = 1 + 0.4 × ln(1 + reactions + comments + answers + max(votes, 0) + accepted)
      closeness  = 1 + 0.25 × [in one of the viewer's communities] + 0.25 × [by someone the viewer follows]

Candidates (_plan): the CANDIDATES (400) best matches by the database's own relevance (FTS5 bm25
inside FTS5 on SQLite, ts_rank_cd on PostgreSQL), found without the permission check, then
checked, scored and ordered; when too few of them are visible, every visible match is ordered by
the database and the best RERANK_WINDOW (200) scored. Short queries (at most TIERED_CLAUSES, 3,
clauses) take their candidates among entries with every clause first, and those come first in
the results, then the best partial matches. Long queries (a pasted title, a natural-language
question) are ordered by score alone, their candidates found through their rarer clauses (held
by at most DENSE_MATCHES entries). Words held by more than DENSE_MATCHES (5,000) entries, every
clause of a short query or every clause of a long one, are searched among the latest DENSE_IDS
(1,000) matches only (the index reads its lists by id: free whatever the size). The weights were
chosen with `essaim search eval` (essaim/search/evaluate.py) on StackExchange duplicate and
related links. With no words (only filters), text = 1. sort=date: only documents with every
clause, newest first. The cursor is an offset into that order (results may shift if the index
changes between pages; acceptable for search). Facet counts stop at FACET_LIMIT (1,000) entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from html import escape

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from essaim.accounts.access import is_member_of_network, users_visible_to
from essaim.stream.access import readable_post_q
from essaim.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from essaim.core.text import first_line

from . import query as query_lang
from . import ranking
from .backends import backend
from .models import SearchEntry
from .query import Query, QueryError, Term
from .text import WORD_RE, prefix_forms, word_stems
from essaim.core.text import fold

SORTS = ("relevance", "date")
SNIPPET_LENGTH = 240
TIERED_CLAUSES = 3  # queries of at most this many clauses rank complete matches first
RECENCY_FLOOR = 0.3  # what a very old document keeps of its score
RECENCY_DAYS = 60.0  # the age at which a document has lost half of what it can lose
ENGAGEMENT_WEIGHT = 0.4
CLOSENESS = 0.25  # bonus for the viewer's communities, and again for people the viewer follows


@dataclass
class SearchResult:
    type: str
    id: int
    post_id: int | None
    source_id: str
    title: str
    snippet: SafeString
    author: object | None
    community: object | None
    date: datetime
    score: float
    url: str


@dataclass
class SearchPage:
    results: list[SearchResult]
    next_cursor: str | None
    facets: dict = field(default_factory=lambda: {"type": {}, "community": {}})
    query: Query | None = None
    facets_exact: bool = True  # False when more than FACET_LIMIT entries matched


# ------------------------------------------------------------------ permission filter


def visibility_filter(viewer) -> Q:
    """Entries the viewer may open, as one Q made of subqueries (no round trip)."""
    from essaim.communities.models import Community
    from essaim.stream.models import Comment, Post, PostTopic
    from essaim.accounts.models import User

    # Posts through a join on the entry's post (readable_post_q, the same definition as every
    # post list): the database looks each one up by key, or hashes them when there are many.
    # People and topics: correlated, checked for each matching entry only, never materialised
    # over every person or post of the network.
    visible_post = readable_post_q(viewer, prefix="post__")
    deleted_comment = Exists(Comment.objects.filter(id=OuterRef("object_id"), deleted_at__isnull=False))
    topic_used = Exists(PostTopic.objects.filter(topic_id=OuterRef("object_id")).filter(
        Exists(Post.objects.visible_to(viewer).filter(id=OuterRef("post_id")))))
    q = (Q(type__in=("post", "question")) & visible_post
         | Q(type="comment") & visible_post & ~deleted_comment
         | Q(type="community", object_id__in=Community.objects.visible_to(viewer).values("id"))
         | Q(type="person") & Exists(users_visible_to(User.objects.filter(id=OuterRef("object_id")), viewer))
         | Q(type="topic") & topic_used)
    try:
        from essaim.questions.models import Answer
    except ImportError:  # pragma: no cover
        return q
    deleted_answer = Exists(Answer.objects.filter(id=OuterRef("object_id"), deleted_at__isnull=False))
    return q | Q(type="answer") & visible_post & ~deleted_answer


# ------------------------------------------------------------------ input


def _limit(limit) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise QueryError(_("limit must be between 1 and %(max)d.") % {"max": MAX_LIMIT}, code="invalid_limit")
    return limit


def _offset(cursor) -> int:
    if not cursor:
        return 0
    try:
        kind, offset = decode_cursor(cursor, 2)
    except Exception:
        raise QueryError(_("The cursor is not valid."), code="invalid_cursor") from None
    if kind != "o" or not isinstance(offset, int) or not 0 <= offset <= 10_000:
        raise QueryError(_("The cursor is not valid."), code="invalid_cursor")
    return offset


def _as_date(value, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return query_lang.parse_date(str(value), name)


def _is_id(value) -> bool:
    """An id given as a number (ASCII digits only: "²" or "٣" are names, not ids)."""
    return (isinstance(value, int) and not isinstance(value, bool)) or (str(value).isascii()
                                                                       and str(value).isdigit())


def _as_id(value) -> int:
    """The id, or 0 (no object) when it does not fit a database integer."""
    n = int(value)
    return n if 0 < n < 2**63 else 0


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=dt_timezone.utc)


# ------------------------------------------------------------------ the query


def _filters(viewer, query: Query, *, community_ids=(), author_ids=()) -> dict[str, Q]:
    from essaim.accounts.models import User
    from essaim.communities.models import Community
    from essaim.stream.models import PostTopic

    filters: dict[str, Q] = {}
    if query.types:
        filters["type"] = Q(type__in=sorted(set(query.types)))
    community = Q()
    if query.communities:
        community |= Q(community_id__in=Community.objects.filter(network_id=viewer.network_id,
                                                                  slug__in=query.communities).values("id"))
    if community_ids:
        community |= Q(community_id__in=list(community_ids))
    if community:
        filters["community"] = community
    author = Q()
    if query.authors:
        author |= Q(author_id__in=User.objects.filter(network_id=viewer.network_id,
                                                      handle__in=query.authors).values("id"))
    if author_ids:
        author |= Q(author_id__in=list(author_ids))
    if author:
        filters["author"] = Q(type__in=("post", "question", "comment", "answer")) & author
    if query.topics:
        filters["topic"] = Q(post_id__in=PostTopic.objects.filter(topic__network_id=viewer.network_id,
                                                                  topic__name__in=query.topics).values("post_id"))
    if query.before:
        filters["before"] = Q(created_at__lt=_start_of(query.before))
    if query.after:  # after the last day there is: nothing (and no date overflow)
        filters["after"] = (Q(created_at__gte=_start_of(query.after + timedelta(days=1)))
                            if query.after < date.max else Q(pk__in=[]))
    return filters


def _matching(viewer, query: Query, filters: dict[str, Q], *, strict: bool, without: str | None = None,
              mode: str = "join", clauses: list | None = None, visible: Q | None = None, ids: list | None = None):
    """Visible entries matching the text (any clause, or every clause when strict) and the filters.

    mode "join": driven by the full-text index, joined for its relevance function (few matches);
    "set": driven by the full-text index, no relevance (facet counts over few matches);
    "ids": among `ids` (the latest entries matching words so common that most entries hold them).
    `clauses` replaces the query's clauses for the text condition (the rare ones, for instance)."""
    b = backend()
    clauses = query.clauses if clauses is None else clauses
    fts_first = query.has_text and mode != "ids" and connection.vendor == "sqlite"
    if fts_first:
        # The text decides where to start: "+" keeps SQLite from walking the (network, date) or
        # (type, ...) indexes and testing every entry against the words (a full scan for rare ones).
        qs = SearchEntry.objects.extra(where=['+"search_searchentry"."network_id" = %s'], params=[viewer.network_id])
    else:
        qs = SearchEntry.objects.filter(network_id=viewer.network_id)
    qs = qs.filter(visible if visible is not None else visibility_filter(viewer))
    for name, q in filters.items():
        if name == without:
            continue
        if name == "type" and fts_first and query.types:
            types = sorted(set(query.types))
            qs = qs.extra(where=[f'+"search_searchentry"."type" IN ({", ".join(["%s"] * len(types))})'], params=types)
        else:
            qs = qs.filter(q)
    if mode == "ids":
        qs = qs.filter(id__in=ids)
    elif query.has_text:
        expression = b.all_of(clauses) if strict else b.any_of(clauses)
        if mode == "join":
            extra = b.match_extra(expression)
            qs = qs.extra(tables=extra["tables"], where=extra["where"], params=extra["params"])
        else:  # a subquery, which SQLite runs once
            sql, params = b.matches(expression)
            qs = qs.extra(where=[sql], params=params)
    if query.excluded:
        sql, params = b.matches(b.any_of([[t] for t in query.excluded]))
        qs = qs.extra(where=[f"NOT {sql}"], params=params)
    return qs


def _subquery(qs) -> tuple[str, list]:
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


def _scored(viewer, qs, query: Query):
    b = backend()
    if query.has_text:
        any_expr = b.any_of(query.clauses)
        rel_sql, rel_params = b.relevance(any_expr)
        parts = [b.matches(b.all_of([clause])) for clause in query.clauses]
        cov_sql = "(" + " + ".join(f"(CASE WHEN {p[0]} THEN 1 ELSE 0 END)" for p in parts) + ")"
        cov_params = [x for p in parts for x in p[1]]
        n = len(query.clauses)
        # r / (n + r): a long query sums more matched terms, so its saturation point grows with it.
        score_text = f"(({rel_sql}) / ({float(n)} + ({rel_sql})))"
        score_params = rel_params + rel_params
        if n > TIERED_CLAUSES:  # a long natural-language query: coverage is a soft factor only
            complete_sql, complete_params = "1", []
        else:
            complete_sql, complete_params = f"CASE WHEN {cov_sql} = {n} THEN 1 ELSE 0 END", cov_params
    else:
        score_text, score_params = "1.0", []
        complete_sql, complete_params = "1", []
    prior_sql, prior_params = _prior(viewer)
    return qs.extra(select={"score": f"{score_text} * {prior_sql}", "prior": prior_sql, "complete": complete_sql},
                    select_params=score_params + prior_params + prior_params + complete_params)


def _prior(viewer) -> tuple[str, list]:
    """recency × engagement × closeness, as SQL."""
    from essaim.accounts.models import Follow
    from essaim.communities.models import Membership

    b = backend()
    member_sql, member_params = _subquery(Membership.objects.filter(user_id=viewer.id).values("community_id"))
    follow_sql, follow_params = _subquery(Follow.objects.filter(follower_id=viewer.id).values("followee_id"))
    entry = '"search_searchentry"'
    sql = (f"({RECENCY_FLOOR} + {1 - RECENCY_FLOOR} / (1.0 + {b.age_days()} / {RECENCY_DAYS}))"
           f" * (1.0 + {ENGAGEMENT_WEIGHT} * ln(1.0 + {entry}.\"engagement\"))"
           f" * (1.0 + {CLOSENESS} * (CASE WHEN {entry}.\"community_id\" IN ({member_sql}) THEN 1 ELSE 0 END)"
           f" + {CLOSENESS} * (CASE WHEN {entry}.\"author_id\" IN ({follow_sql}) THEN 1 ELSE 0 END))")
    return sql, member_params + follow_params


def search(viewer, q: str | None, *, type=None, community=None, author=None, topic=None, before=None, after=None,
           sort: str = "relevance", cursor: str | None = None, limit: int | None = DEFAULT_LIMIT) -> SearchPage:
    if sort not in SORTS:
        raise QueryError(_("sort must be relevance or date."), code="invalid_sort")
    limit = _limit(limit)
    offset = _offset(cursor)
    query = query_lang.parse(q or "")
    for t in ([type] if isinstance(type, str) else list(type or ())):
        if t:
            query.types.append(query_lang.check_type(t))
    community_ids, author_ids = [], []
    if community not in (None, ""):
        if _is_id(community):
            community_ids.append(_as_id(community))
        else:
            query.communities.append(str(community).lower()[:40])
    if author not in (None, ""):
        if _is_id(author):
            author_ids.append(_as_id(author))
        else:
            query.authors.append(str(author).lstrip("@").lower()[:40])
    if topic:
        query.topics.append(str(topic).lstrip("#").lower()[:50])
    query.before = _as_date(before, "before") or query.before
    query.after = _as_date(after, "after") or query.after
    if not is_member_of_network(viewer):
        return SearchPage(results=[], next_cursor=None, query=query)
    return _run(viewer, query, sort=sort, offset=offset, limit=limit,
                filters=_filters(viewer, query, community_ids=community_ids, author_ids=author_ids))


def _run(viewer, query: Query, *, sort: str, offset: int, limit: int, filters: dict[str, Q],
         facets: bool = True) -> SearchPage:
    strict = sort == "date"
    pool = None  # every visible match among the latest, when the plan is dense
    visible = visibility_filter(viewer)
    scorer = ranking.Scorer(query, ranking.stats_for(viewer.network_id, query)) if query.has_text else None
    plan = _plan(scorer, query, strict=strict)
    if plan.dense:  # the latest entries holding the words (every clause for short queries)
        b = backend()
        every = strict or len(query.clauses) <= TIERED_CLAUSES
        expression = b.all_of(query.clauses) if every else b.any_of(query.clauses)
        plan.ids = b.newest_ids(expression, DENSE_IDS, viewer.network_id, _share(scorer, query, every=every))
    if sort == "date":
        qs = _matching(viewer, query, filters, strict=True, mode="ids" if plan.dense else "join", visible=visible,
                       ids=plan.ids)
        rows = list(qs.order_by("-created_at", "-id").extra(select={"score": "0.0"})[offset:offset + limit + 1])
    elif plan.dense:
        pool = _pool_ranked(viewer, query, filters, scorer, plan.ids, visible)
        rows = pool[offset:offset + limit + 1]
    elif query.has_text and offset + limit < RERANK_WINDOW:
        # The best matches by the index's own relevance (each clause's best for short queries, so
        # that entries with every word are among them), then BM25F × priors over those only.
        b = backend()
        clauses = plan.candidates or query.clauses
        types = sorted(set(query.types)) or None
        if 1 < len(query.clauses) <= TIERED_CLAUSES:  # entries with every word, then the rarer words'
            ids = b.best_ids(b.all_of(query.clauses), CANDIDATES, viewer.network_id, types)
            if len(ids) < CANDIDATES:
                ids += b.best_ids(b.any_of(_rarest(query, scorer)), CANDIDATES, viewer.network_id, types)
        else:
            ids = b.best_ids(b.any_of(clauses), CANDIDATES, viewer.network_id, types)
        rows = _pool_ranked(viewer, query, filters, scorer, ids, visible)
        if len(rows) <= offset + limit and len(set(ids)) >= CANDIDATES:  # too few visible: rank them all
            rows = _full_ranked(viewer, query, filters, plan, visible, scorer)
        rows = rows[offset:offset + limit + 1]
    else:
        qs = _matching(viewer, query, filters, strict=False, clauses=plan.candidates, visible=visible)
        qs = _scored(viewer, qs, query).order_by("-complete", "-score", "-id")
        rows = list(qs[offset:offset + limit + 1])
    next_cursor = encode_cursor(["o", offset + limit]) if len(rows) > limit else None
    rows = rows[:limit]
    page = SearchPage(results=_results(rows, query), next_cursor=next_cursor, query=query)
    if facets:
        page.facets, page.facets_exact = _facets(viewer, query, filters, strict=strict, plan=plan, visible=visible,
                                                 pool=pool)
    return page


RERANK_WINDOW = 200
DENSE_MATCHES = 5_000  # more entries than this hold the words: only the latest matches count
DENSE_IDS = 1_000  # how many of the latest matching entries are considered then
SHARE_KNOWN = 0.05  # words in more entries than this: their latest are found by walking back through the latest entries
CANDIDATES = 400  # entries ranked by BM25F: the best by the index's own relevance
FACET_LIMIT = 1_000  # facet counts stop after this many matching entries


@dataclass
class _Plan:
    dense: bool = False
    candidates: list | None = None  # the clauses that find the candidates (None: all of them)
    ids: list | None = None  # dense: the latest matching entries


def _plan(scorer, query: Query, *, strict: bool) -> _Plan:
    """How to find the candidates, from how many entries hold each clause (the index's counts)."""
    if scorer is None:
        return _Plan()
    dfs = [scorer.clause_df(c) for c in query.clauses]
    if strict or len(query.clauses) <= TIERED_CLAUSES:  # every clause wanted (first): the rarest decides
        return _Plan(dense=min(dfs) > DENSE_MATCHES)
    if min(dfs) > DENSE_MATCHES:  # a long query of common words only
        return _Plan(dense=True)
    # A long query: the candidates are the entries holding its rarest words; an entry with only
    # its common words would rank below them anyway.
    rare = _rarest(query, scorer)
    return _Plan(candidates=rare if len(rare) < len(query.clauses) else None)


def _share(scorer, query: Query, *, every: bool) -> float | None:
    """About which share of the entries hold every clause (at most the rarest's) or any clause (at
    least the commonest's), for finding the latest of them. None when it is not worth knowing
    (above SHARE_KNOWN, walking back through the latest entries finds them at once) or unknown
    (a count stopped at DF_CAP)."""
    dfs = [scorer.clause_df(c) for c in query.clauses]
    df = (min(dfs) if every else max(dfs)) if dfs else ranking.DF_CAP
    share = df / scorer.stats.n
    return None if df == ranking.DF_CAP or share >= SHARE_KNOWN else share


def _rarest(query: Query, scorer) -> list:
    """The query's rarest clauses, held by at most DENSE_MATCHES entries in all (at least one)."""
    rare, budget = [], DENSE_MATCHES
    for df, i in sorted((scorer.clause_df(c), i) for i, c in enumerate(query.clauses)):
        if df > budget and rare:
            break
        rare.append(query.clauses[i])
        budget -= df
    return rare


def _full_ranked(viewer, query: Query, filters, plan: _Plan, visible: Q, scorer) -> list:
    """Every visible match ordered by the database, the best RERANK_WINDOW ranked again."""
    qs = _matching(viewer, query, filters, strict=False, clauses=plan.candidates, visible=visible)
    qs = _scored(viewer, qs, query).order_by("-complete", "-score", "-id")
    return _ranked(list(qs[:RERANK_WINDOW]), query, scorer)


def _pool_ranked(viewer, query: Query, filters, scorer, ids: list, visible: Q) -> list:
    """The entries `ids` the viewer may see (and the filters keep), ranked."""
    prior_sql, prior_params = _prior(viewer)
    qs = (_matching(viewer, query, filters, strict=False, mode="ids", visible=visible, ids=sorted(set(ids)))
          .extra(select={"prior": prior_sql}, select_params=prior_params))
    return _ranked(list(qs), query, scorer)


def _ranked(rows: list, query: Query, scorer) -> list:
    """BM25F (ranking.py) times the priors (recency, engagement, closeness) computed by the
    database; for short queries, the entries with every clause first."""
    n = len(query.clauses)
    scorer.compare_titles_among(rows)
    for r in rows:
        text, matched = scorer.score(r.title_terms, r.terms)
        r.complete = 1 if n > TIERED_CLAUSES or matched == n else 0
        r.score = text * float(r.prior or 1.0)
    return sorted(rows, key=lambda r: (-r.complete, -r.score, -r.id))


def _facets(viewer, query: Query, filters, *, strict: bool, plan: _Plan, visible: Q,
            pool: list | None = None) -> tuple[dict, bool]:
    """Visible matches by type (without the type filter) and by community (without the community
    filter), counted over at most FACET_LIMIT entries: ({"type": ..., "community": ...}, exact).
    `pool`: the visible matches among the latest (a dense plan, ranked already), which are those
    entries when neither filter is set."""
    mode = "ids" if plan.dense else "join"
    exact = not plan.dense

    def rows(without: str | None):
        nonlocal exact
        got = list(_matching(viewer, query, filters, strict=strict, without=without, mode=mode, visible=visible,
                             ids=plan.ids, clauses=plan.candidates).order_by().values_list("type", "community_id")[:FACET_LIMIT + 1])
        if len(got) > FACET_LIMIT:
            exact = False
            got = got[:FACET_LIMIT]
        return got

    def tally(values) -> dict:
        out: dict = {}
        for v in values:
            if v is not None:
                out[v] = out.get(v, 0) + 1
        return out

    if "type" not in filters and "community" not in filters:  # one query serves both
        both = [(r.type, r.community_id) for r in pool[:FACET_LIMIT]] if pool is not None else rows(None)
        return {"type": tally(t for t, _c in both), "community": tally(c for _t, c in both)}, exact
    by_type, by_community = rows("type"), rows("community")
    return {"type": tally(t for t, _c in by_type), "community": tally(c for _t, c in by_community)}, exact


CONTENT_TYPES = ("post", "question", "comment", "answer")


def best_documents(viewer, query: Query, *, types=CONTENT_TYPES, community_ids=(), limit: int = CANDIDATES,
                   stats=None) -> list:
    """The contributions (posts, questions, comments, answers) the viewer may open that match
    `query` best, as index entries with `text_score` (BM25F) and `matched` (clauses found), best
    first: at most `limit`, found like a search's candidates (the index's own relevance, the
    rarest clauses of a long query; the latest matches for very common words) then checked by
    the same visibility filter as every search. When too few of the best are visible (most of
    them in places the viewer cannot open) or `community_ids` restricts the places, every visible
    match is ordered by the database instead. `stats`: the index statistics of the query's words,
    when the caller has them already. For expert finding (experts/ranking.py)."""
    if not is_member_of_network(viewer) or not query.has_text:
        return []
    types = sorted(set(types))
    scorer = ranking.Scorer(query, stats or ranking.stats_for(viewer.network_id, query))
    b = backend()
    visible = visibility_filter(viewer)
    # No type filter in SQL: an index on the type would drive the query over every entry of these
    # types; the candidates are found by type already, and checked again below.
    filters = {"community": Q(community_id__in=list(community_ids))} if community_ids else {}
    fields = ("id", "type", "object_id", "post_id", "community_id", "author_id", "title", "title_terms", "terms",
              "created_at", "engagement")
    rows: list = []
    if min(scorer.clause_df(c) for c in query.clauses) > DENSE_MATCHES:  # only very common words: the latest
        ids = b.newest_ids(b.any_of(query.clauses), limit, viewer.network_id, _share(scorer, query, every=False))
        rows = list(_matching(viewer, query, filters, strict=False, mode="ids", ids=sorted(set(ids)),
                              visible=visible).only(*fields))
    else:
        clauses = _rarest(query, scorer)  # an entry with only the common words would rank below
        ids = [] if community_ids else b.best_ids(b.any_of(clauses), limit, viewer.network_id, types)
        if ids:
            rows = list(_matching(viewer, query, filters, strict=False, mode="ids", ids=sorted(set(ids)),
                                  visible=visible).only(*fields))
        if community_ids or (len(rows) < limit // 2 and len(set(ids)) >= limit):
            rel_sql, rel_params = b.relevance(b.any_of(clauses))
            qs = (_matching(viewer, query, filters, strict=False, clauses=clauses, visible=visible).only(*fields)
                  .extra(select={"rel": rel_sql}, select_params=rel_params).order_by("-rel", "-id"))
            rows = list(qs[:limit * 2])
    rows = [r for r in rows if r.type in types]
    scorer.compare_titles_among(rows)
    for r in rows:
        r.text_score, r.matched = scorer.score(r.title_terms, r.terms)
    rows.sort(key=lambda r: (-r.text_score, -r.id))
    return rows[:limit]


def similar_questions(viewer, text: str, limit: int = 5) -> list[SearchResult]:
    """Questions the viewer may read that look like `text` (a title being typed, a question body)."""
    if not is_member_of_network(viewer):
        return []
    query = query_lang.plain_words(text or "")
    if not query.has_text:
        return []
    query.types = ["question"]
    return _run(viewer, query, sort="relevance", offset=0, limit=max(1, min(int(limit), 20)),
                filters=_filters(viewer, query), facets=False).results


# ------------------------------------------------------------------ results


def _results(rows: list[SearchEntry], query: Query) -> list[SearchResult]:
    from essaim.accounts.models import User
    from essaim.communities.models import Community

    user_ids = {r.author_id for r in rows if r.author_id}
    community_ids = {r.community_id for r in rows if r.community_id}
    users = User.objects.in_bulk(list(user_ids)) if user_ids else {}
    communities = Community.objects.in_bulk(list(community_ids)) if community_ids else {}
    matcher = _Matcher(query.highlight_terms())
    out = []
    for r in rows:
        content = r.type in ("post", "question", "comment", "answer")
        title = r.title or first_line(r.text, 120) or ""
        if r.type == "comment" and r.title:
            title = r.title
        out.append(SearchResult(
            type=r.type, id=r.object_id, post_id=r.post_id, source_id=r.source_id, title=title,
            snippet=matcher.snippet(r.text or r.title), author=users.get(r.author_id) if content else None,
            community=communities.get(r.community_id) if r.type != "person" else None, date=r.created_at,
            score=float(getattr(r, "score", 0.0) or 0.0), url=_url(r)))
    return out


def _url(r: SearchEntry) -> str:
    from urllib.parse import quote

    if r.type in ("post", "question"):
        return f"/posts/{r.object_id}/"
    if r.type == "comment":
        return f"/posts/{r.post_id}/#comment-{r.object_id}"
    if r.type == "answer":
        return f"/posts/{r.post_id}/#answer-{r.object_id}"
    if r.type == "person":
        return f"/people/{r.object_id}/"
    if r.type == "community":
        return f"/communities/{r.object_id}/"
    return f"/topics/{quote(r.title)}/"


class _Matcher:
    """Which words of a stored text match the query: the same folding and stemming as the index."""

    def __init__(self, terms: list[Term]):
        self.stems: set[str] = set()
        self.prefixes: set[str] = set()
        for term in terms:
            if term.kind == "prefix":
                self.prefixes.update(prefix_forms(term.words[0]))
            else:
                for w in term.words:
                    self.stems.update(word_stems(w))

    def matches(self, token: str) -> bool:
        folded = fold(token)
        if not folded:
            return False
        if self.stems & word_stems(folded):
            return True
        return any(folded.startswith(p) or s.startswith(p) for p in self.prefixes for s in word_stems(folded))

    def snippet(self, text: str, length: int = SNIPPET_LENGTH) -> SafeString:
        """HTML-escaped text around the first match, matched words in <mark>."""
        text = " ".join((text or "").split())
        tokens = list(WORD_RE.finditer(text))
        first = next((m for m in tokens if self.matches(m.group())), None)
        start = 0
        if first is not None and first.start() > length // 3:
            start = text.rfind(" ", 0, first.start() - length // 4) + 1
        end = min(len(text), start + length)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
        out, pos = [], start
        for m in tokens:
            if m.start() < start or m.end() > end:
                continue
            if self.matches(m.group()):
                out.append(escape(text[pos:m.start()]))
                out.append(f"<mark>{escape(m.group())}</mark>")
                pos = m.end()
        out.append(escape(text[pos:end]))
        return mark_safe(("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else ""))

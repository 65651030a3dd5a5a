"""Query plans of the search: a newest-first search must be driven by the full-text index (the
matching entries, then sorted), never by walking the entries backwards by key and testing each
one against the text, which reads the whole index when the words are rare."""

from django.db import connection

from essaim.search import engine
from essaim.search.query import parse
from essaim.stream import actions as stream


def plan(viewer, q: str, sort: str) -> str:
    query = parse(q)
    filters = engine._filters(viewer, query)
    qs = engine._matching(viewer, query, filters, strict=sort == "date")
    if sort == "date":
        qs = qs.order_by("-created_at", "-id")
    else:
        qs = engine._scored(viewer, qs, query).order_by("-complete", "-score", "-id")
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SET LOCAL enable_seqscan = off")  # as on a large table
            sql, params = qs[:20].query.sql_with_params()
            c.execute("EXPLAIN " + sql, params)
            return "\n".join(r[0] for r in c.fetchall())
    return qs[:20].explain()


def test_newest_first_is_driven_by_the_text_index(world, post_in, indexed):
    for i in range(30):
        stream.do_create_post(world.member, f"note numéro {i} sur la livraison", community=world.open)
    indexed()
    for sort in ("date", "relevance"):
        text = plan(world.member, "livraison", sort)
        if connection.vendor == "postgresql":
            entries = [line for line in text.splitlines() if " on search_searchentry" in line]
            assert entries, text
            assert not any("search_searchentry_pkey" in line and "Backward" in line for line in entries), text
        else:
            assert "VIRTUAL TABLE INDEX" in text, text
            first = next(line for line in text.splitlines() if "search_searchentry" in line or "search_fts" in line)
            assert "search_fts" in first, text  # the full-text index comes first
            assert "USING INTEGER PRIMARY KEY" not in first, text

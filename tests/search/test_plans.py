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


def test_the_latest_matches_found_in_a_window_of_the_latest_entries_are_the_latest_matches(world, indexed):
    """PostgreSQL looks for the latest matches among the latest entries first (the size of the
    window from how common the words are), then everywhere when the window holds too few: the
    answer is the same either way, and the same as SQLite's."""
    from django.test.utils import CaptureQueriesContext

    from essaim.search.backends import backend
    from essaim.search.query import Term

    for i in range(40):
        stream.do_create_post(world.member, f"alpha report {i}" if i % 2 else f"other note {i}", community=world.open)
    indexed()
    b = backend()
    expression = b.any_of([[Term("word", ("alpha",))]])
    latest = b.newest_ids(expression, 10, world.network.id)  # no share given: every entry, newest first
    assert len(latest) == 10 and latest == sorted(latest, reverse=True)
    for share, bounded_only in ((0.5, True), (1.0, True), (20.0, False)):  # 40, 20, then a single entry
        with CaptureQueriesContext(connection) as ctx:
            assert b.newest_ids(expression, 10, world.network.id, share) == latest
        windows = [q["sql"] for q in ctx.captured_queries if "AND id >" in q["sql"]]
        if connection.vendor == "postgresql":
            assert len(windows) == 1  # the window first
            assert (len(ctx.captured_queries) == 2) == bounded_only  # (and the max id) ... then everywhere
        else:
            assert not windows

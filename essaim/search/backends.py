"""The full-text part of a search, per database vendor, behind one small interface.

Both backends match the same pre-normalised `title_terms` and `terms` (search/text.py), so they
find the same documents; only the relevance function differs (FTS5 bm25 with the title column
weighted TITLE_WEIGHT times the body on SQLite; ts_rank_cd normalised by document length, title
words weighted A, on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from essaim.core.dbrouter import reading_connection

from .models import SearchEntry
from .query import Term
from .text import phrase_forms, prefix_forms, word_stems

ENTRY = "search_searchentry"
TITLE_WEIGHT = 2.0  # a title word counts this many times a body word
WINDOW = 2.0  # PostgreSQL, the latest matches: look among the entries that should hold this many times as many


class Backend:
    OR = AND = ""  # the full-text query language's operators

    def _term(self, term: Term) -> str:
        raise NotImplementedError

    def clause(self, clause: list[Term]) -> str:
        return "(" + self.OR.join(self._term(t) for t in clause) + ")"

    def any_of(self, clauses: list[list[Term]]) -> str:
        return self.OR.join(self.clause(c) for c in clauses)

    def all_of(self, clauses: list[list[Term]]) -> str:
        return self.AND.join(self.clause(c) for c in clauses)


class SQLiteBackend(Backend):
    """FTS5 (table search_fts, external content on search_searchentry's title_terms and terms)."""

    OR, AND = " OR ", " AND "

    def _term(self, term: Term) -> str:
        if term.kind == "word":
            return "(" + " OR ".join(f'"{s}"' for s in sorted(word_stems(term.words[0]))) + ")"
        if term.kind == "prefix":
            return "(" + " OR ".join(f'"{p}"*' for p in sorted(prefix_forms(term.words[0]))) + ")"
        return "(" + " OR ".join('"' + " ".join(p) + '"' for p in phrase_forms(term.words)) + ")"

    def match_extra(self, expression: str) -> dict:
        """Arguments for QuerySet.extra(): join the FTS table and keep the rows matching."""
        return {"tables": ["search_fts"],
                "where": [f'"search_fts"."rowid" = "{ENTRY}"."id"', '"search_fts" MATCH %s'],
                "params": [expression]}

    def best_ids(self, expression: str, limit: int, network_id: int, types=None) -> list[int]:
        """The ids of the `limit` entries of the network (of these types) matching best by the
        index's own relevance (FTS5 bm25: a few microseconds per match). "+" keeps the index first."""
        types_sql = f" AND +e.type IN ({', '.join(['%s'] * len(types))})" if types else ""
        with connection.cursor() as c:
            c.execute(f"SELECT search_fts.rowid FROM search_fts JOIN {ENTRY} e ON e.id = search_fts.rowid "
                      f"WHERE search_fts MATCH %s AND +e.network_id = %s{types_sql} "
                      f"ORDER BY bm25(search_fts, {TITLE_WEIGHT}, 1.0) LIMIT {int(limit)}",
                      [expression, network_id, *(types or [])])
            return [r[0] for r in c.fetchall()]

    def newest_ids(self, expression: str, limit: int, network_id: int, share: float | None = None) -> list[int]:
        """The ids of the `limit` latest entries matching (FTS5 reads its lists in id order: this
        costs next to nothing however common the words). All networks: the caller filters."""
        with connection.cursor() as c:
            c.execute(f"SELECT rowid FROM search_fts WHERE search_fts MATCH %s ORDER BY rowid DESC LIMIT {int(limit)}",
                      [expression])
            return [r[0] for r in c.fetchall()]

    def relevance(self, expression: str) -> tuple[str, list]:
        return f"(-bm25(\"search_fts\", {TITLE_WEIGHT}, 1.0))", []

    def matches(self, expression: str) -> tuple[str, list]:
        """A SQL condition: does the entry match `expression`?"""
        return f'("{ENTRY}"."id" IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s))', [expression]

    def age_days(self) -> str:
        return f"MAX(julianday('now') - julianday(\"{ENTRY}\".\"created_at\"), 0)"


class PostgresBackend(Backend):
    """A generated tsvector column `fts` ('simple' configuration) with a GIN index."""

    OR, AND = " | ", " & "

    def _term(self, term: Term) -> str:
        if term.kind == "word":
            return "(" + " | ".join(f"'{s}'" for s in sorted(word_stems(term.words[0]))) + ")"
        if term.kind == "prefix":
            return "(" + " | ".join(f"'{p}':*" for p in sorted(prefix_forms(term.words[0]))) + ")"
        return "(" + " | ".join("(" + " <-> ".join(f"'{s}'" for s in p) + ")" for p in phrase_forms(term.words)) + ")"

    def match_extra(self, expression: str) -> dict:
        return {"tables": [], "where": [f"\"{ENTRY}\".\"fts\" @@ to_tsquery('simple', %s)"], "params": [expression]}

    def relevance(self, expression: str) -> tuple[str, list]:
        # 1: divide by 1 + log(document length): long documents do not win by size alone.
        # weights {D, C, B, A}: body words are D, title words A.
        weights = "{%.2f,%.2f,%.2f,1.0}" % ((1.0 / TITLE_WEIGHT,) * 3)
        return f"ts_rank_cd('{weights}'::float4[], \"{ENTRY}\".\"fts\", to_tsquery('simple', %s), 1)", [expression]

    def matches(self, expression: str) -> tuple[str, list]:
        return f"(\"{ENTRY}\".\"fts\" @@ to_tsquery('simple', %s))", [expression]

    def best_ids(self, expression: str, limit: int, network_id: int, types=None) -> list[int]:
        sql, params = self.relevance(expression)
        # (type || ''): a condition no index answers, so that the planner starts from the text
        # index rather than walking every entry of these types.
        types_sql = f" AND (type || '') IN ({', '.join(['%s'] * len(types))})" if types else ""
        with reading_connection(SearchEntry).cursor() as c:  # a replica in read-mostly requests
            c.execute(f"SELECT id FROM {ENTRY} WHERE network_id = %s AND fts @@ to_tsquery('simple', %s){types_sql} "
                      f"ORDER BY {sql} DESC LIMIT {int(limit)}", [network_id, expression, *(types or []), *params])
            return [r[0] for r in c.fetchall()]

    def newest_ids(self, expression: str, limit: int, network_id: int, share: float | None = None) -> list[int]:
        """The ids of the `limit` latest entries matching. `share`: about which share of the entries
        match, when known. Then first among the latest entries that should hold `limit` matches
        WINDOW times over: the text index and the id range are intersected and only the matches
        in the range are read, where PostgreSQL would otherwise walk back through every entry
        testing each (a word in 1% of 3.5 million entries: 170 ms, against 25)."""
        sql = f"SELECT id FROM {ENTRY} WHERE network_id = %s AND fts @@ to_tsquery('simple', %s)"
        with reading_connection(SearchEntry).cursor() as c:
            if share and share > 0:
                c.execute(f"SELECT max(id) FROM {ENTRY}")
                top = c.fetchone()[0] or 0
                window = int(WINDOW * limit / share)
                if window < top:
                    c.execute(f"{sql} AND id > %s ORDER BY id DESC LIMIT {int(limit)}",
                              [network_id, expression, top - window])
                    ids = [r[0] for r in c.fetchall()]
                    if len(ids) >= limit:
                        return ids
            c.execute(f"{sql} ORDER BY id DESC LIMIT {int(limit)}", [network_id, expression])
            return [r[0] for r in c.fetchall()]

    def age_days(self) -> str:
        return f"GREATEST(EXTRACT(EPOCH FROM (now() - \"{ENTRY}\".\"created_at\")) / 86400.0, 0)"


POSTGRES_TEXT_INDEX = f"CREATE INDEX IF NOT EXISTS search_entry_fts ON {ENTRY} USING gin (fts)"


@contextmanager
def bulk_loading() -> Iterator[None]:
    """Around the writing of millions of entries at once (a generated network): on PostgreSQL the
    text index is dropped, then built again in one pass at the end, which is several times faster
    than growing it entry by entry. Searches in the meantime read every entry: for a network
    nobody uses yet. The index is rebuilt whatever happens inside."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as c:
        c.execute("DROP INDEX IF EXISTS search_entry_fts")
    try:
        yield
    finally:
        with transaction.atomic(), connection.cursor() as c:  # SET LOCAL: nothing outlives it (PgBouncer)
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # inside a caller's transaction: its pending checks first
            c.execute("SET CONSTRAINTS ALL DEFERRED")
            c.execute("SET LOCAL maintenance_work_mem = '512MB'")
            c.execute(POSTGRES_TEXT_INDEX)


def backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SQLiteBackend()

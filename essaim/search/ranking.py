"""Text relevance computed in Python over the best candidates: BM25F, the same on every backend.

The database finds and orders the candidates (FTS5 bm25 on SQLite, ts_rank_cd on PostgreSQL,
which has no notion of how rare a word is); the best RERANK_WINDOW of them are then scored here
with BM25F (Robertson, Zaragoza & Taylor 2004) over two fields, the title and the body:

    tf'(c, d)  = TITLE_BOOST × tf_title / (1 - B + B × len_title / avg_title)
                 + tf_body / (1 - B + B × len_body / avg_body)
    bm25f(d)   = Σ over query clauses c of idf(c) × tf' / (K1 + tf')
    idf(c)     = ln(1 + (N - df + 0.5) / (df + 0.5))

with N, df and the average lengths taken from the index itself: on SQLite from the FTS5 tables
(exact and instant: the averages record and an fts5vocab table), on PostgreSQL by counting
through the GIN index (capped, cached for large networks). The statistics are those of the
whole index, not of what the viewer may see: they weigh words, they never reveal a document.

A clause is an OR of terms; its tf is the sum of its terms' occurrences (a word matches either of
its stems, a phrase its stems in order, a prefix any word starting with it) and its df the
largest of its terms' document frequencies.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.db import connection

from essaim.core.dbrouter import reading_connection

from .models import SearchEntry
from .query import Query, Term
from .text import phrase_forms, prefix_forms, word_stems

K1 = 1.2
B = 0.75
TITLE_BOOST = 3.0
DF_CAP = 20_000  # PostgreSQL: count matching rows up to this many
CACHE_FROM = 5_000  # PostgreSQL: cache the statistics of networks with at least this many entries
CACHE_SECONDS = 600
ONE_PASS_FROM = 300  # PostgreSQL: more words to count than this, and they are counted in one pass (ts_stat)
ESTIMATE_FROM = 2_000  # PostgreSQL: a word the planner's statistics give this many entries or more is not counted
ESTIMATE_ENTRIES_FROM = 200_000  # PostgreSQL: a table this large: a network's entries are estimated, not counted


# ------------------------------------------------------------------ statistics


class Stats:
    def __init__(self, n: int, avg_title: float, avg_body: float, df: dict[str, int]):
        self.n = max(1, n)
        self.avg_title = max(avg_title, 1.0)
        self.avg_body = max(avg_body, 1.0)
        self.df = df

    def idf(self, df: int) -> float:
        df = min(max(df, 0), self.n)
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))


def _varints(blob: bytes) -> list[int]:
    """SQLite varints (big-endian groups of 7 bits; the ninth byte holds 8)."""
    out, i = [], 0
    while i < len(blob):
        value = 0
        for j in range(9):
            byte = blob[i]
            i += 1
            if j == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out


def _sqlite_stats(keys: list[tuple[str, str]]) -> Stats:
    """keys: ("w", stem) for a whole word, ("p", prefix) for a prefix. One query."""
    parts = ["SELECT 't', NULL, block FROM search_fts_data WHERE id = 1"]
    params: list = []
    words = sorted({v for k, v in keys if k == "w"})
    if words:
        parts.append(f"SELECT 'w:' || term, doc, NULL FROM search_fts_vocab "
                     f"WHERE term IN ({', '.join(['%s'] * len(words))})")
        params += words
    for kind, value in keys:
        if kind == "p":  # documents holding any word with this prefix: at most the sum
            parts.append("SELECT %s, coalesce(sum(doc), 0), NULL FROM search_fts_vocab WHERE term >= %s AND term < %s")
            params += [f"p:{value}", value, value + "\U0010ffff"]
    totals: list[int] = []
    df: dict[str, int] = {}
    with connection.cursor() as c:
        c.execute(" UNION ALL ".join(parts), params)
        for key, doc, block in c.fetchall():
            if key == "t":
                totals = _varints(bytes(block)) if block else []
            else:
                df[key] = int(doc or 0)
    n = totals[0] if totals else 0
    avg_title = totals[1] / n if len(totals) > 2 and n else 1.0
    avg_body = totals[2] / n if len(totals) > 2 and n else 1.0
    return Stats(n, avg_title, avg_body, df)


def _postgres_stats(network_id: int, keys: list[tuple[str, str]]) -> Stats:
    """One query: the number of entries, average lengths (of the latest 5,000), and each key's
    document count (up to DF_CAP); for large networks each is cached and only what is missing is
    counted."""
    entry = "search_searchentry"
    cache_key = f"search:totals:{network_id}"
    totals = cache.get(cache_key)
    cached_df = cache.get_many([f"search:df:{network_id}:{k}:{v}"[:240] for k, v in keys]) if totals else {}
    missing = [(k, v) for k, v in keys if f"search:df:{network_id}:{k}:{v}"[:240] not in cached_df]
    selects: list[str] = []
    params: list = []
    if not totals:
        selects = [_ENTRIES,
                   "(SELECT avg(coalesce(array_length(string_to_array(nullif(title_terms, ''), ' '), 1), 0)) "
                   f"FROM (SELECT title_terms FROM {entry} WHERE network_id = %s ORDER BY id DESC LIMIT 5000) s)",
                   "(SELECT avg(coalesce(array_length(string_to_array(nullif(terms, ''), ' '), 1), 0)) "
                   f"FROM (SELECT terms FROM {entry} WHERE network_id = %s ORDER BY id DESC LIMIT 5000) s)"]
        params = [ESTIMATE_ENTRIES_FROM] + [network_id] * 5
        totals_n = None  # the words of a first search are counted
    else:
        totals_n = totals[0]
    listed = _listed_words(totals_n, [v for k, v in missing if k == "w"])
    missing = [(k, v) for k, v in missing if not (k == "w" and v in listed)]
    in_one_pass: dict[str, int] = {}
    words = [v for k, v in missing if k == "w"]
    if len(words) > ONE_PASS_FROM:  # e.g. summarising everyone's expertise: one pass over the entries
        with reading_connection(SearchEntry).cursor() as c:
            c.execute(f"SELECT word, ndoc FROM ts_stat('SELECT fts FROM {entry} WHERE network_id = {int(network_id)}') "
                      "WHERE word = ANY(%s)", [words])
            found = dict(c.fetchall())
        in_one_pass = {f"w:{w}": min(int(found.get(w, 0)), DF_CAP) for w in words}
        missing = [(k, v) for k, v in missing if k != "w"]
    for kind, value in missing:
        selects.append(f"(SELECT count(*) FROM (SELECT 1 FROM {entry} WHERE network_id = %s "
                       f"AND fts @@ to_tsquery('simple', %s) LIMIT {DF_CAP}) s)")
        params += [network_id, f"'{value}'" if kind == "w" else f"'{value}':*"]
    row = totals
    fetched: list = []
    if selects:
        with reading_connection(SearchEntry).cursor() as c:  # a replica in read-mostly requests
            c.execute("SELECT " + ", ".join(selects), params)
            fetched = list(c.fetchone())
        if not totals:
            row = (fetched[0], float(fetched[1] or 1.0), float(fetched[2] or 1.0))
            fetched = fetched[3:]
    counted = {**in_one_pass, **{f"w:{w}": n for w, n in listed.items()},
               **{f"{k}:{v}": int(n) for (k, v), n in zip(missing, fetched)}}
    if counted or not totals:
        if row[0] >= CACHE_FROM:
            cache.set(cache_key, row, CACHE_SECONDS)
            cache.set_many({f"search:df:{network_id}:{k}"[:240]: n for k, n in counted.items()}, CACHE_SECONDS)
        cached_df = {**{f"search:df:{network_id}:{k}"[:240]: n for k, n in counted.items()}, **cached_df}
    df = {f"{k}:{v}": cached_df.get(f"search:df:{network_id}:{k}:{v}"[:240], 0) for k, v in keys}
    return Stats(row[0], row[1], row[2], df)


# The number of a network's entries: counted in a table under ESTIMATE_ENTRIES_FROM rows (or not
# analysed yet), else the planner's estimate, the table's rows times the network's share in the
# statistics of network_id (a count reads every entry: seconds for millions). PostgreSQL runs the
# count only in the branch that needs it.
_ENTRIES = """(SELECT CASE
    WHEN c.reltuples < %s OR s.n_distinct IS NULL
        THEN (SELECT count(*) FROM search_searchentry WHERE network_id = %s)
    WHEN array_position(s.most_common_vals::text::bigint[], %s::bigint) IS NOT NULL
        THEN round(c.reltuples * s.most_common_freqs[array_position(s.most_common_vals::text::bigint[], %s::bigint)])
    ELSE round(c.reltuples * greatest(0, 1 - coalesce((SELECT sum(f) FROM unnest(s.most_common_freqs) f), 0))
               / greatest(1, CASE WHEN s.n_distinct < 0 THEN -s.n_distinct * c.reltuples ELSE s.n_distinct END
                             - coalesce(cardinality(s.most_common_vals::text::bigint[]), 0)))
    END::bigint
    FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = c.relname
        AND s.attname = 'network_id'
    WHERE c.oid = 'search_searchentry'::regclass)"""


def _listed_words(n: int | None, words: list[str]) -> dict[str, int]:
    """The document counts of the words the planner's statistics list as common enough (at least
    ESTIMATE_FROM entries of a network of n), from their share of entries: counting them would
    read up to DF_CAP entries each, and these are not capped. The others are counted."""
    if not words or not n:
        return {}
    known = _lexeme_frequencies()
    if known is None:
        return {}
    frequencies = known[0]
    out = {}
    for w in words:
        df = round(frequencies.get(w, 0.0) * n)
        if df >= ESTIMATE_FROM:
            out[w] = df  # not capped as counts are: how common the word is, for finding its latest entries
    return out


def _keys(query: Query) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for clause in query.clauses:
        for term in clause:
            if term.kind == "prefix":
                keys.extend(("p", p) for p in _prefixes(term))
            else:
                for w in term.words:
                    keys.extend(("w", s) for s in word_stems(w))
    return sorted(set(keys))


def stats_for(network_id: int, query: Query) -> Stats:
    keys = _keys(query)
    if connection.vendor == "postgresql":
        return _postgres_stats(network_id, keys)
    return _sqlite_stats(keys)


_lexemes: dict[str, tuple[float, dict[str, float], float]] = {}


def _lexeme_frequencies() -> tuple[dict[str, float], float] | None:
    """PostgreSQL's own statistics of the index column (refreshed by ANALYZE and autovacuum): the
    share of entries holding each of its most common words, and the smallest such share. None
    before the first ANALYZE. Read once per CACHE_SECONDS per process."""
    hit = _lexemes.get("fts")
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1], hit[2]
    with reading_connection(SearchEntry).cursor() as c:
        c.execute("SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                  "WHERE schemaname = current_schema() AND tablename = 'search_searchentry' AND attname = 'fts'")
        row = c.fetchone()
    if not row or not row[0] or not row[1]:
        return None
    words, shares = row[0], row[1]
    frequencies = dict(zip(words, shares))
    smallest = shares[len(words)] if len(shares) > len(words) else min(shares)
    _lexemes["fts"] = (time.monotonic(), frequencies, smallest)
    return frequencies, smallest


def estimated_stats(network_id: int, query: Query) -> Stats | None:
    """Word statistics without counting (PostgreSQL): each word's document count estimated from the
    planner's statistics (its share of entries when it is among the most common words, else half
    the smallest share listed). For weighing many words at once, such as everyone's expertise
    areas, where counting each word would read up to DF_CAP entries apiece. None on SQLite (its
    counts cost nothing) and before PostgreSQL has statistics: then use stats_for()."""
    if connection.vendor != "postgresql":
        return None
    known = _lexeme_frequencies()
    if known is None:
        return None
    frequencies, smallest = known
    totals = _postgres_stats(network_id, [])
    df = {f"{k}:{v}": min(DF_CAP, round(frequencies.get(v, smallest / 2) * totals.n))
          for k, v in _keys(query) if k == "w"}
    return Stats(totals.n, totals.avg_title, totals.avg_body, df)


# ------------------------------------------------------------------ scoring


def _prefixes(term: Term) -> set[str]:
    return prefix_forms(term.words[0])


def _term_tf(tokens: list[str], counts: dict[str, int], term: Term) -> int:
    if term.kind == "word":
        return sum(counts.get(s, 0) for s in word_stems(term.words[0]))
    if term.kind == "prefix":
        prefixes = tuple(_prefixes(term))
        return sum(n for t, n in counts.items() if t.startswith(prefixes))
    found = 0
    for phrase in phrase_forms(term.words):
        size = len(phrase)
        if any(counts.get(s, 0) == 0 for s in phrase):
            continue
        found += sum(1 for i in range(len(tokens) - size + 1) if tuple(tokens[i:i + size]) == phrase)
    return found


def _term_df(stats: Stats, term: Term) -> int:
    if term.kind == "prefix":
        return max((stats.df.get(f"p:{p}", 0) for p in _prefixes(term)), default=0)
    per_word = [max((stats.df.get(f"w:{s}", 0) for s in word_stems(w)), default=0) for w in term.words]
    return min(per_word) if term.kind == "phrase" else max(per_word, default=0)


def _counts(tokens: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in tokens:
        out[t] = out.get(t, 0) + 1
    return out


class Scorer:
    def __init__(self, query: Query, stats: Stats):
        self.query = query
        self.stats = stats
        self.idf = [stats.idf(max((_term_df(stats, t) for t in clause), default=0)) for clause in query.clauses]

    def clause_df(self, clause: list[Term]) -> int:
        return max((_term_df(self.stats, t) for t in clause), default=0)

    def compare_titles_among(self, rows) -> None:
        """Normalise title lengths by the average of the candidates that have a title: most
        entries (comments, answers) have none, and people's or topics' names are shorter than
        questions' titles, so the index-wide average would penalise every question's title."""
        lengths = [len(r.title_terms.split()) for r in rows if r.title_terms]
        if lengths:
            self.stats.avg_title = max(sum(lengths) / len(lengths), 1.0)

    def score(self, title_terms: str, terms: str) -> tuple[float, int]:
        """(BM25F of one document, how many query clauses it contains)."""
        title, body = title_terms.split(), terms.split()
        title_counts, body_counts = _counts(title), _counts(body)
        norm_title = 1 - B + B * len(title) / self.stats.avg_title
        norm_body = 1 - B + B * len(body) / self.stats.avg_body
        total, matched = 0.0, 0
        for clause, idf in zip(self.query.clauses, self.idf):
            tf_title = sum(_term_tf(title, title_counts, t) for t in clause)
            tf_body = sum(_term_tf(body, body_counts, t) for t in clause)
            tf = TITLE_BOOST * tf_title / norm_title + tf_body / norm_body
            if tf > 0:
                total += idf * tf / (K1 + tf)
                matched += 1
        return total, matched

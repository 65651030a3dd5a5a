"""PostgreSQL: many words' document counts at once (summarising everyone's expertise) come from one
pass over the entries, and equal the word-by-word counts."""

from __future__ import annotations

import pytest
from django.db import connection

from essaim.search import ranking
from essaim.search.jobs import run_in_bulk
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's ts_stat")
def test_one_pass_counts_equal_word_by_word_counts(world, settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for n in range(12):
        stream.do_create_post(world.member, f"budget review {'alpha' if n % 3 else 'beta'} number{n}",
                              community=world.open)
    stream.do_create_post(world.member, "budget secret plans", community=world.secret)
    stream.do_create_post(world.stranger, "budget elsewhere")  # another network: never counted
    run_in_bulk()
    words = ["budget", "review", "alpha", "beta", "secret", "number1"] + [f"absent{i}" for i in range(400)]
    keys = [("w", w) for w in words] + [("p", "numb")]
    one_pass = ranking._postgres_stats(world.network.id, keys)
    monkeypatch.setattr(ranking, "ONE_PASS_FROM", 10_000)
    word_by_word = ranking._postgres_stats(world.network.id, keys)
    assert one_pass.df == word_by_word.df
    assert one_pass.df["w:budget"] == 13 and one_pass.df["w:alpha"] == 8 and one_pass.df["w:absent7"] == 0
    assert one_pass.df["p:numb"] == 12 and one_pass.n == word_by_word.n


def test_estimated_word_statistics(world):
    from essaim.search.query import Query, Term

    query = Query(clauses=[[Term("word", ("budget",))], [Term("word", ("zzzunseen",))]])
    if connection.vendor != "postgresql":
        assert ranking.estimated_stats(world.network.id, query) is None  # SQLite counts cost nothing
        return
    for n in range(30):
        stream.do_create_post(world.member, f"budget line {n}", community=world.open)
    run_in_bulk()
    with connection.cursor() as c:
        c.execute("ANALYZE search_searchentry")
    ranking._lexemes.clear()
    stats = ranking.estimated_stats(world.network.id, query)
    assert stats is not None
    counted = ranking.stats_for(world.network.id, query)
    # a common word: about its real count; an unseen one: rarer than any listed word
    assert abs(stats.df["w:budget"] - counted.df["w:budget"]) <= max(3, counted.df["w:budget"] // 5)
    assert stats.df["w:zzzunseen"] < stats.df["w:budget"]
    assert stats.idf(stats.df["w:zzzunseen"]) > stats.idf(stats.df["w:budget"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_large_tables_estimate_entries_and_common_words_from_the_planner(world, settings, monkeypatch):
    """From ESTIMATE_ENTRIES_FROM rows a network's entries are not counted (seconds for millions)
    but estimated from the planner's statistics; once the totals are known, a word the statistics
    list as common is not counted either. Entries written after the last ANALYZE show which."""
    from django.test.utils import CaptureQueriesContext

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "planner-estimates"}}
    for n in range(40):
        stream.do_create_post(world.member, f"budget line {n}" + (" forecast" if n % 4 == 0 else ""),
                              community=world.open)
    for n in range(7):
        stream.do_create_post(world.stranger, f"budget elsewhere {n}")  # another network's entries
    run_in_bulk()
    with connection.cursor() as c:
        c.execute("ANALYZE search_searchentry")
    ranking._lexemes.clear()
    analysed = ranking._postgres_stats(world.network.id, [("w", "budget")])  # a small table: counted
    for n in range(8):  # after the statistics were taken
        stream.do_create_post(world.member, f"budget line forecast later {n}", community=world.open)
    run_in_bulk()
    assert ranking._postgres_stats(world.network.id, [("w", "budget")]).n == analysed.n + 8

    monkeypatch.setattr(ranking, "ESTIMATE_ENTRIES_FROM", 0)
    monkeypatch.setattr(ranking, "CACHE_FROM", 0)
    monkeypatch.setattr(ranking, "ESTIMATE_FROM", 20)  # "line" is listed as common enough, "forecast" is not
    first = ranking._postgres_stats(world.network.id, [("w", "budget")])
    assert first.n == analysed.n  # the planner's estimate, not a count (exact when the table was analysed whole)
    assert first.df["w:budget"] == 48  # the words of a first search are counted
    with CaptureQueriesContext(connection) as later:
        again = ranking._postgres_stats(world.network.id, [("w", "line"), ("w", "forecast"), ("w", "elsewhere")])
    sql = " ".join(q["sql"] for q in later.captured_queries)
    assert "'line'" not in sql  # a common word: from the statistics, which predate the last 8 entries
    assert 0 < again.df["w:line"] < 48
    assert again.df["w:forecast"] == 18  # not common enough: counted
    assert again.df["w:elsewhere"] == 0  # only in the other network: counted, and not found here

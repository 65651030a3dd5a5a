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

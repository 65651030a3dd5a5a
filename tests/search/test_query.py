from datetime import date

import pytest

from essaim.search.query import QueryError, Term, parse, plain_words
from essaim.search.text import terms_of, words


def test_words_are_folded():
    assert words("L'Équipe DÉV_ops") == ["l", "equipe", "dev", "ops"]


def test_terms_hold_french_then_english_stems():
    assert terms_of("running") == "running run"
    assert terms_of("équipes") == "equip"


def test_words_phrases_prefix_exclusion_or():
    q = parse('budget "plan de charge" dévelop* -brouillon -"mot clé" devis OR facture')
    assert q.clauses == [[Term("word", ("budget",))], [Term("phrase", ("plan", "de", "charge"))],
                         [Term("prefix", ("develop",))],
                         [Term("word", ("devis",)), Term("word", ("facture",))]]
    assert q.excluded == [Term("word", ("brouillon",)), Term("phrase", ("mot", "cle"))]


def test_filters():
    q = parse("from:@Alice in:Marketing topic:#Budget type:question before:2025-01-31 after:2024-01-01 x")
    assert q.authors == ["alice"] and q.communities == ["marketing"] and q.topics == ["budget"]
    assert q.types == ["question"] and q.before == date(2025, 1, 31) and q.after == date(2024, 1, 1)
    assert q.clauses == [[Term("word", ("x",))]]


def test_unknown_keys_are_words_and_quoted_filter_values():
    q = parse('http://example in:"open-club"')
    assert q.communities == ["open-club"]
    assert [t.kind for c in q.clauses for t in c] == ["phrase"]


def test_stop_words_dropped_unless_alone():
    assert parse("comment faire le café").clauses == [[Term("word", ("faire",))], [Term("word", ("cafe",))]]
    assert parse("the").clauses == [[Term("word", ("the",))]]


def test_or_at_the_start_or_end_is_ignored():
    assert parse("OR a OR").clauses == [[Term("word", ("a",))]]


@pytest.mark.parametrize("bad", ["before:2024-02-30", "after:yesterday", "type:video", "x" * 501])
def test_bad_input_is_refused(bad):
    with pytest.raises(QueryError):
        parse(bad)


def test_empty_and_punctuation_only():
    assert parse("").clauses == [] and parse("!!! ???").clauses == []


def test_plain_words_has_no_operators():
    q = plain_words('Comment -faire "OR" from:x ?')
    assert [c[0].words[0] for c in q.clauses] == ["faire", "x"]  # "or", "from": stop words
    assert q.authors == [] and q.excluded == []


def test_stemming_is_safe_from_many_threads_at_once():
    """The web server answers on a pool of threads: stemming there must neither raise nor mix up
    words (a Snowball stemmer shared between threads does both)."""
    import threading

    from essaim.search import text

    words_ = [f"développements{i}x" for i in range(3000)] + [f"running{i}" for i in range(3000)]
    expected = {w: (text._stemmers()[0].stemWord(w), text._stemmers()[1].stemWord(w)) for w in words_}
    text.stems.cache_clear()
    failures: list = []

    def work(chunk):
        try:
            for w in chunk:
                if text.stems.__wrapped__(w) != expected[w]:
                    failures.append(w)
        except Exception as exc:  # noqa: BLE001 - recorded, asserted below
            failures.append(repr(exc))

    threads = [threading.Thread(target=work, args=(words_[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []

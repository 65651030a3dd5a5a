"""Relevance: each document stemmed in its own language, BM25F over title and body with the
index's own word statistics, and the priors. The same expectations hold on SQLite and PostgreSQL."""

import threading

import pytest
from django.db import connection, connections

from essaim.questions import actions as questions
from essaim.search import indexing, ranking
from essaim.search.engine import search
from essaim.search.models import SearchEntry
from essaim.search.query import parse
from essaim.search.text import index_terms, language_of, words
from essaim.stream import actions as stream
from shared_helpers import needs_postgres


@pytest.fixture
def question_in(world):
    def make(place, title, body, **kwargs):
        return questions.do_ask_question(world.member, title, body, community=world.community(place), **kwargs)
    return make


def source_ids(page):
    return [r.id for r in page.results]


def test_a_document_is_stemmed_in_its_own_language():
    assert language_of(words("The team is running the tests and it is fine")) == "en"
    assert language_of(words("Les équipes sont dans le bâtiment et elles travaillent")) == "fr"
    assert language_of(words("Hyperloop Budget")) is None
    title, body = index_terms("Running tests", "The team is running the tests and it works")
    assert title == "run test"  # English only: each word once
    assert body.split().count("run") == 1
    title, body = index_terms("Les développeurs", "Les équipes sont dans le bâtiment avec les développeurs")
    assert title == "le developpeur"
    assert "developer" not in body.split()
    # unclear language: both stems, so that either language finds it
    title, _ = index_terms("Running", "")
    assert title.split() == ["running", "run"]


def test_statistics_come_from_the_index(world, post_in, indexed):
    for i in range(6):
        indexed(lambda i=i: post_in("open", f"réunion budget numéro {i}"))
    indexed(lambda: post_in("open", "hyperloop"))
    stats = ranking.stats_for(world.network.id, parse("réunion hyperloop"))
    entries = SearchEntry.objects.count()
    assert stats.n >= 7 and stats.n <= entries or connection.vendor == "sqlite" and stats.n == entries
    assert stats.df["w:reunion"] == 6
    assert stats.df["w:hyperloop"] == 1
    assert stats.idf(1) > stats.idf(6) > 0


def test_a_rare_word_outweighs_several_common_ones(world, post_in, indexed):
    """A long query (no "every word first" tier): the one post with the rare word wins over posts
    holding all the common words."""
    for i in range(12):
        indexed(lambda i=i: post_in("open", f"Budget de la réunion du trimestre, point {i}"))
    target = indexed(lambda: post_in("open", "Le budget du projet hyperloop"))
    page = search(world.member, "budget réunion trimestre hyperloop projet", type="post")
    assert source_ids(page)[0] == target.id


def test_a_title_match_ranks_above_a_passing_mention(world, question_in, indexed):
    filler = " ".join(f"mot{i}" for i in range(40))
    mention = indexed(lambda: question_in("open", "Une autre question", f"{filler} proxy {filler}"))
    about = indexed(lambda: question_in("open", "Configurer le proxy", f"{filler} {filler}"))
    page = search(world.member, "proxy", type="question")
    assert source_ids(page) == [about.id, mention.id]


def test_votes_lift_an_equally_relevant_question(world, question_in, indexed):
    plain = indexed(lambda: question_in("open", "Remboursement des frais de taxi", "Comment faire ?"))
    voted = indexed(lambda: question_in("open", "Remboursement des frais de taxi", "Comment faire ?", score=12))
    assert source_ids(search(world.member, "frais taxi", type="question")) == [voted.id, plain.id]
    assert plain.id < voted.id  # not the newest-first tie-break


def test_a_french_query_finds_english_and_french_documents(world, post_in, indexed):
    english = indexed(lambda: post_in("open", "The developers are running the migration tonight"))
    french = indexed(lambda: post_in("open", "Les développeurs préparent la migration de ce soir"))
    assert set(source_ids(search(world.member, "migration", type="post"))) == {english.id, french.id}
    assert source_ids(search(world.member, "développeur", type="post")) == [french.id]
    assert source_ids(search(world.member, "run", type="post")) == [english.id]


def test_a_deep_page_keeps_the_database_order_and_every_result(world, post_in, indexed):
    for i in range(30):
        stream.do_create_post(world.member, f"inventaire numéro {i}", community=world.open)
    indexed()
    first = search(world.member, "inventaire", limit=20)
    second = search(world.member, "inventaire", limit=20, cursor=first.next_cursor)
    found = source_ids(first) + source_ids(second)
    assert len(found) == len(set(found)) == 30


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_search_keeps_answering_while_the_index_is_rebuilt(world, post_in, indexed, monkeypatch):
    """Every search during `essaim search reindex` finds every post (each batch replaces its
    entries in one transaction, so a reader sees the old entry or the new one, never none)."""
    posts = [stream.do_create_post(world.member, f"catalogue numéro {i}", community=world.open) for i in range(60)]
    indexed()
    monkeypatch.setattr(indexing, "BATCH", 7)
    done = threading.Event()
    failures: list = []

    def rebuild():
        try:
            for _ in range(3):
                indexing.reindex_all()
        finally:
            done.set()
            connections.close_all()

    thread = threading.Thread(target=rebuild)
    thread.start()
    searches = 0
    try:
        while not done.is_set() or searches == 0:
            found = {r.id for r in search(world.member, "catalogue", type="post", limit=100).results}
            searches += 1
            if found != {p.id for p in posts}:
                failures.append(len(found))
    finally:
        thread.join()
    assert searches > 1
    assert failures == []


def test_facet_counts_stop_at_the_limit_and_say_so(world, post_in, indexed, monkeypatch, api_as):
    from essaim.search import engine

    monkeypatch.setattr(engine, "FACET_LIMIT", 5)
    for i in range(8):
        stream.do_create_post(world.member, f"parapluie numéro {i}", community=world.open)
    indexed()
    page = search(world.member, "parapluie")
    assert page.facets_exact is False and page.facets["type"] == {"post": 5}
    assert len(page.results) == 8  # the results themselves are not capped
    body = api_as(world.member).get("/api/v1/search", q="parapluie").json_body
    assert body["facets"]["exact"] is False


def test_words_most_entries_hold_rank_the_latest_matches(world, post_in, indexed, monkeypatch):
    """Beyond DENSE_MATCHES entries, only the latest DENSE_IDS matches are ranked: a search stays
    fast however common its words; older matches are still reached by adding a rarer word."""
    from essaim.search import engine

    monkeypatch.setattr(engine, "DENSE_MATCHES", 5)
    monkeypatch.setattr(engine, "DENSE_IDS", 4)
    posts = [indexed(lambda i=i: post_in("open", f"cafétéria menu {i} lundi")) for i in range(10)]
    page = search(world.member, "cafétéria", type="post")
    assert {r.id for r in page.results} == {p.id for p in posts[-4:]}
    assert page.facets_exact is False
    newest = search(world.member, "cafétéria", type="post", sort="date")
    assert [r.id for r in newest.results] == [p.id for p in reversed(posts[-4:])]
    assert [r.id for r in search(world.member, "cafétéria 0", type="post").results][:1] == [posts[0].id]
    # an invisible latest match takes a slot but is never shown
    secret = indexed(lambda: post_in("secret", "cafétéria secrète"))
    assert secret.id not in {r.id for r in search(world.outsider, "cafétéria").results}


def test_a_question_is_found_by_its_topics_too(world, question_in, indexed):
    tagged = indexed(lambda: question_in("open", "Déployer le service",
                                               "Quelle commande faut-il pour le déploiement dans le cluster ?",
                                               topics=["kubernetes"]))
    indexed(lambda: question_in("open", "Une autre", "Sans rapport"))
    assert source_ids(search(world.member, "kubernetes", type="question")) == [tagged.id]
    entry = SearchEntry.objects.get(type="question", object_id=tagged.id)
    assert entry.terms.split().count("kubernet") == 1  # once, not again when the text names it


def test_answers_and_comments_match_their_own_words_not_their_questions_title(world, question_in, indexed):
    question = indexed(lambda: question_in("open", "Imprimante du troisième étage", "Elle ne répond plus."))
    answer = indexed(lambda: questions.do_answer_question(question, world.owner, "Redémarrez-la."))
    comment = indexed(lambda: stream.do_create_comment(question, world.owner, "Même souci hier."))
    found = search(world.member, "imprimante").results
    assert [(r.type, r.id) for r in found] == [("question", question.id)]
    assert {(r.type, r.id) for r in search(world.member, "redémarrez").results} == {("answer", answer.id)}
    [hit] = search(world.member, "souci").results
    assert (hit.type, hit.id, hit.title) == ("comment", comment.id, "Imprimante du troisième étage")  # shown


def test_posts_written_in_bulk_are_indexed_by_the_jobs_they_queue(world, indexed):
    ids = stream.do_bulk_create_posts(world.member, [(f"lot groupé {i}", None) for i in range(3)],
                                      community=world.open)
    assert search(world.member, "groupé").results == []  # not before the jobs run
    indexed()
    assert {r.id for r in search(world.member, "groupé").results} == set(ids)
    assert search(world.outsider, "groupé").results  # an open community

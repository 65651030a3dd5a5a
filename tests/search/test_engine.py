from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from essaim.accounts import actions as accounts
from essaim.search import indexing
from essaim.search.engine import search, similar_questions
from essaim.search.models import SearchEntry
from essaim.search.query import QueryError
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


def ids(page, type_=None):
    return [r.id for r in page.results if type_ is None or r.type == type_]


def test_accents_case_and_stemming_in_french_and_english(world, post_in, indexed):
    p1 = indexed(lambda: post_in("company", "L'Équipe des développeurs se réunit"))
    p2 = indexed(lambda: post_in("company", "We keep running the tests"))
    assert ids(search(world.member, "equipe")) == [p1.id]
    assert ids(search(world.member, "ÉQUIPE")) == [p1.id]
    assert ids(search(world.member, "développeur")) == [p1.id]
    assert ids(search(world.member, "developpeurs")) == [p1.id]
    assert ids(search(world.member, "run")) == [p2.id]
    assert ids(search(world.member, "runs")) == [p2.id]


def test_phrase_exclusion_or_and_prefix(world, post_in, indexed):
    a = indexed(lambda: post_in("company", "plan de charge pour le trimestre"))
    b = indexed(lambda: post_in("company", "la charge du plan est lourde"))
    c = indexed(lambda: post_in("company", "facture fournisseur"))
    assert ids(search(world.member, '"plan de charge"')) == [a.id]
    assert set(ids(search(world.member, "plan charge"))) == {a.id, b.id}
    assert ids(search(world.member, "plan charge -lourde")) == [a.id]
    assert ids(search(world.member, 'plan -"de charge"')) == [b.id]
    assert set(ids(search(world.member, "trimestre OR facture"))) == {a.id, c.id}
    assert ids(search(world.member, "fourn*")) == [c.id]
    assert ids(search(world.member, "trimest*")) == [a.id]


def test_filters_from_in_topic_type_before_after(world, post_in, indexed):
    old = indexed(lambda: post_in("open", "budget #finance review",
                                  created_at=timezone.now() - timedelta(days=400)))
    new = indexed(lambda: post_in("company", "budget planning", author=world.owner))
    assert ids(search(world.member, "budget from:owner")) == [new.id]
    assert ids(search(world.member, "budget", author="owner")) == [new.id]
    assert ids(search(world.member, "budget", author=world.member.id)) == [old.id]
    assert ids(search(world.member, "budget in:open-club")) == [old.id]
    assert ids(search(world.member, "budget", community=world.open.id)) == [old.id]
    assert ids(search(world.member, "budget topic:finance")) == [old.id]
    assert ids(search(world.member, "budget", topic="#finance")) == [old.id]
    day = (timezone.now() - timedelta(days=30)).date().isoformat()
    assert ids(search(world.member, f"budget before:{day}")) == [old.id]
    assert ids(search(world.member, f"budget after:{day}")) == [new.id]
    assert ids(search(world.member, "finance type:topic"), "topic") and not ids(search(world.member, "finance type:topic"), "post")
    assert ids(search(world.member, "budget", type="post"), "post") and search(world.member, "budget", type="comment").results == []


def test_long_question_returns_best_partial_matches_all_words_first(world, post_in, indexed):
    full = indexed(lambda: post_in("company", "Comment configurer le VPN sur Linux"))
    part = indexed(lambda: post_in("company", "Le VPN est en panne"))
    indexed(lambda: post_in("company", "Rien à voir"))
    page = search(world.member, "comment est-ce qu'on peut configurer le VPN de l'entreprise sur un poste Linux ?")
    assert ids(page)[:2] == [full.id, part.id]
    assert ids(search(world.member, "vpn linux"))[0] == full.id


def test_people_communities_and_topics_are_found(world, indexed):
    indexed(lambda: accounts.do_update_profile(world.outsider, acting_user=world.outsider,
                                               job_title="Ingénieure réseau", department="Infrastructure"))
    indexed(lambda: indexing.index_objects("community", [world.open.id, world.secret.id]))
    assert ids(search(world.member, "ingenieure"), "person") == [world.outsider.id]
    assert ids(search(world.member, "outsider"), "person") == [world.outsider.id]
    assert set(ids(search(world.member, "club", type="community"))) == {world.open.id, world.private.id,
                                                                         world.secret.id}
    # a secret community is listed to its members only (communities are indexed from their events)
    assert set(ids(search(world.outsider, "club", type="community"))) == {world.open.id, world.private.id}
    # deactivated people are not found
    indexed(lambda: accounts.do_deactivate_user(world.outsider, acting_user=world.admin))
    assert ids(search(world.member, "ingenieure"), "person") == []


def test_sort_by_date_and_cursor(world, post_in, indexed):
    made = [indexed(lambda i=i: post_in("company", f"rapport numéro {i}",
                                        created_at=timezone.now() - timedelta(days=i))) for i in range(5)]
    page = search(world.member, "rapport", sort="date", limit=2)
    assert ids(page) == [made[0].id, made[1].id] and page.next_cursor
    page2 = search(world.member, "rapport", sort="date", limit=2, cursor=page.next_cursor)
    assert ids(page2) == [made[2].id, made[3].id]
    seen = ids(search(world.member, "rapport", limit=3))
    seen += ids(search(world.member, "rapport", limit=3, cursor=search(world.member, "rapport", limit=3).next_cursor))
    assert sorted(seen) == sorted(p.id for p in made)


def test_snippet_is_escaped_and_highlights(world, post_in, indexed):
    indexed(lambda: post_in("company", "Le <script>alert(1)</script> budget & équipes"))
    result = search(world.member, "equipe budget").results[0]
    assert "<script>" not in result.snippet
    assert "<mark>budget</mark>" in result.snippet and "<mark>équipes</mark>" in result.snippet


def test_comments_are_found_and_vanish_when_deleted(world, post_in, indexed):
    post = indexed(lambda: post_in("company", "Un post"))
    comment = indexed(lambda: stream.do_create_comment(post, world.owner, "Excellente remarque sur la logistique"))
    assert ids(search(world.member, "logistique"), "comment") == [comment.id]
    indexed(lambda: stream.do_delete_comment(comment, acting_user=world.owner))
    assert search(world.member, "logistique").results == []


def test_deleted_post_vanishes_at_once_and_after_the_event(world, post_in, indexed):
    post = indexed(lambda: post_in("company", "Réorganisation confidentielle"))
    stream.do_create_comment(post, world.owner, "réorganisation ok")
    indexed()
    assert len(search(world.member, "reorganisation").results) == 2
    stream.do_delete_post(post, acting_user=world.member)
    assert search(world.member, "reorganisation").results == []  # before the job: the filter is at query time
    indexed()
    assert not SearchEntry.objects.filter(post_id=post.id).exists()


def test_invalid_inputs_are_refused():
    with pytest.raises(QueryError):
        search(None, "x", sort="popular")
    with pytest.raises(QueryError):
        search(None, "x", limit=0)
    with pytest.raises(QueryError):
        search(None, "x" * 501)
    with pytest.raises(QueryError):
        search(None, "x", type="nope")
    with pytest.raises(QueryError):
        search(None, "before:2024-13-01")
    with pytest.raises(QueryError):
        search(None, "x", cursor="garbage!")


def test_similar_questions(world, indexed):
    from essaim.questions import actions as questions

    q = indexed(lambda: questions.do_ask_question(world.member, "Comment réserver une salle de réunion ?",
                                                  "Je cherche la procédure."))
    indexed(lambda: stream.do_create_post(world.member, "réserver une salle"))
    found = similar_questions(world.owner, "Où réserver les salles de réunions")
    assert [r.id for r in found] == [q.id]
    assert similar_questions(world.stranger, "réserver salle") == []


def test_answers_are_indexed(world, indexed):
    from essaim.questions import actions as questions

    q = indexed(lambda: questions.do_ask_question(world.member, "Quel éditeur ?", "Pour du Python",
                                                  community=world.private))
    a = indexed(lambda: questions.do_answer_question(q, world.owner, "Essayez Neovim"))
    assert ids(search(world.member, "neovim"), "answer") == [a.id]
    assert search(world.outsider, "neovim").results == []


def test_reindex_all_rebuilds(world, post_in, indexed):
    post_in("company", "introuvable avant")
    SearchEntry.objects.all().delete()
    indexing.reindex_all()
    assert ids(search(world.member, "introuvable"), "post")


def test_query_count_is_constant(world, post_in, indexed):
    indexed(lambda: post_in("open", "alpha unique"))
    for i in range(25):
        stream.do_create_post(world.owner if i % 2 else world.member, f"beta numéro {i}", community=world.open)
    indexed()
    with CaptureQueriesContext(connection) as one:
        assert len(search(world.member, "alpha").results) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(search(world.member, "beta").results) == 20
    assert len(one.captured_queries) == len(many.captured_queries) <= 6

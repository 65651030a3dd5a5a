"""Suggestions as a search is typed: GET /api/v1/search/suggest and the header search box."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.questions import actions as questions
from essaim.search.suggest import prefix_query, suggest
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


def make_user(network, handle, *, display_name):
    return accounts.do_create_user(network, email=f"{handle}@{network.slug}.test", display_name=display_name,
                                   password="correct horse battery staple", handle=handle)


def found(viewer, q, **kw):
    return [(s.type, s.label) for s in suggest(viewer, q, **kw)]


def test_people_communities_topics_and_questions_grouped_in_that_order(world, indexed):
    make_user(world.network, "margot", display_name="Margot Lefèvre")
    communities.do_create_community(world.owner, name="Marketing", visibility="open", slug="marketing")
    indexed(lambda: stream.do_create_post(world.member, "Lancement #marketing-digital", community=world.open))
    indexed(lambda: questions.do_ask_question(world.member, "Quel budget marketing pour 2026 ?", "Merci",
                                              community=world.open))
    items = found(world.outsider, "mar")
    assert items == [("person", "Margot Lefèvre"), ("community", "Marketing"), ("topic", "#marketing-digital"),
                     ("question", "Quel budget marketing pour 2026 ?")]
    response = suggest(world.outsider, "mar")
    assert [s.url for s in response][1:3] == [f"/communities/{response[1].id}/", "/topics/marketing-digital/"]


def test_names_match_on_any_word_accents_folded_and_handles(world):
    make_user(world.network, "zoe", display_name="Zoé Éluard")
    assert found(world.member, "elu") == [("person", "Zoé Éluard")]
    assert found(world.member, "@zo") == [("person", "Zoé Éluard")]
    assert found(world.member, "ZOE") == [("person", "Zoé Éluard")]


def test_question_titles_by_words_and_the_prefix_being_typed(world, indexed):
    q1 = indexed(lambda: questions.do_ask_question(world.member, "Comment réserver une salle de réunion ?",
                                                   "Pour le comité", community=world.open))
    indexed(lambda: questions.do_ask_question(world.member, "Notes de frais", "La salle de sport est-elle incluse ?",
                                              community=world.open))
    assert found(world.outsider, "salle réu") == [("question", q1.title)]
    # the title matches come before the text matches
    assert [label for _t, label in found(world.outsider, "salle")] == [q1.title, "Notes de frais"]
    assert found(world.outsider, "reserv") == [("question", q1.title)]
    assert found(world.outsider, "x") == []  # a one-letter prefix is not looked up in the index


def test_prefix_query():
    assert [[t.kind for t in c] for c in prefix_query("budget fin").clauses] == [["word"], ["prefix"]]
    assert [[t.kind for t in c] for c in prefix_query("budget fin ").clauses] == [["word"], ["word"]]
    assert [c[0].words for c in prefix_query("le plan de ch").clauses] == [("plan",), ("ch",)]
    assert not prefix_query("").has_text and not prefix_query("a").has_text


def test_fair_share_of_the_limit(world, indexed):
    for i in range(6):
        make_user(world.network, f"alpha{i}", display_name=f"Alpha {i}")
    communities.do_create_community(world.owner, name="Alpha club", visibility="open", slug="alpha-club")
    items = found(world.member, "alpha", limit=4)
    assert [t for t, _ in items] == ["person", "person", "person", "community"]
    assert len(found(world.member, "alpha")) == 7  # 6 people + 1 community: under the default 8
    assert len(found(world.member, "alpha", limit=20)) == 7


@pytest.mark.parametrize("place", ["private", "secret"])
def test_closed_content_is_not_suggested(world, indexed, post_in, place):
    indexed(lambda: post_in(place, "Projet #quasar confidentiel"))
    indexed(lambda: questions.do_ask_question(world.member, "Quasar : quel calendrier ?", "Secret",
                                              community=world.community(place)))
    member = found(world.member, "quasar")
    assert ("topic", "#quasar") in member and ("question", "Quasar : quel calendrier ?") in member
    for viewer in (world.outsider, world.requester, world.stranger, world.admin, None):
        assert found(viewer, "quasar") == [], viewer
    # the community itself: private ones are listed in the directory, secret ones are not
    name = world.community(place).name
    assert (("community", name) in found(world.outsider, name[:4])) == (place == "private")
    assert ("community", name) in found(world.member, name[:4])


def test_other_networks_and_deactivated_people_are_not_suggested(world):
    gone = make_user(world.network, "gaston", display_name="Gaston Parti")
    assert found(world.member, "gast") == [("person", "Gaston Parti")]
    accounts.do_deactivate_user(gone, acting_user=world.admin)
    assert found(world.member, "gast") == []
    assert found(world.member, "strang") == []
    assert found(world.stranger, "memb") == []


def test_query_count_is_constant(world, indexed):
    def make(n, word):
        for i in range(n):
            make_user(world.network, f"{word}{i}", display_name=f"{word.title()} {i}")
            communities.do_create_community(world.owner, name=f"{word.title()} {i}", visibility="open",
                                            slug=f"{word}-{i}")
            questions.do_ask_question(world.member, f"{word.title()} question {i} ?", f"#{word}{i}",
                                      community=world.open)
        indexed()

    make(1, "solo")
    make(12, "multi")
    with CaptureQueriesContext(connection) as one:
        assert len(suggest(world.member, "solo", limit=20)) == 4
    with CaptureQueriesContext(connection) as many:
        assert len(suggest(world.member, "multi", limit=20)) == 20
    assert len(one.captured_queries) == len(many.captured_queries) == 4


def test_api(world, api_as, indexed):
    indexed(lambda: questions.do_ask_question(world.member, "Où trouver le budget ?", "Merci", community=world.open))
    response = api_as(world.outsider).get("search/suggest", q="budg")
    assert response.status_code == 200, response.content
    [item] = response.json_body["items"]
    assert item["type"] == "question" and item["label"] == "Où trouver le budget ?"
    assert item["url"] == f"/questions/{item['id']}/" and isinstance(item["id"], str)
    assert api_as(world.outsider).get("search/suggest", q="").json_body == {"items": []}
    assert api_as(world.outsider).get("search/suggest", q="   ").json_body == {"items": []}
    assert api_as(None).get("search/suggest", q="budg").status_code == 401


@pytest.mark.parametrize("params,code", [
    ({"q": "x", "limit": "0"}, "invalid_limit"),
    ({"q": "x", "limit": "21"}, "invalid_limit"),
    ({"q": "x", "limit": "huit"}, "invalid_limit"),
    ({"q": "x", "limit": "٣"}, "invalid_limit"),
    ({"q": "x" * 501}, "query_too_long"),
    ({"q": "a\x00b"}, "invalid_query"),
])
def test_api_bad_input_gets_a_clear_400(world, api_as, params, code):
    response = api_as(world.member).get("search/suggest", **params)
    assert response.status_code == 400, response.content
    assert response.json_body["error"]["code"] == code


def test_header_box_is_a_combobox_upgrade_of_a_plain_form(world, page_as):
    html = page_as(world.member).get("/").content.decode()
    assert 'action="/search"' in html and 'name="q"' in html
    assert "data-suggest" in html and "essaim/suggest.js" in html
    assert 'data-text-count="' in html and 'data-text-person="' in html
    anonymous = page_as(None).get("/login/").content.decode()
    assert "suggest.js" not in anonymous

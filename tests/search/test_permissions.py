import pytest

from essaim.communities import actions as communities
from essaim.search.engine import search
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


def everything(viewer, q):
    page = search(viewer, q, limit=100)
    return page, {(r.type, r.id) for r in page.results}


@pytest.mark.parametrize("place", ["private", "secret"])
def test_closed_community_content_is_invisible_to_outsiders_strangers_and_anonymous(world, post_in, indexed, place):
    post = indexed(lambda: post_in(place, "Projet Zéphyr: chiffres confidentiels #zephyr"))
    comment = indexed(lambda: stream.do_create_comment(post, world.owner, "zephyr commentaire"))
    page, found = everything(world.member, "zephyr")
    assert {("post", post.id), ("comment", comment.id)} <= found
    assert page.facets["community"] == {world.community(place).id: 2}
    for viewer in (world.outsider, world.stranger, None, world.admin):
        page, found = everything(viewer, "zephyr")
        assert found == set(), viewer
        assert page.facets["type"] == {} and page.facets["community"] == {}
        assert all("zephyr" not in r.snippet.lower() for r in page.results)
        # a topic used only in a closed community is not shown (nor counted)
        assert search(viewer, "zephyr", type="topic").results == []
    assert search(world.member, "zephyr", type="topic").results


def test_other_network_never_sees_anything(world, post_in, indexed):
    indexed(lambda: post_in("company", "annonce générale"))
    assert search(world.stranger, "annonce").results == []
    assert search(world.stranger, "outsider").results == []  # people of another network


def test_a_page_of_20_holds_20_visible_results_when_50_invisible_rank_higher(world, post_in, indexed):
    for i in range(50):  # better matches: the word twice, short text
        stream.do_create_post(world.member, "licorne licorne", community=world.secret)
    for i in range(25):
        stream.do_create_post(world.member, f"une licorne parmi beaucoup d'autres mots numéro {i}")
    indexed()
    page = search(world.outsider, "licorne")
    assert len(page.results) == 20 and page.next_cursor
    assert all(r.community is None for r in page.results)
    assert page.facets["type"] == {"post": 25}
    second = search(world.outsider, "licorne", cursor=page.next_cursor)
    assert len(second.results) == 5 and second.next_cursor is None
    assert search(world.member, "licorne", limit=100).facets["type"] == {"post": 75}


def test_removing_a_member_hides_at_once(world, post_in, indexed):
    post = indexed(lambda: post_in("private", "stratégie tarifaire"))
    assert [r.id for r in search(world.moderator, "strategie").results] == [post.id]
    communities.do_remove_member(world.private, world.moderator, acting_user=world.owner)
    assert search(world.moderator, "strategie").results == []  # no reindexing needed


def test_open_community_content_is_visible_to_outsiders(world, post_in, indexed):
    post = indexed(lambda: post_in("open", "ouvert à tous"))
    assert [r.id for r in search(world.outsider, "ouvert").results] == [post.id]


def test_facets_of_a_very_common_word_count_only_what_the_viewer_sees(world, post_in, indexed, monkeypatch):
    """Past DENSE_MATCHES entries a word is searched among its latest entries, and the facets are
    counted from the same visible matches that are ranked: never a closed community's."""
    from essaim.search import engine

    monkeypatch.setattr(engine, "DENSE_MATCHES", 3)
    for i in range(4):
        post_in("secret", f"licorne secrète {i}")
        post_in("open", f"licorne ouverte {i}")
    post_in("private", "licorne privée", author=world.owner)
    indexed()
    as_outsider = search(world.outsider, "licorne", limit=100)
    assert len(as_outsider.results) == 4 and not as_outsider.facets_exact
    assert as_outsider.facets["community"] == {world.open.id: 4} and as_outsider.facets["type"] == {"post": 4}
    as_member = search(world.member, "licorne", limit=100)
    assert as_member.facets["community"] == {world.open.id: 4, world.secret.id: 4, world.private.id: 1}
    by_type = search(world.member, "licorne", type="post", community=str(world.secret.id), limit=100)
    assert by_type.facets["community"] == {world.open.id: 4, world.secret.id: 4, world.private.id: 1}
    assert by_type.facets["type"] == {"post": 4} and len(by_type.results) == 4

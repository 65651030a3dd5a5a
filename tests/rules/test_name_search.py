"""Finding people and communities by name ignores case and accents, and lists sort the same way:
"aicha" finds Aïcha, "equipe" finds Équipe, Aïcha comes before Amélie."""

from django.test import Client

from essaim.accounts import actions as accounts
from essaim.accounts.queries import directory
from essaim.communities import actions as communities
from essaim.communities.queries import community_directory
from essaim.core.text import fold


def test_fold_drops_case_and_accents_but_keeps_other_scripts():
    assert fold("  Aïcha   DIALLO ") == "aicha diallo"
    assert fold("Ørsted Ærø ß") == "ørsted ærø ss"
    assert fold("سارة") == "سارة"


def people(world, *names):
    return [accounts.do_create_user(world.network, email=f"p{i}@acme.test", display_name=name)
            for i, name in enumerate(names)]


def test_directory_search_ignores_accents_and_case(world):
    aicha, _amelie = people(world, "Aïcha Diallo", "Amélie Laurent")
    assert [u.id for u in directory(world.member, q="aicha").items] == [aicha.id]
    assert [u.id for u in directory(world.member, q="AÏCHA").items] == [aicha.id]
    assert [u.display_name for u in directory(world.member, q="amelie").items] == ["Amélie Laurent"]


def test_directory_sorts_accented_names_where_people_expect_them(world):
    people(world, "Émile Zola", "Aïcha Diallo", "Amélie Laurent", "Eric Ball")
    names = [u.display_name for u in directory(world.member, limit=100).items]
    assert names.index("Aïcha Diallo") < names.index("Amélie Laurent")
    assert names.index("Émile Zola") < names.index("Eric Ball")


def test_renaming_keeps_search_in_step(world):
    (person,) = people(world, "Zoé Martin")
    accounts.do_update_profile(person, acting_user=person, display_name="Chloé Bernard")
    assert [u.id for u in directory(world.member, q="chloe").items] == [person.id]
    assert directory(world.member, q="zoe").items == []


def test_community_search_ignores_accents(world):
    c = communities.do_create_community(world.member, name="Équipe Qualité", visibility="open")
    assert [x.id for x in community_directory(world.member, q="equipe qualite").items] == [c.id]
    communities.do_update_community(c, acting_user=world.member, name="Comité Sécurité")
    assert [x.id for x in community_directory(world.member, q="comite").items] == [c.id]


def test_mention_autocomplete_finds_accented_names_from_plain_letters(world):
    people(world, "Aïcha Diallo")
    client = Client()
    client.force_login(world.member)
    items = client.get("/autocomplete/", {"q": "aich"}).json()["items"]
    assert [i["label"] for i in items] == ["Aïcha Diallo"]
    items = client.get("/autocomplete/", {"q": "dial"}).json()["items"]
    assert [i["label"] for i in items] == ["Aïcha Diallo"]

"""Every main page passes axe-core with no serious or critical violation, in English and French,
and the language follows the browser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.stream import actions as stream

from test_journey import PASSWORD, sign_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing: run `npm ci` (scripts/test.sh does)")
        pytest.skip("axe-core is not installed (npm ci)")
    return AXE.read_text()


@pytest.fixture
def place(transactional_db):
    network = accounts.do_create_network("Acme", "acme")
    alice = accounts.do_create_user(network, email="alice@acme.test", display_name="Alice Martin", password=PASSWORD,
                                    is_admin=True, job_title="Cheffe de projet", department="Ingénierie")
    bruno = accounts.do_create_user(network, email="bruno@acme.test", display_name="Bruno Petit", password=PASSWORD)
    club = communities.do_create_community(alice, name="Club Qualité", description="Amélioration continue",
                                           visibility="private")
    communities.do_add_member(club, bruno, acting_user=alice)
    post = stream.do_create_post(alice, "Bonjour @bruno, voici le **plan** #qualite", community=club)
    stream.do_create_comment(post, bruno, "Merci !")
    stream.do_add_reaction(bruno, "like", post=post)
    return {"alice": alice, "bruno": bruno, "club": club, "post": post}


def run_axe(page, source: str) -> list[dict]:
    page.evaluate(source)
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [v for v in result if v.get("impact") in ("serious", "critical")]


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_main_pages_have_no_serious_accessibility_violations(place, new_page, shot, axe_source, locale):
    page = new_page(f"axe-{locale}", locale=locale)
    page.goto("/login/")
    assert not run_axe(page, axe_source), "login page"
    sign_in_in(page, locale)
    paths = ["/", "/all/", f"/posts/{place['post'].id}/", f"/communities/{place['club'].id}/",
             f"/communities/{place['club'].id}/members/", "/communities/", "/people/",
             f"/people/{place['bruno'].id}/", "/notifications/", "/settings/profile/", "/topics/qualite/",
             "/admin/people/"]
    problems = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        found = run_axe(page, axe_source)
        if found:
            problems[path] = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in found]
    shot(page, f"axe-home-{locale}")
    assert not problems, problems


def sign_in_in(page, locale: str) -> None:
    if locale.startswith("fr"):
        page.goto("/login/")
        page.get_by_label("Adresse e-mail").fill("alice@acme.test")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(lambda url: "/login/" not in url)
    else:
        sign_in(page, "alice@acme.test")


def test_the_interface_follows_the_browser_language_then_the_profile(place, new_page, shot):
    page = new_page("fr", locale="fr-FR")
    sign_in_in(page, "fr-FR")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name="Toute l’entreprise").or_(
        page.get_by_role("link", name="Toute l'entreprise")).first.is_visible()
    shot(page, "home-in-french")
    accounts.do_update_profile(place["alice"], acting_user=place["alice"], language="en")
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"

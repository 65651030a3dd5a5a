"""POST /api/v1/mail/inbound: the raw message from the mail server, an administrator's admin token."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from mail_helpers import reply_message

from essaim.accounts import actions as accounts
from essaim.mail.addresses import reply_address
from essaim.mail.inbound import MAX_BYTES
from essaim.stream.models import Comment

URL = "/api/v1/mail/inbound"


def _token(user, scopes: str) -> str:
    return accounts.do_create_token(user, scopes=scopes.split(","), acting_user=user)[1]


def _post(raw: bytes, token: str | None, *, query: str = "", content_type: str = "message/rfc822", client=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = (client or Client()).post(URL + query, data=raw, content_type=content_type, headers=headers)
    response.body = json.loads(response.content)
    return response


def _error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.body["error"]["code"] == code and response.body["error"]["message"]
    assert set(response.body["error"]) == {"code", "message", "details"}


@pytest.fixture
def admin_token(world):
    return _token(world.admin, "admin,write")


def test_an_admin_token_delivers_a_reply(world, post_in, admin_token):
    post = post_in("open")
    raw = reply_message(to=reply_address(world.member, post=post), sender="member@acme.test", text="Via curl")
    response = _post(raw, admin_token)
    assert response.status_code == 201, response.content
    comment = Comment.objects.get(post=post)
    assert response.body == {"status": "posted", "kind": "comment", "id": str(comment.id)}
    assert (comment.author_id, comment.body) == (world.member.id, "Via curl")
    again = _post(raw, admin_token, content_type="application/octet-stream")
    assert again.status_code == 200 and again.body == {"status": "duplicate", "kind": "comment", "id": str(comment.id)}


def test_the_envelope_recipient_in_the_query(world, post_in, admin_token):
    post = post_in("open")
    address = reply_address(world.member, post=post)
    raw = reply_message(to="Undisclosed recipients:;", sender="member@acme.test")
    _error(_post(raw, admin_token), 422, "forged")
    assert _post(raw, admin_token, query=f"?recipient={address.replace('+', '%2B')}").status_code == 201


@pytest.mark.parametrize("who,scopes,status,code", [
    ("admin", "write", 403, "admin_required"),
    ("member", "admin,write", 403, "admin_required"),
    ("admin", "read", 403, "insufficient_scope"),
])
def test_other_tokens_are_refused(world, post_in, who, scopes, status, code):
    post = post_in("open")
    raw = reply_message(to=reply_address(world.member, post=post), sender="member@acme.test")
    _error(_post(raw, _token(getattr(world, who), scopes)), status, code)
    assert not Comment.objects.exists()


def test_no_token_or_a_session_is_refused(world, post_in):
    raw = reply_message(to=reply_address(world.member, post=post_in("open")), sender="member@acme.test")
    _error(_post(raw, None), 401, "unauthenticated")
    _error(_post(raw, "ess_not-a-real-token"), 401, "unauthenticated")
    client = Client()
    client.force_login(world.admin)
    _error(_post(raw, None, client=client), 401, "unauthenticated")
    stranger_admin = accounts.do_create_user(world.other_network, email="boss@globex.test", display_name="Boss",
                                             is_admin=True)
    _error(_post(raw, _token(stranger_admin, "admin,write")), 401, "unauthenticated")  # another network's token
    assert not Comment.objects.exists()


@pytest.mark.parametrize("raw,code", [
    (b"", "malformed"),
    (b"not a message", "malformed"),
    (b"From: owner@acme.test\r\nTo: {to}\r\n\r\nHi\r\n", "sender_mismatch"),
    (b"From: member@acme.test\r\nTo: reply+" + b"a" * 34 + b"@acme.example.com\r\n\r\nHi\r\n", "forged"),
    (b"From: member@acme.test\r\nTo: {to}\r\nAuto-Submitted: auto-replied\r\n\r\nAway\r\n", "auto_reply"),
    (b"From: member@acme.test\r\nTo: {to}\r\n\r\n-- \r\nsig\r\n", "empty"),
])
def test_bad_messages_get_422(world, post_in, admin_token, raw, code):
    address = reply_address(world.member, post=post_in("open")).encode()
    _error(_post(raw.replace(b"{to}", address), admin_token), 422, code)
    assert not Comment.objects.exists()


def test_too_large_gets_413(world, post_in, admin_token, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < MAX_BYTES  # the site-wide limit stays lower
    address = reply_address(world.member, post=post_in("open"))
    # Between the site-wide limit and 10 MB: accepted.
    big = reply_message(to=address, sender="member@acme.test", text="Big one", attachment=b"x" * (6 * 1024 * 1024))
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(big) < MAX_BYTES
    assert _post(big, admin_token).status_code == 201
    _error(_post(b"x" * (MAX_BYTES + 1), admin_token), 413, "too_large")
    assert Comment.objects.count() == 1


def test_only_post(world, admin_token):
    response = Client().get(URL, headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 405 and json.loads(response.content)["error"]["code"] == "method_not_allowed"

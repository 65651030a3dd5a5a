"""Signed reply addresses: round trip, case changes, tampering, expiry, tenancy, deleted targets."""

from __future__ import annotations

import base64
import time

import pytest

from essaim.mail import addresses
from essaim.mail.addresses import ReplyAddressError, parse_reply_address, reply_address
from essaim.stream import actions as stream


def _code(address, **kwargs) -> str:
    with pytest.raises(ReplyAddressError) as caught:
        parse_reply_address(address, **kwargs)
    assert caught.value.message  # every refusal explains itself
    return caught.value.code


def test_round_trip_for_each_kind_of_target(world, post_in):
    post = post_in("open")
    comment = stream.do_create_comment(post, world.owner, "First")
    for kwargs, kind, target in (({"post": post}, "post", post), ({"comment": comment}, "comment", comment)):
        address = reply_address(world.member, **kwargs)
        local, _at, domain = address.partition("@")
        assert domain == "acme.example.com" and local.startswith("reply+") and len(local) <= 64
        assert local == local.lower()
        found = parse_reply_address(address)
        assert (found.kind, found.user, found.target, found.network_id) == (kind, world.member, target,
                                                                             world.network.id)
        assert abs(found.issued_at.timestamp() - time.time()) < 5


def test_conversation_round_trip(world):
    messaging = pytest.importorskip("essaim.messaging.actions")
    conversation = messaging.do_start_conversation(world.member, [world.owner.id])
    found = parse_reply_address(reply_address(world.owner, conversation=conversation))
    assert (found.kind, found.target, found.user) == ("conversation", conversation, world.owner)


def test_addresses_differ_by_person_target_and_time(world, post_in):
    post, other = post_in("open"), post_in("open")
    now = time.time()
    seen = {reply_address(world.member, post=post, issued_at=now), reply_address(world.owner, post=post, issued_at=now),
            reply_address(world.member, post=other, issued_at=now),
            reply_address(world.member, post=post, issued_at=now - 60)}
    assert len(seen) == 4
    assert reply_address(world.member, post=post, issued_at=now) in seen  # the same inputs, the same address


def test_case_changes_by_mail_systems_keep_it_valid(world, post_in):
    address = reply_address(world.member, post=post_in("open"))
    assert parse_reply_address(address.upper()).user == world.member
    assert parse_reply_address(address.lower()).user == world.member
    assert parse_reply_address(f'"Essaim" <{address}>').user == world.member


def test_base_address_falls_back_to_the_from_domain(world, post_in, settings):
    settings.ESSAIM_REPLY_ADDRESS = ""
    settings.DEFAULT_FROM_EMAIL = "Essaim <notifications@Mail.Acme.test>"
    address = reply_address(world.member, post=post_in("open"))
    assert address.startswith("reply+") and address.endswith("@mail.acme.test")
    assert parse_reply_address(address).user == world.member


def test_a_tampered_address_is_forged(world, post_in):
    address = reply_address(world.member, post=post_in("open"))
    local, _at, domain = address.partition("@")
    token = local.partition("+")[2]
    for i in (0, len(token) // 2, len(token) - 2):
        changed = token[:i] + ("a" if token[i] != "a" else "b") + token[i + 1:]
        assert _code(f"reply+{changed}@{domain}") == "forged"
    for bad in ("reply@acme.example.com", "reply+@acme.example.com", "reply+hello!@acme.example.com",
                "reply+0189@acme.example.com", "reply+" + "a" * 40 + "@acme.example.com", "", "not an address"):
        assert _code(bad) == "forged", bad


def test_another_persons_id_under_the_same_mac_is_forged(world, post_in):
    """Changing the user id inside the token (re-encoded properly) breaks the MAC."""
    post = post_in("open")
    token = addresses.make_token("post", network_id=world.network.id, target_id=post.id, user_id=world.member.id,
                                 issued_at=int(time.time()))
    raw = bytearray(base64.b32decode(token.upper() + "=" * (-len(token) % 8)))
    forged = addresses.make_token("post", network_id=world.network.id, target_id=post.id, user_id=world.owner.id,
                                  issued_at=int(time.time()))
    forged_raw = base64.b32decode(forged.upper() + "=" * (-len(forged) % 8))
    mixed = bytes(forged_raw[:-addresses.MAC_BYTES]) + bytes(raw[-addresses.MAC_BYTES:])
    assert _code("reply+" + base64.b32encode(mixed).decode().rstrip("=").lower() + "@x.test") == "forged"


def test_the_mac_is_keyed_by_the_secret_key(world, post_in, settings):
    address = reply_address(world.member, post=post_in("open"))
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "another secret key, long enough to be a real one 0123456789"
    assert _code(address) == "forged"
    settings.SECRET_KEY_FALLBACKS = [old]  # a rotated key keeps the addresses already sent working
    assert parse_reply_address(address).user == world.member


def test_an_old_address_is_expired(world, post_in, settings):
    post = post_in("open")
    settings.ESSAIM_REPLY_DAYS = 7
    assert parse_reply_address(reply_address(world.member, post=post, issued_at=time.time() - 6 * 86400))
    assert _code(reply_address(world.member, post=post, issued_at=time.time() - 8 * 86400)) == "expired"
    settings.ESSAIM_REPLY_DAYS = 0  # 0: addresses never expire
    assert parse_reply_address(reply_address(world.member, post=post, issued_at=time.time() - 999 * 86400))


def test_expiry_is_checked_before_the_target(world, post_in):
    post = post_in("open")
    address = reply_address(world.member, post=post, issued_at=time.time() - 40 * 86400)
    stream.do_delete_post(post, acting_user=world.member)
    assert _code(address) == "expired"


def test_other_network(world, post_in):
    post = post_in("open")
    address = reply_address(world.member, post=post)
    assert _code(address, network=world.other_network) == "unknown"
    assert parse_reply_address(address, network=world.network).user == world.member
    # A token naming a person of another network (it could only come from a bug) finds nobody.
    token = addresses.make_token("post", network_id=world.network.id, target_id=post.id, user_id=world.stranger.id,
                                 issued_at=int(time.time()))
    assert _code(f"reply+{token}@acme.example.com") == "unknown"
    with pytest.raises(ValueError):
        reply_address(world.stranger, post=post)


def test_deleted_targets_are_unknown(world, post_in):
    post = post_in("open")
    comment = stream.do_create_comment(post, world.owner, "First")
    to_comment = reply_address(world.member, comment=comment)
    stream.do_delete_comment(comment, acting_user=world.owner)
    assert _code(to_comment) == "unknown"
    other = stream.do_create_comment(post, world.owner, "Second")
    to_post, to_other = reply_address(world.member, post=post), reply_address(world.member, comment=other)
    stream.do_delete_post(post, acting_user=world.member)
    assert _code(to_post) == "unknown"
    assert _code(to_other) == "unknown"  # a comment on a deleted post


def test_local_part_stays_within_64_characters_with_large_ids(settings):
    token = addresses.make_token("conversation", network_id=2**20, target_id=2**40, user_id=2**35,
                                 issued_at=int(time.time()))
    assert len("reply+" + token) <= 64
    assert set(token) <= set("abcdefghijklmnopqrstuvwxyz234567")


def test_one_target(world, post_in):
    post, other = post_in("open"), post_in("open")
    comment = stream.do_create_comment(post, world.owner, "x")
    with pytest.raises(ValueError):
        reply_address(world.member)
    # A comment with its post: the reply goes into the comment's thread.
    assert parse_reply_address(reply_address(world.member, post=post, comment=comment)).target == comment
    with pytest.raises(ValueError):
        reply_address(world.member, post=other, comment=comment)
    with pytest.raises(ValueError):
        reply_address(world.member, post=post, conversation=object())

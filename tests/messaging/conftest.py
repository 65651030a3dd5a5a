"""Fixtures for the direct-message tests, on top of the shared `world` (tests/conftest.py):
bearer tokens, signed-in page clients and ready-made conversations.

`chat` is the one-to-one conversation of member and owner; `group` the group conversation of
member, owner and moderator, titled "Launch"; each has one message by member."""

from __future__ import annotations

import pytest

from essaim.accounts import actions as accounts
from essaim.messaging import actions as messaging


@pytest.fixture
def chat(world):
    conversation = messaging.do_start_conversation(world.member, [world.owner.id])
    messaging.do_send_message(conversation, "Hello owner, a word about the budget", acting_user=world.member)
    return conversation


@pytest.fixture
def group(world):
    conversation = messaging.do_start_conversation(world.member, [world.owner.id, world.moderator.id],
                                                   title="Launch")
    messaging.do_send_message(conversation, "Kick-off on **Monday**", acting_user=world.member)
    return conversation


@pytest.fixture
def more_people(world):
    """more_people(n, network=acme) -> n more people."""

    def make(n: int, network=None, prefix: str = "person") -> list:
        network = network or world.network
        return [accounts.do_create_user(network, email=f"{prefix}{i}@{network.slug}.test", display_name=f"P {i}",
                                        handle=f"{prefix}{i}") for i in range(n)]

    return make

"""Fixtures for reply by e-mail: settings, a real mail gate on a free port, SMTP sessions."""

from __future__ import annotations

import pytest
from mail_helpers import REPLY_DOMAIN, Session, free_port

from essaim.mail.gate import make_controller


@pytest.fixture(autouse=True)
def _reply_settings(settings):
    settings.ESSAIM_REPLY_ADDRESS = f"reply@{REPLY_DOMAIN}"
    settings.ESSAIM_REPLY_DAYS = 30


@pytest.fixture
def start_gate():
    """start_gate(lmtp=False) -> (host, port) of a running mail gate, stopped after the test."""
    started = []

    def start(lmtp: bool = False):
        controller = make_controller(host="127.0.0.1", port=free_port(), lmtp=lmtp)
        controller.start()
        started.append(controller)
        return controller.hostname, controller.port

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def smtp_session():
    opened = []

    def open_(host, port, *, lmtp=False) -> Session:
        session = Session(host, port, lmtp=lmtp)
        opened.append(session)
        return session

    yield open_
    for session in opened:
        session.close()

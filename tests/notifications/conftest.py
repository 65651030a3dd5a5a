"""A real SMTP server for the notification e-mails: aiosmtpd on a free loopback port."""

from __future__ import annotations

import email
from email import policy

import pytest
from notification_helpers import BASE_URL

from essaim.notifications.bench import SmtpSink


@pytest.fixture
def smtp(settings):
    """Mail goes through a real SMTP server; `smtp.messages()` parses what it received."""
    sink = SmtpSink().start()
    for name, value in sink.settings().items():
        setattr(settings, name, value)
    settings.ESSAIM_BASE_URL = BASE_URL
    sink.messages = lambda: [email.message_from_bytes(e.original_content, policy=policy.default)
                             for e in sink.envelopes]
    yield sink
    sink.stop()

"""Transactional e-mail, sent after the writing transaction commits."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

log = logging.getLogger(__name__)


def send_on_commit(*, to: str, template: str, context: dict, language: str | None = None) -> None:
    """Render templates/email/<template>.{subject,txt,html} in the recipient's language and send
    once the transaction commits."""

    def send() -> None:
        with translation.override(language or settings.LANGUAGE_CODE):
            ctx = {"base_url": settings.ESSAIM_BASE_URL, **context}
            subject = render_to_string(f"email/{template}.subject.txt", ctx).strip().replace("\n", " ")
            text = render_to_string(f"email/{template}.txt", ctx)
            html = render_to_string(f"email/{template}.html", ctx)
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except Exception:  # delivery trouble is logged; the write it follows stands
            log.exception("could not send %s e-mail", template)

    transaction.on_commit(send)

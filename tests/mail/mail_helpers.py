"""Helpers for the reply-by-e-mail tests: reply messages as raw bytes, SMTP sessions."""

from __future__ import annotations

import smtplib
import socket
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from essaim.stream.models import Comment

REPLY_DOMAIN = "acme.example.com"


def crlf(raw: bytes | str) -> bytes:
    """Raw message text with CRLF line endings, as SMTP carries it."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def reply_message(*, to: str, sender: str, text: str | None = "Count me in!\n\nOn Thu, Nov 26, 2026 at 10:02 AM "
                  "Essaim <essaim@acme.example.com> wrote:\n> Who comes on Thursday?\n",
                  html: str | None = None, message_id: str | None = None, headers: dict | None = None,
                  attachment: bytes | None = None) -> bytes:
    """A reply as a mail client sends it (CRLF line endings)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Re: Alice Martin commented on your post"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id or make_msgid(domain="client.test")
    for name, value in (headers or {}).items():
        msg[name] = value
    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="big.bin")
    return msg.as_bytes(policy=policy.SMTP)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Session:
    """One SMTP (or LMTP) conversation, command by command, keeping every reply."""

    def __init__(self, host: str, port: int, *, lmtp: bool = False):
        self.client = smtplib.LMTP(host, port) if lmtp else smtplib.SMTP(host, port, timeout=30)
        self.client.ehlo_or_helo_if_needed()

    def send(self, sender: str, recipient: str, raw: bytes) -> tuple[int, str, int | None, str]:
        """(RCPT code, RCPT text, DATA code or None when RCPT was refused, DATA text)."""
        self.client.rset()
        code, text = self.client.mail(sender)
        assert code == 250, text
        rcpt_code, rcpt_text = self.client.rcpt(recipient)
        if rcpt_code != 250:
            return rcpt_code, rcpt_text.decode(), None, ""
        data_code, data_text = self.client.data(crlf(raw))
        return rcpt_code, rcpt_text.decode(), data_code, data_text.decode()

    def close(self) -> None:
        try:
            self.client.quit()
        except smtplib.SMTPException:
            self.client.close()


def comment_count() -> int:
    return Comment.objects.count()

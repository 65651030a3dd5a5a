"""The mail gate over a real SMTP (and LMTP) session on 127.0.0.1.

The gate works in its own threads, so these tests commit their data (transaction=True) for the
gate to see it."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import threading
import time

import pytest
from mail_helpers import comment_count, crlf, free_port, reply_message

from essaim.mail.addresses import reply_address
from essaim.mail.gate import run_gate
from essaim.mail.inbound import MAX_BYTES
from essaim.mail.models import InboundMessage
from essaim.stream import actions as stream
from essaim.stream.models import Comment

pytestmark = pytest.mark.django_db(transaction=True)

MEMBER = "Member <member@acme.test>"


def test_a_reply_over_smtp_becomes_a_comment(world, post_in, start_gate, smtp_session):
    post = post_in("open", author=world.owner)
    address = reply_address(world.member, post=post)
    session = smtp_session(*start_gate())
    raw = reply_message(to=address, sender=MEMBER, text="Count me in! 🎉\n\nSent from my iPhone\n\n"
                        "> On Nov 26, 2026, at 10:02, Essaim <e@acme.example.com> wrote:\n> Who comes?\n")
    rcpt_code, _rcpt, data_code, data_text = session.send("member@acme.test", address, raw)
    assert (rcpt_code, data_code) == (250, 250) and "2.0.0 Reply posted" in data_text
    comment = Comment.objects.get(post=post)
    assert (comment.author_id, comment.body, comment.parent_id) == (world.member.id, "Count me in! 🎉", None)

    # The same message again (the mail server retrying): accepted, nothing new.
    assert session.send("member@acme.test", address, raw)[2:] == (250, "2.0.0 Already posted")
    assert Comment.objects.filter(post=post).count() == 1 and InboundMessage.objects.count() == 1


def test_refusals_over_smtp_change_nothing(world, post_in, start_gate, smtp_session):
    post = post_in("open", author=world.owner)
    address = reply_address(world.member, post=post)
    session = smtp_session(*start_gate())
    before = comment_count()

    local, _at, domain = address.partition("@")
    forged = f"{local[:-3]}{'b' if local[-3] != 'b' else 'c'}{local[-2:]}@{domain}"
    code, text, data_code, _ = session.send("member@acme.test", forged, reply_message(to=forged, sender=MEMBER))
    assert (code, data_code) == (550, None) and text.startswith("5.1.1") and "[forged]" in text

    expired = reply_address(world.member, post=post, issued_at=time.time() - 31 * 86400)
    code, text, _, _ = session.send("member@acme.test", expired, reply_message(to=expired, sender=MEMBER))
    assert code == 550 and text.startswith("5.1.1") and "expired" in text

    code, text, _, _ = session.send("member@acme.test", "someone@acme.example.com",
                                    reply_message(to="someone@acme.example.com", sender=MEMBER))
    assert code == 550 and text.startswith("5.1.1")

    def data(raw: bytes, sender: str = "member@acme.test") -> tuple[int, str]:
        rcpt_code, _t, data_code, data_text = session.send(sender, address, raw)
        assert rcpt_code == 250
        return data_code, data_text

    code, text = data(reply_message(to=address, sender="Owner <owner@acme.test>"), sender="owner@acme.test")
    assert code == 550 and text.startswith("5.6.0") and "[sender_mismatch]" in text

    code, text = data(reply_message(to=address, sender=MEMBER, headers={"Auto-Submitted": "auto-replied"},
                                    text="I am out of the office."))
    assert code == 550 and "[auto_reply]" in text

    code, text = data(crlf(f"From: member@acme.test\nTo: {address}\nMIME-Version: 1.0\n"
                           "Content-Type: multipart/mixed; boundary=zz\n\nno boundary here\n"))
    assert code == 550 and text.startswith("5.6.0") and "[malformed]" in text

    code, text = data(reply_message(to=address, sender=MEMBER, text="-- \nMember\n"))
    assert code == 550 and "[empty]" in text

    assert comment_count() == before and not InboundMessage.objects.exists()

    # Deleted in the meantime: refused at RCPT.
    stream.do_delete_post(post, acting_user=world.owner)
    code, text, _, _ = session.send("member@acme.test", address, reply_message(to=address, sender=MEMBER))
    assert code == 550 and "[unknown]" in text


def test_a_message_over_10_mb_is_refused_with_552(world, post_in, start_gate, smtp_session):
    post = post_in("open")
    address = reply_address(world.member, post=post)
    raw = reply_message(to=address, sender=MEMBER, attachment=os.urandom(MAX_BYTES * 3 // 4 + 4096))
    assert len(raw) > MAX_BYTES
    session = smtp_session(*start_gate())
    rcpt_code, _t, data_code, data_text = session.send("member@acme.test", address, raw)
    assert (rcpt_code, data_code) == (250, 552) and data_text.startswith("5.3.4")
    assert not Comment.objects.exists()
    # The session goes on: the next reply is posted.
    assert session.send("member@acme.test", address, reply_message(to=address, sender=MEMBER))[2] == 250


def test_html_only_and_comment_threads(world, post_in, start_gate, smtp_session):
    post = post_in("open", author=world.owner)
    top = stream.do_create_comment(post, world.owner, "Who brings the cake?")
    address = reply_address(world.member, comment=top)
    session = smtp_session(*start_gate())
    raw = reply_message(to=address, sender=MEMBER, text=None,
                        html="<p>I do, a <b>chocolate</b> one.</p><blockquote type=\"cite\">Who brings?</blockquote>")
    assert session.send("member@acme.test", address, raw)[2] == 250
    reply = Comment.objects.get(parent=top)
    assert (reply.author_id, reply.body) == (world.member.id, "I do, a chocolate one.")


def test_one_reply_address_per_smtp_transaction(world, post_in, start_gate):
    post = post_in("open")
    first, second = reply_address(world.member, post=post), reply_address(world.owner, post=post)
    host, port = start_gate()
    with smtplib.SMTP(host, port, timeout=30) as client:
        client.ehlo()
        client.mail("member@acme.test")
        assert client.rcpt(first)[0] == 250
        code, text = client.rcpt(second)
        assert code == 452 and text.startswith(b"4.5.3")


def test_lmtp(world, post_in, start_gate, smtp_session):
    post = post_in("open", author=world.owner)
    member_address, owner_address = reply_address(world.member, post=post), reply_address(world.owner, post=post)
    session = smtp_session(*start_gate(lmtp=True), lmtp=True)
    raw = reply_message(to=member_address, sender=MEMBER, text="Via LMTP")
    assert session.send("member@acme.test", member_address, raw)[2:] == (250, "2.0.0 Reply posted")
    assert Comment.objects.get(post=post).body == "Via LMTP"

    # LMTP answers after DATA once per recipient: posted for one, refused for the other.
    client = session.client
    client.rset()
    client.mail("member@acme.test")
    assert client.rcpt(member_address)[0] == 250 and client.rcpt(owner_address)[0] == 250
    raw = reply_message(to=member_address, sender=MEMBER, text="To both")
    client.putcmd("data")
    assert client.getreply()[0] == 354
    client.send(crlf(raw) + b".\r\n")
    replies = [client.getreply(), client.getreply()]
    assert [code for code, _text in replies] == [250, 550]
    assert b"[sender_mismatch]" in replies[1][1]
    assert Comment.objects.filter(post=post).count() == 2


def test_run_gate_stops_cleanly_on_sigterm(world):
    port, said = free_port(), []

    def stop_when_listening():
        for _attempt in range(100):
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
                    assert client.noop()[0] == 250
                break
            except OSError:
                time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    threading.Thread(target=stop_when_listening, daemon=True).start()
    run_gate(host="127.0.0.1", port=port, announce=said.append)
    assert "listening on 127.0.0.1:%d" % port in said[0] and "stopped" in said[-1]
    assert signal.getsignal(signal.SIGTERM) is previous
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass  # the port is closed


def test_run_gate_reports_a_busy_port(world):
    from essaim.core.errors import EssaimError

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        started = time.monotonic()
        with pytest.raises(EssaimError, match="cannot listen"):
            run_gate(host="127.0.0.1", port=busy.getsockname()[1], announce=lambda _m: None)
        assert time.monotonic() - started < 3

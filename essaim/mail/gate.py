"""The mail gate: a small SMTP or LMTP server that turns replies into comments and messages.

Put it behind the site's mail server (Postfix, Exim…), which routes the reply addresses to it.
Recipients are checked at RCPT time (a forged or expired address is refused before the message is
sent); each message is then posted through `inbound.process_message`. Database work runs in a
few worker threads, never in the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import socket
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

from .addresses import ReplyAddressError, base_address, parse_reply_address
from .inbound import MAX_BYTES, Outcome, process_message

log = logging.getLogger(__name__)

DATA_SIZE_LIMIT = MAX_BYTES + 512 * 1024  # room for transfer overhead; process_message checks MAX_BYTES itself
MAX_RECIPIENTS = 20  # LMTP: recipients in one transaction
WORKERS = 4


def smtp_text(message: str, limit: int = 300) -> str:
    """One line of printable ASCII for an SMTP reply (accents dropped, not the letters)."""
    folded = unicodedata.normalize("NFKD", " ".join(str(message).split()))
    text = "".join(c for c in folded if 32 <= ord(c) < 127)
    return text[:limit].rstrip() or "Refused"


def _with_database(fn, *args, **kwargs):
    """Run Django code in a worker thread: stale connections dropped before, the thread's own
    connections closed after (mail is rare; no connection is left behind at shutdown)."""
    from django.db import close_old_connections, connections

    close_old_connections()
    try:
        return fn(*args, **kwargs)
    finally:
        connections.close_all()


def check_recipient(address: str) -> str | None:
    """None when `address` is a usable reply address, else the reason, for "550 5.1.1"."""
    try:
        parse_reply_address(address)
    except ReplyAddressError as exc:
        return f"{exc.message} [{exc.code}]"
    return None


def smtp_status(outcome: Outcome) -> str:
    if outcome.ok:
        return "250 2.0.0 Reply posted" if outcome.code == "posted" else "250 2.0.0 Already posted"
    if outcome.code == "too_large":
        return "552 5.3.4 Message too large"
    return f"550 5.6.0 {smtp_text(outcome.message)} [{outcome.code}]"


class ReplyHandler:
    """aiosmtpd handler: RCPT checks the reply address, DATA posts the reply."""

    def __init__(self, *, lmtp: bool = False, workers: int = WORKERS):
        self.lmtp = lmtp
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="essaim-mailgate")

    async def _in_thread(self, fn, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(_with_database, fn, *args, **kwargs))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if envelope.rcpt_tos and not self.lmtp:
            # Plain SMTP gives one answer for all recipients: one reply address per transaction.
            return "452 4.5.3 One reply address per message; send the others separately"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            reason = await self._in_thread(check_recipient, address)
        except Exception:
            log.exception("could not check the recipient %s", address)
            return "451 4.3.0 Temporary failure, try again later"
        if reason:
            return f"550 5.1.1 {smtp_text(reason)}"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        statuses = []
        for recipient in envelope.rcpt_tos:
            try:
                outcome = await self._in_thread(process_message, raw, recipient=recipient)
                statuses.append(smtp_status(outcome))
            except Exception:
                log.exception("could not process a reply to %s", recipient)
                statuses.append("451 4.3.0 Temporary failure, try again later")
        # LMTP answers once per recipient; plain SMTP has one recipient (see handle_RCPT).
        return "\r\n".join(statuses) if self.lmtp else statuses[0]

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


class GateController(Controller):
    """An aiosmtpd Controller (server in a background thread) speaking SMTP or LMTP."""

    def __init__(self, *, host: str, port: int, lmtp: bool = False, workers: int = WORKERS,
                 ready_timeout: float = 10.0):
        self.lmtp = lmtp
        super().__init__(ReplyHandler(lmtp=lmtp, workers=workers), hostname=host, port=port,
                         ready_timeout=ready_timeout, server_hostname=base_address()[1],
                         data_size_limit=DATA_SIZE_LIMIT, enable_SMTPUTF8=True, timeout=120)

    def factory(self):
        return (LMTP if self.lmtp else SMTP)(self.handler, **self.SMTP_kwargs)

    def stop(self, no_assert: bool = False):
        try:
            super().stop(no_assert=no_assert)
        finally:
            self.handler.close()


def make_controller(*, host: str = "127.0.0.1", port: int, lmtp: bool = False) -> GateController:
    """A mail gate ready to `.start()` (it then serves from a background thread) and `.stop()`."""
    return GateController(host=host, port=port, lmtp=lmtp)


def _check_free(host: str, port: int) -> None:
    for family, type_, proto, _name, address in socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                                   flags=socket.AI_PASSIVE):
        with socket.socket(family, type_, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)


def run_gate(*, host: str, port: int, lmtp: bool = False, announce=print,
             stop: threading.Event | None = None) -> None:
    """Serve until SIGINT or SIGTERM (or until `stop` is set), then stop cleanly: the messages
    being posted are finished, the port is released."""
    from essaim.core.errors import EssaimError

    stopping = stop or threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda signum, frame: stopping.set())
    controller = make_controller(host=host, port=port, lmtp=lmtp)
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        try:
            _check_free(host, port)  # aiosmtpd would only notice after its start-up timeout
            controller.start()
        except OSError as exc:
            raise EssaimError(f"cannot listen on {where}: {exc.strerror or exc}", code="listen_failed") from None
        announce(f"Essaim mail gate ({'LMTP' if lmtp else 'SMTP'}) listening on {where}. Stop with Ctrl+C.")
        while not stopping.wait(0.5):
            pass
    finally:
        try:
            if getattr(controller, "_thread", None) is not None:
                controller.stop()
            else:
                controller.handler.close()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    announce("Essaim mail gate stopped.")

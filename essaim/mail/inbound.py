"""One received e-mail reply, from raw bytes to a comment or a direct message.

Used by the mail gate (SMTP/LMTP) and by the HTTP intake. Every refusal has a reason code and a
clear message, and writes nothing; a message delivered twice (same Message-ID) posts once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from email import errors as email_errors
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from essaim.core.errors import EssaimError, NotFound

from .addresses import COMMENT, CONVERSATION, POST, ReplyAddressError, ReplyTarget, parse_reply_address
from .models import InboundMessage
from .parsing import extract_reply

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
# Where the reply address may be found when the envelope recipient is not given, most telling first.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")
MAX_CANDIDATES = 50

POSTED, DUPLICATE = "posted", "duplicate"
REFUSALS = ("too_large", "malformed", "auto_reply", "forged", "expired", "unknown", "sender_mismatch", "inactive",
            "empty")

# Defects after which the message cannot be trusted to be what the sender wrote.
_FATAL_DEFECTS = (email_errors.NoBoundaryInMultipartDefect, email_errors.StartBoundaryNotFoundDefect,
                  email_errors.CloseBoundaryNotFoundDefect, email_errors.MultipartInvariantViolationDefect,
                  email_errors.MissingHeaderBodySeparatorDefect, email_errors.FirstHeaderLineIsContinuationDefect)


@dataclass(frozen=True)
class Outcome:
    """What became of a message: `ok` (posted, or already posted), a `code` ("posted",
    "duplicate" or one of REFUSALS) and a `message` for the sender, in their language."""

    ok: bool
    code: str
    message: str
    kind: str | None = None  # "comment" or "message" once posted
    object_id: int | None = None

    def __bool__(self) -> bool:
        return self.ok


def _messages() -> dict[str, str]:
    return {
        "too_large": _("The message is too large (at most %(mb)d MB).") % {"mb": MAX_BYTES // (1024 * 1024)},
        "malformed": _("The message could not be read: its MIME structure is broken."),
        "auto_reply": _("Automatic replies (out of office, delivery reports, mailing lists) are not posted."),
        "sender_mismatch": _("This reply address was sent to another e-mail address: reply from the address "
                             "that received the notification."),
        "inactive": _("Your account is deactivated, so your reply was not posted."),
        "unknown": str(ReplyAddressError.MESSAGES["unknown"]),
        "empty": _("Your reply is empty once the quoted message and the signature are removed."),
        POSTED: _("Reply posted."),
        DUPLICATE: _("This message was already posted."),
    }


def message_for(code: str) -> str:
    """The message for an outcome code, in the active language."""
    return _messages()[code]


def _refused(code: str, message: str | None = None) -> Outcome:
    return Outcome(False, code, message or message_for(code))


class _Refusal(Exception):
    def __init__(self, outcome: Outcome):
        self.outcome = outcome


class _Malformed(Exception):
    pass


# --- reading the message -------------------------------------------------------------------------

def parse_bytes(raw: bytes):
    """The message, or _Malformed when its MIME structure is broken or it has no sender."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        if not message.keys():
            raise _Malformed(_("The message has no headers."))
        for part in message.walk():
            if any(isinstance(d, _FATAL_DEFECTS) for d in part.defects):
                raise _Malformed(_messages()["malformed"])
        if not _senders(message):
            raise _Malformed(_("The message has no sender address (From)."))
    except _Malformed:
        raise
    except Exception:  # the parser or a header class choking on what it was given
        raise _Malformed(_messages()["malformed"]) from None
    return message


def _senders(message) -> list[str]:
    values = [str(v) for v in message.get_all("From", [])]
    return [addr for _name, addr in getaddresses(values) if "@" in addr]


def is_auto_reply(message) -> bool:
    auto = str(message.get("Auto-Submitted", "") or "").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return True
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return True
    if str(message.get("Precedence", "") or "").strip().lower() in {"bulk", "auto_reply", "list", "junk"}:
        return True
    return message.get_content_type() == "multipart/report"  # delivery and read reports


def _candidates(message, recipient: str | None) -> list[str]:
    if recipient:
        return [recipient]
    values = []
    for name in RECIPIENT_HEADERS:
        values.extend(str(v) for v in message.get_all(name, []))
    seen, out = set(), []
    for _name, addr in getaddresses(values):
        key = addr.lower()
        if "+" in addr.partition("@")[0] and key not in seen:
            seen.add(key)
            out.append(addr)
    return out[:MAX_CANDIDATES]


def find_target(message, recipient: str | None = None, *, network=None) -> ReplyTarget:
    """The first reply address among the recipients that is valid; when none is, the most telling
    error ("unknown" before "expired" before "forged")."""
    best: ReplyAddressError | None = None
    rank = {"forged": 0, "expired": 1, "unknown": 2}
    candidates = _candidates(message, recipient)
    for address in candidates:
        try:
            return parse_reply_address(address, network=network)
        except ReplyAddressError as exc:
            if best is None or rank.get(exc.code, 0) > rank.get(best.code, 0):
                best = exc
    if best is None:
        raise ReplyAddressError("not_reply")
    raise best


def message_key(message, raw: bytes) -> str:
    """The Message-ID (a hash of it when very long), or a hash of the whole message without one."""
    value = str(message.get("Message-ID", "") or "").strip()
    if not value:
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    if len(value) > 255:
        return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()
    return value


# --- the whole path ------------------------------------------------------------------------------

def process_message(raw: bytes, *, recipient: str | None = None, network=None) -> Outcome:
    """Post the reply in `raw` (an RFC 5322 message) as its sender: a comment on a post, a reply in
    a comment's thread, or a direct message, depending on the reply address (`recipient`, the
    envelope recipient, or else the first reply address in Delivered-To, X-Original-To, To, Cc).
    With `network`, only reply addresses of that network are accepted."""
    if len(raw) > MAX_BYTES:
        return _refused("too_large")
    try:
        message = parse_bytes(raw)
    except _Malformed as exc:
        return _refused("malformed", str(exc))
    if is_auto_reply(message):
        return _refused("auto_reply")
    try:
        target = find_target(message, recipient, network=network)
    except ReplyAddressError as exc:
        return _refused(exc.code, exc.message)
    with translation.override(target.user.language or settings.LANGUAGE_CODE):
        try:
            with transaction.atomic():
                return _deliver(message, raw, target)
        except _Refusal as refusal:
            return refusal.outcome


def _deliver(message, raw: bytes, target: ReplyTarget) -> Outcome:
    user = target.user
    senders = _senders(message)
    if len(senders) != 1 or senders[0].casefold() != user.email.strip().casefold():
        raise _Refusal(_refused("sender_mismatch"))
    if not user.is_active:
        raise _Refusal(_refused("inactive"))
    place = _access(target)
    key = message_key(message, raw)
    done = _already_posted(target.network_id, key)
    if done is not None:
        return _duplicate(done)
    try:
        body = extract_reply(message)
    except Exception:
        log.warning("could not extract the text of an e-mail reply", exc_info=True)
        raise _Refusal(_refused("malformed")) from None
    if not body.strip():
        raise _Refusal(_refused("empty"))
    try:
        with transaction.atomic():  # a savepoint: the same message delivered at the same moment
            row = InboundMessage.objects.create(network_id=target.network_id, message_id=key, user=user)
    except IntegrityError:
        return _duplicate(InboundMessage.objects.get(network_id=target.network_id, message_id=key))
    try:
        if target.kind == CONVERSATION:
            from essaim.messaging.actions import do_send_message

            created = do_send_message(place, body, acting_user=user)
            kind = InboundMessage.Kind.MESSAGE
        else:
            from essaim.stream.actions import do_create_comment

            if target.kind == POST:
                created = do_create_comment(place, user, body)
            else:
                created = do_create_comment(place.post, user, body, parent=place)
            kind = InboundMessage.Kind.COMMENT
    except NotFound:
        raise _Refusal(_refused("unknown")) from None
    except EssaimError as exc:  # too long, no longer allowed: the action's own words
        raise _Refusal(_refused(exc.code, exc.message)) from None
    row.kind, row.object_id = kind, created.pk
    row.save(update_fields=["kind", "object_id"])
    return Outcome(True, POSTED, _messages()[POSTED], kind=str(kind), object_id=created.pk)


def _access(target: ReplyTarget):
    """The target through the same access check as pages and the API, as the person replying."""
    try:
        if target.kind == POST:
            from essaim.stream.access import access_post

            return access_post(target.user, target.target.pk)
        if target.kind == COMMENT:
            from essaim.stream.access import access_comment

            return access_comment(target.user, target.target.pk)
        from essaim.messaging.access import access_conversation

        return access_conversation(target.user, target.target.pk)
    except NotFound:
        raise _Refusal(_refused("unknown")) from None


def _already_posted(network_id: int, key: str) -> InboundMessage | None:
    return InboundMessage.objects.filter(network_id=network_id, message_id=key).first()


def _duplicate(row: InboundMessage) -> Outcome:
    return Outcome(True, DUPLICATE, _messages()[DUPLICATE], kind=row.kind or None, object_id=row.object_id)


"""Signed reply addresses: `reply+<token>@<domain>`, one per (network, person, target, issue time).

The token is lowercase base32 (mail systems may change the case of a local part; base32 does not
care) of:

    one byte        version (high 4 bits) and target kind (low 4 bits)
    four varints    network id, target id, user id, issue time (Unix seconds)
    ten bytes       HMAC-SHA256 of the above, truncated to 80 bits, keyed from SECRET_KEY

With ids below a few billion the local part stays well under the 64 characters of RFC 5321.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

SALT = "essaim.mail.reply-address"
VERSION = 1
MAC_BYTES = 10  # 80 bits
MAX_LOCAL_PART = 64

POST, COMMENT, CONVERSATION = "post", "comment", "conversation"
_KIND_CODES = {POST: 1, COMMENT: 2, CONVERSATION: 3}
_KIND_NAMES = {code: name for name, code in _KIND_CODES.items()}
_BASE32 = set("abcdefghijklmnopqrstuvwxyz234567")


class ReplyAddressError(Exception):
    """A reply address that cannot be used. `code` is one of "forged", "expired", "unknown"."""

    MESSAGES = {
        "forged": _("This reply address is not valid: it was not issued by this site or it was altered."),
        "not_reply": _("This is not a reply address of this site."),
        "expired": _("This reply address has expired: open the conversation on the site to reply."),
        "unknown": _("What you reply to no longer exists, or you can no longer see it."),
    }

    def __init__(self, code: str, message=None):
        self.code = "forged" if code == "not_reply" else code  # no token at all: unusable like a bad one
        self._message = message or self.MESSAGES[code]
        super().__init__(code)

    @property
    def message(self) -> str:
        return str(self._message)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ReplyTarget:
    """What a reply address points at, checked and loaded."""

    kind: str  # "post" (the reply becomes a comment), "comment" (a reply in its thread), "conversation"
    network_id: int
    user: object  # the person the address was issued to
    target: object  # the Post, Comment or Conversation
    issued_at: datetime

    @property
    def target_id(self) -> int:
        return self.target.pk


# --- the address ---------------------------------------------------------------------------------

def base_address() -> tuple[str, str]:
    """(local part, domain) of ESSAIM_REPLY_ADDRESS, or reply@<domain of DEFAULT_FROM_EMAIL>."""
    configured = (getattr(settings, "ESSAIM_REPLY_ADDRESS", "") or "").strip()
    if configured:
        local, _at, domain = parseaddr(configured)[1].rpartition("@")
        if local and domain:
            return local, domain.lower()
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return "reply", domain.lower()


def reply_address(user, *, post=None, comment=None, conversation=None,
                  issued_at: datetime | float | None = None) -> str:
    """The address `user` replies to by e-mail: to `post` (a comment), to `comment` (a reply in its
    thread; `post` may be given too, as the comment's post) or in `conversation` (a direct message)."""
    if comment is not None and post is not None:
        if comment.post_id != post.pk:
            raise ValueError("the comment is not on this post")
        post = None
    targets = [(kind, obj) for kind, obj in ((POST, post), (COMMENT, comment), (CONVERSATION, conversation))
               if obj is not None]
    if len(targets) != 1:
        raise ValueError("reply_address needs one of post, comment or conversation")
    kind, target = targets[0]
    if target.network_id != user.network_id:
        raise ValueError("the person and the target belong to different networks")
    if issued_at is None:
        stamp = int(time.time())
    elif isinstance(issued_at, datetime):
        stamp = int(issued_at.timestamp())
    else:
        stamp = int(issued_at)
    token = make_token(kind, network_id=user.network_id, target_id=target.pk, user_id=user.pk, issued_at=stamp)
    local, domain = base_address()
    return f"{local}+{token}@{domain}"


def make_token(kind: str, *, network_id: int, target_id: int, user_id: int, issued_at: int) -> str:
    payload = bytes([(VERSION << 4) | _KIND_CODES[kind]]) + b"".join(
        _varint(v) for v in (network_id, target_id, user_id, issued_at))
    raw = payload + _mac(payload, settings.SECRET_KEY)
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def parse_reply_address(address: str, *, network=None, now: float | None = None) -> ReplyTarget:
    """The target of a reply address, checked: raises ReplyAddressError "forged" (not ours, altered
    or unreadable), "expired" (older than ESSAIM_REPLY_DAYS days) or "unknown" (the person or the
    target is gone, or belongs to another network than `network` when given)."""
    kind, network_id, target_id, user_id, stamp = _read_token(_token_of(address))
    days = int(getattr(settings, "ESSAIM_REPLY_DAYS", 30) or 0)
    if days > 0 and (now if now is not None else time.time()) - stamp > days * 86400:
        raise ReplyAddressError("expired")
    if network is not None and network.id != network_id:
        raise ReplyAddressError("unknown")
    user, target = _load(kind, network_id, target_id, user_id)
    return ReplyTarget(kind=kind, network_id=network_id, user=user, target=target,
                       issued_at=datetime.fromtimestamp(stamp, tz=dt_timezone.utc))


def looks_like_reply_address(address: str) -> bool:
    """Whether the address has the shape of a reply address (a "+token" local part); says nothing
    about its validity."""
    try:
        _token_of(address)
    except ReplyAddressError:
        return False
    return True


# --- the token -----------------------------------------------------------------------------------

def _mac(payload: bytes, secret) -> bytes:
    return salted_hmac(SALT, payload, secret=secret, algorithm="sha256").digest()[:MAC_BYTES]


def _varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("negative value in a reply token")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varints(data: bytes, count: int) -> list[int]:
    values, pos = [], 0
    for _i in range(count):
        value = shift = 0
        while True:
            if pos >= len(data) or shift > 63:
                raise ReplyAddressError("forged")
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        values.append(value)
    if pos != len(data):
        raise ReplyAddressError("forged")
    return values


def _token_of(address: str) -> str:
    addr = parseaddr(address or "")[1] or (address or "").strip().strip("<>")
    local, at, _domain = addr.rpartition("@")
    if not at:
        local = addr
    if "+" not in local:
        raise ReplyAddressError("not_reply")
    token = local.rpartition("+")[2].lower()
    if not token or not set(token) <= _BASE32 or len(token) > MAX_LOCAL_PART:
        raise ReplyAddressError("forged")
    return token


def _read_token(token: str) -> tuple[str, int, int, int, int]:
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
    except (binascii.Error, ValueError):
        raise ReplyAddressError("forged") from None
    if len(raw) < MAC_BYTES + 5:
        raise ReplyAddressError("forged")
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    valid = False
    for secret in secrets:  # every key is tried: the time taken does not depend on which one matches
        valid |= hmac.compare_digest(_mac(payload, secret), mac)
    if not valid:
        raise ReplyAddressError("forged")
    version, kind_code = payload[0] >> 4, payload[0] & 0x0F
    if version != VERSION or kind_code not in _KIND_NAMES:
        raise ReplyAddressError("forged")
    network_id, target_id, user_id, stamp = _read_varints(payload[1:], 4)
    return _KIND_NAMES[kind_code], network_id, target_id, user_id, stamp


def _load(kind: str, network_id: int, target_id: int, user_id: int):
    from essaim.accounts.models import User

    user = User.objects.select_related("network").filter(pk=user_id, network_id=network_id).first()
    if user is None:
        raise ReplyAddressError("unknown")
    if kind == POST:
        from essaim.stream.models import Post

        target = Post.objects.filter(pk=target_id, network_id=network_id, deleted_at__isnull=True).first()
    elif kind == COMMENT:
        from essaim.stream.models import Comment

        target = Comment.objects.select_related("post").filter(
            pk=target_id, network_id=network_id, deleted_at__isnull=True, post__deleted_at__isnull=True).first()
    else:
        from essaim.messaging.models import Conversation

        target = Conversation.objects.filter(pk=target_id, network_id=network_id).first()
    if target is None:
        raise ReplyAddressError("unknown")
    return user, target

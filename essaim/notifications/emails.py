"""The e-mails about notifications and the digests: what they say, in the recipient's language,
and their headers (Reply-To, one-click unsubscribe, a Message-ID that is the same on a retry).
Composing only: sending and recording it are in actions.py."""

from __future__ import annotations

from email.utils import formataddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator

from .models import Kind

UNSUBSCRIBE_SALT = "essaim.unsubscribe"
DIGEST = "digest"  # the unsubscribe "kind" of the digest e-mail
EXCERPT_CHARS = 600
DIGEST_EXCERPT_CHARS = 200

# Which template family tells about which kind.
FAMILY = {Kind.MENTION: "post", Kind.COMMENT: "post", Kind.REPLY: "post", Kind.REACTION: "post",
          Kind.COMMUNITY_POST: "post", Kind.MESSAGE: "message", Kind.JOIN_REQUEST: "community",
          Kind.INVITATION: "community", Kind.REQUEST_APPROVED: "community"}


# --- unsubscribe tokens ------------------------------------------------------------------------------

def unsubscribe_token(user_id: int, kind: str) -> str:
    """A signed, non-expiring token naming one person and one kind (or "digest")."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": int(user_id), "k": str(kind)})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a token this instance signed, else None."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(str(token))
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        return None
    if not isinstance(data, dict):
        return None
    user_id, kind = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        return None
    if kind not in Kind.values and kind != DIGEST:
        return None
    return user_id, kind


def unsubscribe_url(user_id: int, kind: str) -> str:
    return settings.ESSAIM_BASE_URL + reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id, kind)])


# --- shared pieces -----------------------------------------------------------------------------------

def mail_domain() -> str:
    """The domain of our Message-IDs: the site's host name, else the sender address's domain."""
    host = urlsplit(settings.ESSAIM_BASE_URL).hostname
    if host:
        return host
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "localhost"


def language_of(user) -> str:
    return user.language or settings.LANGUAGE_CODE


def _message(user, *, template: str, context: dict, kind: str, message_id: str,
             reply_to: str | None = None, references: str | None = None) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(user.id, kind)
    ctx = {"base_url": settings.ESSAIM_BASE_URL, "user": user, "unsubscribe_url": unsubscribe,
           "settings_url": settings.ESSAIM_BASE_URL + reverse("notifications:settings"), **context}
    subject = render_to_string(f"email/{template}.subject.txt", ctx).strip().replace("\n", " ")
    text = render_to_string(f"email/{template}.txt", ctx)
    html = render_to_string(f"email/{template}.html", ctx)
    headers = {
        "Message-ID": message_id,
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",  # RFC 8058
        "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation replies, please
        "X-Auto-Response-Suppress": "All",
        "Content-Language": translation.get_language(),
    }
    if references:
        headers["References"] = references
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL,
                                     [formataddr((user.display_name, user.email))],
                                     reply_to=[reply_to] if reply_to else None, headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def _reply_address(user, n) -> str | None:
    """The signed Reply-To address (reply by e-mail) for anything about a post, comment or message."""
    if not (n.post_id or n.message_id):
        return None
    try:
        from essaim.mail.addresses import reply_address
    except ImportError as exc:  # reply by e-mail is not installed in this build
        if exc.name not in ("essaim.mail.addresses", "essaim.mail"):
            raise
        return None
    if n.message_id:
        address = reply_address(user, conversation=n.message.conversation)
    elif n.comment_id:
        address = reply_address(user, comment=n.comment)  # a reply in that comment's thread
    else:
        address = reply_address(user, post=n.post)
    return address or None


def excerpt(text: str | None, chars: int = EXCERPT_CHARS, *, one_line: bool = False) -> str:
    text = " ".join((text or "").split()) if one_line else (text or "").strip()
    return Truncator(text).chars(chars)


# --- one notification ------------------------------------------------------------------------------

def notification_message(n) -> EmailMultiAlternatives:
    """The e-mail about notification `n` (recipient, actor, post, comment, community, message loaded)."""
    from .queries import describe

    user = n.recipient
    domain = mail_domain()
    family = FAMILY.get(n.kind, "community")
    with translation.override(language_of(user)):
        if n.message_id:
            text, references = n.message.body, f"<conversation-{n.message.conversation_id}@{domain}>"
        elif n.comment_id and n.kind != Kind.REACTION:
            text, references = n.comment.body, f"<post-{n.post_id}@{domain}>"
        elif n.post_id:
            text, references = n.post.body, f"<post-{n.post_id}@{domain}>"
        else:
            text, references = "", None
        reply_to = _reply_address(user, n)
        context = {
            "notification": n, "sentence": describe(n), "excerpt": excerpt(text), "can_reply": bool(reply_to),
            "link": settings.ESSAIM_BASE_URL + reverse("notifications:open", args=[n.id]),
            "kind_label": Kind(n.kind).label if n.kind in Kind.values else n.kind,
            "actor": n.actor, "community": n.community, "network": user.network,
        }
        return _message(user, template=f"notification_{family}", context=context, kind=n.kind,
                        message_id=f"<notification-{n.id}@{domain}>", reply_to=reply_to,
                        references=references)


# --- the digest ---------------------------------------------------------------------------------------

def digest_message(digest, *, frequency: str, period_key: str) -> EmailMultiAlternatives:
    from .queries import describe

    user = digest.user
    base = settings.ESSAIM_BASE_URL
    with translation.override(language_of(user)):
        for n in digest.mentions + digest.notifications:
            n.sentence = describe(n)
            n.link = base + reverse("notifications:open", args=[n.id])
            n.excerpt = excerpt(n.comment.body if n.comment_id and n.kind != Kind.REACTION
                                else n.post.body if n.post_id else "", DIGEST_EXCERPT_CHARS, one_line=True)
        for q in digest.questions:
            q.link = base + reverse("questions:detail", args=[q.id])
        for p in digest.posts:
            p.link = base + reverse("stream:post", args=[p.id])
            p.excerpt = excerpt(p.body, DIGEST_EXCERPT_CHARS, one_line=True)
        context = {"digest": digest, "weekly": frequency == "weekly", "network": user.network,
                   "notifications_url": base + reverse("notifications:list")}
        return _message(user, template="digest", context=context, kind=DIGEST,
                        message_id=f"<digest-{user.id}-{period_key}@{mail_domain()}>")

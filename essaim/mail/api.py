"""HTTP intake for sites that pipe mail from their mail server: POST /api/v1/mail/inbound.

The body is the raw RFC 5322 message (Content-Type message/rfc822 or application/octet-stream);
`?recipient=` carries the envelope recipient when the mail server knows it. Only an
administrator's API token with the "admin" scope may call it. A plain Django view rather than a
ninja operation: it reads up to 10 MB itself, above DATA_UPLOAD_MAX_MEMORY_SIZE, without raising
that limit for the rest of the site.
"""

from __future__ import annotations

import logging

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from essaim.core.api import TokenAuth, error_body
from essaim.core.errors import EssaimError

from .inbound import MAX_BYTES, message_for, process_message

log = logging.getLogger(__name__)

CHUNK = 256 * 1024


class _TooLarge(Exception):
    pass


def _error(status: int, code: str, message: str, details=None) -> JsonResponse:
    return JsonResponse(error_body(code, message, details), status=status)


def _read_body(request) -> bytes:
    """The request body, refused as soon as it passes MAX_BYTES."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BYTES:
        raise _TooLarge
    chunks, size = [], 0
    while True:
        chunk = request.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BYTES:
            raise _TooLarge
        chunks.append(chunk)


def _admin_token(request):
    """The calling administrator, from an API token with the "admin" scope; or an error response."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    user = None
    if scheme.lower() == "bearer" and raw.strip():
        try:
            user = TokenAuth().authenticate(request, raw.strip())
        except EssaimError as exc:
            return None, _error(exc.status, exc.code, exc.message, exc.details)
    if user is None:
        return None, _error(401, "unauthenticated", _("Send a valid bearer token (an administrator's token with "
                                                      "the admin scope)."))
    if "admin" not in request.api_token.scope_set or not user.is_admin:
        return None, _error(403, "admin_required", _("Only an administrator's token with the admin scope may "
                                                     "deliver e-mail."))
    return user, None


@csrf_exempt
def inbound_mail(request):
    if request.method != "POST":
        response = _error(405, "method_not_allowed", _("Use POST with the raw message as the body."))
        response["Allow"] = "POST"
        return response
    _user, refusal = _admin_token(request)
    if refusal is not None:
        return refusal
    try:
        raw = _read_body(request)
    except _TooLarge:
        return _error(413, "too_large", message_for("too_large"), {"max_bytes": MAX_BYTES})
    try:
        outcome = process_message(raw, recipient=request.GET.get("recipient") or None, network=request.network)
    except Exception:  # the database away, a bug: the mail server keeps the message and tries again
        log.exception("could not process an e-mail reply")
        return _error(500, "server_error", _("Something went wrong on our side."))
    if outcome.ok:
        return JsonResponse({"status": outcome.code, "kind": outcome.kind,
                             "id": str(outcome.object_id) if outcome.object_id is not None else None},
                            status=201 if outcome.code == "posted" else 200)
    if outcome.code == "too_large":
        return _error(413, outcome.code, outcome.message, {"max_bytes": MAX_BYTES})
    return _error(422, outcome.code, outcome.message)

"""The REST API v1: one NinjaAPI, bearer tokens or the browser session, JSON errors."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import ConfigDict, model_validator

from .errors import EssaimError, Forbidden

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from essaim.accounts.actions import find_token

        found = find_token(token)
        if found is None:
            return None
        if found.network_id != getattr(request, "network_id", None):  # the host's (NetworkMiddleware)
            return None
        scopes = found.scope_set
        if request.method not in SAFE_METHODS and not ({"write", "admin"} & scopes):
            raise Forbidden(_("This token may only read (scope 'write' needed)."), code="insufficient_scope")
        request.user = found.user
        request.network = found.user.network  # the same row, loaded with the token
        request.api_token = found
        if found.user.language:  # messages in the token owner's language
            translation.activate(found.user.language)
        return found.user


class SessionAuth(APIKeyCookie):
    """The browser session; ninja checks CSRF on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


def is_bad_text(value) -> bool:
    """Text no database or renderer accepts: NUL characters, or half of a surrogate pair (JSON
    may escape either, as "\\u0000" or "\\ud800"). Looks inside lists and objects."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, (list, tuple)):
        return any(is_bad_text(v) for v in value)
    if isinstance(value, dict):
        return any(is_bad_text(k) or is_bad_text(v) for k, v in value.items())
    return False


class InSchema(Schema):
    """Input schemas refuse unknown fields, NUL characters and text that is not valid Unicode."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _valid_text(cls, data):
        if is_bad_text(data):
            raise ValueError("text must be valid Unicode without NUL characters")
        return data


api = NinjaAPI(
    title="Essaim API",
    version="1",
    description="The Essaim REST API. Authenticate with `Authorization: Bearer <token>` "
                "(create one with `essaim token create`) or a browser session.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(EssaimError)
def _essaim_error(request, exc: EssaimError):
    return api.create_response(request, error_body(exc.code, exc.message, exc.details), status=exc.status)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    details = [
        {"loc": [str(p) for p in e.get("loc", [])], "msg": str(e.get("msg", "")), "type": e.get("type")}
        for e in exc.errors
    ]
    return api.create_response(request, error_body("invalid", _("The input is not valid."), details), status=422)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(request, error_body("unauthenticated", _("Sign in or send a valid bearer token.")),
                               status=401)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    code = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "error")
    if exc.status_code == 403 and "CSRF" in str(exc):
        code = "csrf_failed"
    return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return api.create_response(request, error_body("too_large", _("The request body is too large.")), status=413)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(Exception)
def _unexpected(request, exc):
    log.exception("unexpected API error")
    return api.create_response(request, error_body("server_error", _("Something went wrong on our side.")),
                               status=500)

"""Errors raised by access and action functions; pages and the API translate them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class EssaimError(Exception):
    status = 400
    code = "bad_request"
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, code: str | None = None, details=None):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        self.details = details
        super().__init__(self.message)


class NotFound(EssaimError):
    """Raised for objects that are missing *and* for objects the viewer may not see."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")

    def __init__(self, message=None, *, code=None, details=None):
        # Always the same body: invisible is indistinguishable from missing.
        super().__init__(None, code=None, details=None)


class Forbidden(EssaimError):
    """The viewer may see the object but not do this to it."""

    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class InvalidInput(EssaimError):
    status = 422
    code = "invalid"
    default_message = _("The input is not valid.")


class Conflict(EssaimError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class RateLimited(EssaimError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many attempts; try again later.")

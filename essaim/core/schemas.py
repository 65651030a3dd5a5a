"""Output schemas and helpers shared by every app's API: errors, pages, people, community refs.

Ids travel as strings. Inputs accept a string or an integer id; anything that is not a plain
decimal number names nothing, so it is answered like a missing object (404).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from ninja import Field, Schema
from pydantic import StrictInt, StrictStr, field_validator

from essaim.accounts.access import can_see_email
from essaim.accounts.avatars import avatar_url as picture_url
from essaim.core.api import is_bad_text
from essaim.core.errors import NotFound
from essaim.core.pagination import MAX_LIMIT, Page

T = TypeVar("T")

# A path or body id: "42" or 42.
Id = StrictStr | StrictInt

_MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int:
    """The integer behind an id, or NotFound for anything else (letters, signs, huge numbers)."""
    if isinstance(value, bool):
        raise NotFound()
    if isinstance(value, int):
        number = value
    else:
        text = str(value)
        if not (text.isascii() and text.isdigit()) or len(text) > 19:
            raise NotFound()
        number = int(text)
    if number < 1 or number > _MAX_ID:
        raise NotFound()
    return number


def viewer_of(context) -> Any:
    """The signed-in user a response is rendered for (resolvers receive ninja's context)."""
    request = (context or {}).get("request")
    return getattr(request, "auth", None) if request is not None else None


def network_of(context) -> Any:
    request = (context or {}).get("request")
    return getattr(request, "network", None) if request is not None else None


def avatar_url(user, network) -> str:
    """The same picture the pages show: uploaded, else Gravatar where allowed, else initials."""
    return picture_url(user, 64, network)


# Errors ---------------------------------------------------------------------------------------

class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def responses(status: int, schema) -> dict:
    """{status: schema} plus the JSON error body for every 4xx, for the OpenAPI description."""
    return {status: schema, **ERRORS}


# Pages ----------------------------------------------------------------------------------------

class Paged(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def paged(page: Page) -> dict:
    return {"items": page.items, "next_cursor": page.next_cursor}


class PageQuery(Schema):
    """?cursor= and ?limit= of every list (and the filters of lists that extend it)."""

    cursor: str | None = Field(None, max_length=500, description="next_cursor of the previous page")
    limit: int | None = Field(None, ge=1, le=MAX_LIMIT, description="1 to 100 (20 when absent)")

    @field_validator("*")
    @classmethod
    def _valid_text(cls, value):
        if is_bad_text(value):
            raise ValueError("text must be valid Unicode without NUL characters")
        return value


# Objects with an id -----------------------------------------------------------------------------

def str_id(value) -> str | None:
    """An optional foreign key as the API shows it."""
    return None if value is None else str(value)


class Identified(Schema):
    """Every object the API shows carries its id, as a string."""

    id: str

    @staticmethod
    def resolve_id(obj) -> str:
        return str(obj.id)


# People ---------------------------------------------------------------------------------------

class PersonRef(Identified):
    handle: str
    display_name: str
    avatar_url: str

    @staticmethod
    def resolve_avatar_url(obj, context) -> str:
        return avatar_url(obj, network_of(context))


class PersonOut(PersonRef):
    job_title: str
    department: str
    organization: str | None
    location: str
    skills: list[str]
    is_active: bool
    is_placeholder: bool = Field(description="An imported person: credited, but no one signs in as them yet")
    source_id: str | None = Field(description="Their id where they were imported from (null: joined here)")

    @staticmethod
    def resolve_source_id(obj) -> str | None:
        return obj.source_id or None

    @staticmethod
    def resolve_organization(obj) -> str | None:
        return obj.organization.name if obj.organization_id else None

    @staticmethod
    def resolve_skills(obj) -> list[str]:
        return sorted(s.name for s in obj.skills.all())


class PersonDetailOut(PersonOut):
    email: str | None
    phone: str
    bio: str
    following: bool = False

    @staticmethod
    def resolve_email(obj, context) -> str | None:
        viewer = viewer_of(context)
        return obj.email if viewer is not None and can_see_email(viewer, obj) else None

    @staticmethod
    def resolve_following(obj) -> bool:
        return bool(getattr(obj, "following", False))


class MeOut(PersonDetailOut):
    language: str
    is_admin: bool


# Communities ----------------------------------------------------------------------------------

class CommunityRef(Identified):
    name: str
    slug: str

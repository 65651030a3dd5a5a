"""People: me, the directory, profiles, following."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema
from pydantic import StrictStr

from essaim.core import activity
from essaim.core.api import InSchema
from essaim.core.schemas import MeOut, PageQuery, Paged, PersonDetailOut, PersonOut, paged, parse_id, responses

from . import actions, queries
from .access import access_user
from .models import User

router = Router(tags=["people"])


class ProfileIn(InSchema):
    display_name: StrictStr = None
    job_title: StrictStr = None
    department: StrictStr = None
    organization: StrictStr | None = None
    location: StrictStr = None
    phone: StrictStr = None
    bio: StrictStr = None
    skills: list[StrictStr] = Field(None, max_length=200)
    language: StrictStr = Field(None, description='"" (from the browser), "en" or "fr"')
    handle: StrictStr = None


class DirectoryQuery(PageQuery):
    q: str = Field("", max_length=200, description="Part of a name or handle, or the start of an e-mail address")
    department: str = Field("", max_length=120)
    organization: str = Field("", max_length=120)
    skill: str = Field("", max_length=60)
    location: str = Field("", max_length=120)
    area: str = Field("", max_length=60, description="An expertise area (a topic or word), inferred from activity")


class FollowOut(Schema):
    following: bool


def _me(request) -> User:
    return User.objects.select_related("organization").prefetch_related("skills").get(pk=request.auth.pk)


@router.get("/me", response=responses(200, MeOut), summary="Who I am")
def get_me(request):
    return _me(request)


@router.patch("/me", response=responses(200, MeOut), summary="Update my profile")
def update_me(request, payload: ProfileIn):
    actions.do_update_profile(request.auth, acting_user=request.auth, **payload.dict(exclude_unset=True))
    return _me(request)


@router.get("/users", response=responses(200, Paged[PersonOut]), summary="The people directory")
def list_users(request, filters: Query[DirectoryQuery]):
    return paged(queries.directory(request.auth, q=filters.q, department=filters.department,
                                   organization=filters.organization, skill=filters.skill,
                                   location=filters.location, area=filters.area, cursor=filters.cursor,
                                   limit=filters.limit))


@router.get("/users/{user_id}", response=responses(200, PersonDetailOut), summary="A person's profile")
def get_user(request, user_id: str):
    user = access_user(request.auth, parse_id(user_id))
    user.following = queries.is_following(request.auth, user)
    activity.record_view(request.auth, activity.Object.PROFILE, user.id)
    return user


@router.post("/users/{user_id}/follow", response=responses(200, FollowOut), summary="Follow a person")
def follow_user(request, user_id: str):
    user = access_user(request.auth, parse_id(user_id), include_inactive=False)
    actions.do_follow_user(request.auth, user)
    return {"following": True}


@router.delete("/users/{user_id}/follow", response=responses(200, FollowOut), summary="Stop following a person")
def unfollow_user(request, user_id: str):
    user = access_user(request.auth, parse_id(user_id))
    actions.do_unfollow_user(request.auth, user)
    return {"following": False}


"""Communities: the directory, settings, joining and leaving, members and join requests."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StrictStr

from essaim.accounts.access import access_user
from essaim.core import activity
from essaim.core.api import InSchema
from essaim.core.schemas import Id, Identified, PageQuery, Paged, PersonRef, paged, parse_id, responses

from . import access, actions, queries
from .models import JoinRequest

router = Router(tags=["communities"])

VisibilityName = Literal["open", "private", "secret"]
RoleName = Literal["owner", "moderator", "member"]


class CommunityOut(Identified):
    name: str
    slug: str
    description: str
    visibility: VisibilityName
    member_count: int
    created_at: datetime
    my_role: RoleName | None = None
    my_request: Literal["pending"] | None = None


class CommunityIn(InSchema):
    name: StrictStr
    description: StrictStr = ""
    visibility: VisibilityName = "open"
    slug: StrictStr | None = None


class CommunityPatch(InSchema):
    name: StrictStr = None
    description: StrictStr = None
    visibility: VisibilityName = None
    slug: StrictStr = None


class CommunityQuery(PageQuery):
    q: str = Field("", max_length=200, description="Part of the community's name")
    mine: bool = Field(False, description="Only communities I am a member of")


class JoinIn(InSchema):
    message: StrictStr = Field("", description="A word to the moderators of a private community")


class StatusOut(Schema):
    status: Literal["joined", "requested", "left", "cancelled"]


class MemberOut(Schema):
    user: PersonRef
    role: RoleName
    joined_at: datetime

    @staticmethod
    def resolve_joined_at(obj) -> datetime:
        return obj.created_at


class MemberIn(InSchema):
    user_id: Id
    role: RoleName = "member"


class RoleIn(InSchema):
    role: RoleName


class JoinRequestOut(Identified):
    user: PersonRef
    message: str
    status: Literal["pending", "approved", "denied"]
    created_at: datetime


def _out(community, viewer):
    queries.with_viewer_state([community], viewer)
    return community


@router.get("/communities", response=responses(200, Paged[CommunityOut]), summary="Communities I can see")
def list_communities(request, query: Query[CommunityQuery]):
    return paged(queries.community_directory(request.auth, q=query.q, mine=query.mine, cursor=query.cursor,
                                             limit=query.limit))


@router.post("/communities", response=responses(201, CommunityOut), summary="Start a community")
def create_community(request, payload: CommunityIn):
    community = actions.do_create_community(request.auth, name=payload.name, description=payload.description,
                                            visibility=payload.visibility, slug=payload.slug or None)
    return Status(201, _out(community, request.auth))


@router.get("/communities/{community_id}", response=responses(200, CommunityOut), summary="A community")
def get_community(request, community_id: str):
    community = access.access_community(request.auth, parse_id(community_id))
    activity.record_view(request.auth, activity.Object.COMMUNITY, community.id, community.id)
    return _out(community, request.auth)


@router.patch("/communities/{community_id}", response=responses(200, CommunityOut),
              summary="Change a community's name, description, visibility or slug (owners)")
def update_community(request, community_id: str, payload: CommunityPatch):
    community = access.access_community(request.auth, parse_id(community_id))
    actions.do_update_community(community, acting_user=request.auth, **payload.dict(exclude_unset=True))
    return _out(community, request.auth)


@router.post("/communities/{community_id}/join", response=responses(200, StatusOut),
             summary="Join an open community, or ask to join a private one")
def join_community(request, community_id: str, payload: JoinIn = None):
    community = access.access_community(request.auth, parse_id(community_id))
    result = actions.do_join_community(request.auth, community, message=payload.message if payload else "")
    return {"status": "requested" if isinstance(result, JoinRequest) else "joined"}


@router.post("/communities/{community_id}/leave", response=responses(200, StatusOut),
             summary="Leave a community, or withdraw my request to join it")
def leave_community(request, community_id: str):
    community = access.access_community(request.auth, parse_id(community_id))
    if access.role_in(request.auth, community) is None:
        queries.with_viewer_state([community], request.auth)
        if community.my_request:
            actions.do_cancel_request(request.auth, community)
            return {"status": "cancelled"}
    actions.do_leave_community(request.auth, community)
    return {"status": "left"}


@router.get("/communities/{community_id}/members", response=responses(200, Paged[MemberOut]),
            summary="The members of a community")
def list_members(request, community_id: str, query: Query[PageQuery]):
    community = access.access_community_content(request.auth, parse_id(community_id))
    return paged(queries.members_of(community, cursor=query.cursor, limit=query.limit))


@router.post("/communities/{community_id}/members", response=responses(201, MemberOut),
             summary="Add a colleague to a community (owners and moderators)")
def add_member(request, community_id: str, payload: MemberIn):
    community = access.access_community(request.auth, parse_id(community_id))
    access.require_manage_members(request.auth, community)
    user = access_user(request.auth, parse_id(payload.user_id), include_inactive=False)
    return Status(201, actions.do_add_member(community, user, role=payload.role, acting_user=request.auth))


@router.patch("/communities/{community_id}/members/{user_id}", response=responses(200, MemberOut),
              summary="Change a member's role (owners)")
def change_role(request, community_id: str, user_id: str, payload: RoleIn):
    community = access.access_community(request.auth, parse_id(community_id))
    access.require_manage_members(request.auth, community)
    user = access_user(request.auth, parse_id(user_id))
    return actions.do_change_role(community, user, role=payload.role, acting_user=request.auth)


@router.delete("/communities/{community_id}/members/{user_id}", response=responses(204, None),
               summary="Remove a member (owners and moderators; anyone for themselves)")
def remove_member(request, community_id: str, user_id: str):
    community = access.access_community(request.auth, parse_id(community_id))
    user = access_user(request.auth, parse_id(user_id))
    if user.id != request.auth.id:
        access.require_manage_members(request.auth, community)
    actions.do_remove_member(community, user, acting_user=request.auth)
    return Status(204, None)


@router.get("/communities/{community_id}/requests", response=responses(200, Paged[JoinRequestOut]),
            summary="Pending requests to join (owners and moderators)")
def list_requests(request, community_id: str, query: Query[PageQuery]):
    community = access.access_community(request.auth, parse_id(community_id))
    access.require_manage_members(request.auth, community)
    return paged(queries.pending_requests(community, cursor=query.cursor, limit=query.limit))


def _decide(request, community_id: str, request_id: str, approve: bool):
    community = access.access_community(request.auth, parse_id(community_id))
    join_request = access.access_join_request(request.auth, community, parse_id(request_id))
    join_request.community = community
    return actions.do_decide_request(join_request, approve=approve, acting_user=request.auth)


@router.post("/communities/{community_id}/requests/{request_id}/approve", response=responses(200, JoinRequestOut),
             summary="Approve a request to join (owners and moderators)")
def approve_request(request, community_id: str, request_id: str):
    return _decide(request, community_id, request_id, approve=True)


@router.post("/communities/{community_id}/requests/{request_id}/deny", response=responses(200, JoinRequestOut),
             summary="Deny a request to join (owners and moderators)")
def deny_request(request, community_id: str, request_id: str):
    return _decide(request, community_id, request_id, approve=False)


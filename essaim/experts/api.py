"""Expert finding, expertise profiles, endorsements and question routing."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import StrictBool, StrictInt, StrictStr

from essaim.accounts.access import access_user
from essaim.communities import access as community_access
from essaim.core.api import InSchema
from essaim.core.errors import InvalidInput, NotFound
from essaim.core.schemas import Id, PersonOut, PersonRef, parse_id, responses
from essaim.search.query import QueryError

from . import actions, queries, ranking
from .access import can_endorse

router = Router(tags=["experts"])

MAX_LIMIT = 50


class EvidenceOut(Schema):
    kind: str = Field(description="answer, question, post, comment or skill")
    id: str
    post_id: str | None = Field(None, description="The post or question it belongs to")
    title: str = Field(description="The question's or post's title (the skill's name for a skill)")
    url: str
    score: int = Field(0, description="Votes (answers, questions)")
    accepted: bool = False
    endorsements: int = Field(0, description="Skills: how many colleagues endorsed it")
    date: datetime | None = None


class ExpertOut(Schema):
    person: PersonOut
    source_id: str | None = Field(description="Their id where they were imported from (null: joined here)")
    score: float = Field(description="Relative: 1.0 for the best-placed person (more with matching skills)")
    answers: int = Field(description="Answers they wrote in places the viewer may read")
    accepted: int = Field(description="Of which accepted by the asker")
    evidence: list[EvidenceOut] = Field(description="What made them rank, all of it openable by the viewer")


class ExpertsOut(Schema):
    items: list[ExpertOut]


def _limit(value: str | None, default: int = 10) -> int:
    if value in (None, ""):
        return default
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise QueryError(_("limit must be between 1 and %(max)d.") % {"max": MAX_LIMIT}, code="invalid_limit")
    return int(value)


def _community_ids(viewer, community: str | None) -> list[int]:
    if community in (None, ""):
        return []
    if community.isascii() and community.isdigit():
        found = community_access.access_community_content(viewer, parse_id(community))
    else:
        found = community_access.access_community_by_slug(viewer, community)
        if not community_access.can_read_content(viewer, found):
            raise NotFound()
    return [found.id]


def experts_out(experts) -> list[dict]:
    return [{"person": e.user, "source_id": e.user.source_id or None, "score": e.score, "answers": e.answers,
             "accepted": e.accepted,
             "evidence": [{"kind": ev.kind, "id": str(ev.id), "post_id": str(ev.post_id) if ev.post_id else None,
                           "title": ev.title, "url": ev.url, "score": ev.score, "accepted": ev.accepted,
                           "endorsements": ev.endorsements, "date": ev.date} for ev in e.evidence]}
            for e in experts]


@router.get("/experts", response=responses(200, ExpertsOut), summary="Who knows about this?",
            description="People ranked by what they did about `q` (a few words or a whole question, at most "
                        f"{ranking.MAX_TEXT:,} characters) in the places the viewer may read, with their declared and "
                        "endorsed skills; each with the evidence that made them rank. `community` (id or slug) "
                        "keeps the evidence of that community only. `limit` 1 to 50 (default 10).")
def find_experts(request, q: str = "", community: str | None = None, limit: str | None = None):
    if any(v is not None and "\x00" in v for v in (q, community, limit)):
        raise QueryError(_("The query is not valid."), code="invalid_query")
    if not q.strip():
        raise QueryError(_("Say what you are looking for (q)."), code="missing_query")
    if len(q) > ranking.MAX_TEXT:
        raise QueryError(_("The query is too long (at most %(max)d characters).") % {"max": ranking.MAX_TEXT},
                         code="query_too_long")
    count = _limit(limit)
    found = ranking.find_experts(request.auth, q, community_ids=_community_ids(request.auth, community), limit=count)
    return {"items": experts_out(found)}


class AreaOut(Schema):
    label: str
    key: str = Field(description="What hides it (no case, no accents)")
    kind: str = Field(description="topic or term")
    weight: float
    evidence: int = Field(description="Contributions showing it")
    hidden: bool = Field(description="Hidden from the profile (shown to its person only)")


class SkillOut(Schema):
    name: str
    endorsements: int
    endorsed_by_me: bool
    endorsers: list[PersonRef]


class RoutingOut(Schema):
    accepts_questions: bool
    weekly_limit: int
    routed_this_week: int


class ExpertiseOut(Schema):
    areas: list[AreaOut] = Field(description="Inferred from what they did, in places the viewer may read")
    skills: list[SkillOut] = Field(description="Declared, with endorsements")
    answers: int
    accepted: int
    questions: int
    posts: int
    routing: RoutingOut | None = Field(None, description="Only on one's own profile")


def _expertise(viewer, user) -> dict:
    own = viewer.id == user.id
    profile = queries.profile_of(viewer, user, include_hidden=own)
    out = {"areas": [vars(a) for a in profile.areas],
           "skills": [{"name": s.name, "endorsements": s.endorsements, "endorsed_by_me": s.endorsed_by_viewer,
                       "endorsers": s.endorsers} for s in profile.skills],
           "answers": profile.answers, "accepted": profile.accepted, "questions": profile.questions,
           "posts": profile.posts, "routing": None}
    if own:
        out["routing"] = _routing(user)
    return out


def _routing(user) -> dict:
    pref = queries.routing_of(user)
    return {"accepts_questions": pref.accepts_questions, "weekly_limit": pref.weekly_limit,
            "routed_this_week": actions.routed_this_week([user.id]).get(user.id, 0)}


@router.get("/users/{user_id}/expertise", response=responses(200, ExpertiseOut),
            summary="A person's expertise: inferred areas, skills and endorsements")
def get_expertise(request, user_id: str):
    user = access_user(request.auth, parse_id(user_id))
    return _expertise(request.auth, user)


@router.post("/users/{user_id}/skills/{name}/endorsement", response={200: ExpertiseOut, **responses(201, ExpertiseOut)},
             summary="Endorse one of a person's declared skills (201; 200 when already endorsed)")
def endorse(request, user_id: str, name: str):
    user = access_user(request.auth, parse_id(user_id), include_inactive=False)
    if not can_endorse(request.auth, user) and user.id != request.auth.id:
        raise NotFound()
    created = actions.do_endorse(user, name, acting_user=request.auth)
    return Status(201 if created else 200, _expertise(request.auth, user))


@router.delete("/users/{user_id}/skills/{name}/endorsement", response=responses(200, ExpertiseOut),
               summary="Withdraw an endorsement")
def withdraw(request, user_id: str, name: str):
    user = access_user(request.auth, parse_id(user_id))
    actions.do_withdraw_endorsement(user, name, acting_user=request.auth)
    return _expertise(request.auth, user)


class AreaIn(InSchema):
    area: StrictStr = Field(max_length=200)
    hidden: StrictBool = True


@router.put("/me/expertise/hidden", response=responses(200, ExpertiseOut),
            summary="Hide an inferred area from my profile (hidden: false shows it again)")
def hide_area(request, payload: AreaIn):
    actions.do_hide_area(request.auth, payload.area, acting_user=request.auth, hidden=payload.hidden)
    return _expertise(request.auth, request.auth)


class RoutingIn(InSchema):
    accepts_questions: StrictBool = None
    weekly_limit: StrictInt = Field(None, description=f"1 to {actions.MAX_WEEKLY}")


@router.get("/me/routing", response=responses(200, RoutingOut), summary="Whether questions may be put to me")
def get_routing(request):
    return _routing(request.auth)


@router.put("/me/routing", response=responses(200, RoutingOut),
            summary="Accept (or not) questions routed to me, and how many a week")
def set_routing(request, payload: RoutingIn):
    actions.do_set_routing(request.auth, acting_user=request.auth, **payload.dict(exclude_unset=True))
    return _routing(request.auth)


class SuggestionOut(ExpertOut):
    routable: bool = Field(description="The question may be put to them now (they accept questions, are under "
                                       "their weekly limit and may read it)")
    asked: bool = Field(description="Already asked to answer this question")


class SuggestionsOut(Schema):
    items: list[SuggestionOut]


def _suggestions(viewer, question) -> dict:
    experts = queries.suggestions_for(viewer, question)
    items = experts_out(experts)
    for item, e in zip(items, experts):
        item["routable"], item["asked"] = e.routable, e.asked
    return {"items": items}


@router.get("/questions/{question_id}/experts", response=responses(200, SuggestionsOut),
            summary="The people best placed to answer a question")
def question_experts(request, question_id: str):
    from essaim.questions.access import access_question

    question = access_question(request.auth, parse_id(question_id))
    return _suggestions(request.auth, question)


class RouteIn(InSchema):
    people: list[Id] = Field(max_length=actions.ROUTE_AT_ONCE, description="Ids of the people to ask")


class RoutedOut(Schema):
    routed: list[str] = Field(description="Who was notified (the others do not accept questions, reached "
                                          "their weekly limit, cannot read it or were asked already)")


@router.post("/questions/{question_id}/route", response=responses(200, RoutedOut),
             summary="Ask some of the suggested people to answer (the asker or a moderator)")
def route_question(request, question_id: str, payload: RouteIn):
    from essaim.questions.access import access_question

    question = access_question(request.auth, parse_id(question_id))
    if not payload.people:
        raise InvalidInput(_("Name at least one person."), code="invalid_people")
    routed = actions.do_route_question(question, [parse_id(p) for p in payload.people], acting_user=request.auth)
    return {"routed": [str(r) for r in routed]}

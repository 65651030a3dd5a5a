"""Read paths about expertise, shared by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, Sum

from essaim.accounts.access import is_member_of_network

from .access import areas_visible_to
from .models import Endorsement, Expertise, ExpertiseArea, HiddenArea, RoutingPreference

AREAS_SHOWN = 10


@dataclass
class Area:
    label: str
    key: str
    kind: str
    weight: float
    evidence: int
    hidden: bool = False


@dataclass
class SkillOut:
    name: str
    endorsements: int
    endorsed_by_viewer: bool
    endorsers: list = field(default_factory=list)  # a few names


@dataclass
class Profile:
    areas: list[Area]
    skills: list[SkillOut]
    answers: int
    accepted: int
    questions: int
    posts: int


def areas_of(viewer, user, *, include_hidden: bool = False, limit: int = AREAS_SHOWN) -> list[Area]:
    """The person's inferred areas, from what the viewer may read; hidden ones left out (or
    marked, for the person themselves with include_hidden)."""
    rows = (areas_visible_to(ExpertiseArea.objects.filter(user_id=user.id), viewer)
            .values("key", "kind").annotate(weight=Sum("weight"), evidence=Sum("evidence"), label=Max("label"))
            .order_by("-weight", "key"))
    hidden = set(HiddenArea.objects.filter(user_id=user.id).values_list("key", flat=True))
    out: list[Area] = []
    seen: set[str] = set()
    for r in rows[:limit * 3]:
        if r["key"] in seen:
            continue
        seen.add(r["key"])
        is_hidden = r["key"] in hidden
        if is_hidden and not include_hidden:
            continue
        out.append(Area(label=r["label"], key=r["key"], kind=r["kind"], weight=round(r["weight"], 3),
                        evidence=r["evidence"], hidden=is_hidden))
        if len(out) >= limit:
            break
    return out


def skills_of(viewer, user) -> list[SkillOut]:
    """Declared skills with their endorsements (by active people), most endorsed first."""
    skills = list(user.skills.all())
    if not skills:
        return []
    endorsements = (Endorsement.objects.filter(user_id=user.id, endorser__is_active=True)
                    .select_related("endorser").order_by("-created_at"))
    by_skill: dict[int, list] = {}
    for e in endorsements[:500]:
        by_skill.setdefault(e.skill_id, []).append(e.endorser)
    out = [SkillOut(name=s.name, endorsements=len(by_skill.get(s.id, [])),
                    endorsed_by_viewer=any(p.id == getattr(viewer, "id", None) for p in by_skill.get(s.id, [])),
                    endorsers=by_skill.get(s.id, [])[:3]) for s in skills]
    return sorted(out, key=lambda s: (-s.endorsements, s.name))


def profile_of(viewer, user, *, include_hidden: bool = False) -> Profile:
    totals = (areas_visible_to(Expertise.objects.filter(user_id=user.id), viewer)
              .aggregate(answers=Sum("answers"), accepted=Sum("accepted"), questions=Sum("questions"),
                         posts=Sum("posts")))
    return Profile(areas=areas_of(viewer, user, include_hidden=include_hidden), skills=skills_of(viewer, user),
                   **{k: v or 0 for k, v in totals.items()})


def people_with_area(viewer, area: str):
    """A subquery of the people with this inferred area (ignoring case and accents) in places the
    viewer may read, unless they hid it: the directory's filter."""
    from essaim.core.text import fold

    key = fold(" ".join((area or "").split()))[:60]
    hidden = HiddenArea.objects.filter(key=key).values("user_id")
    return (areas_visible_to(ExpertiseArea.objects.filter(key=key), viewer).exclude(user_id__in=hidden)
            .values("user_id"))


def routing_of(user) -> RoutingPreference:
    from .actions import DEFAULT_WEEKLY

    pref = RoutingPreference.objects.filter(user_id=user.id).first()
    return pref or RoutingPreference(user=user, network_id=user.network_id, accepts_questions=False,
                                     weekly_limit=DEFAULT_WEEKLY)


def top_areas(viewer, limit: int = 30) -> list[tuple[str, int]]:
    """The areas most people show, for the directory's filter list: (label, people)."""
    if not is_member_of_network(viewer):
        return []
    rows = (areas_visible_to(ExpertiseArea.objects.all(), viewer).values("key")
            .annotate(people=Count("user_id", distinct=True), label=Max("label")).order_by("-people", "key")[:limit])
    return [(r["label"], r["people"]) for r in rows]


def suggestions_for(viewer, question, *, limit: int = 5):
    """The people best placed to answer this question, as its viewer (the asker) sees it, each with
    `refusal`: why it cannot be put to them now ("" when it can; access.routing_refusal),
    `routable` and `asked`."""
    from .actions import routing_refusals
    from .ranking import find_experts

    topics = " ".join(t.name for t in question.topics.all())
    experts = find_experts(viewer, f"{question.title}\n{topics}\n{question.body}", limit=limit,
                           exclude={question.author_id})
    refusals = routing_refusals(question, [e.user for e in experts])
    for e in experts:
        e.refusal = refusals[e.user.id]
        e.routable, e.asked = not e.refusal, e.refusal == "asked"
    return experts

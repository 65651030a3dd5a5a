"""Who may see and do what with expertise. Evidence and areas are read through the places the
viewer may read (stream.access.readable_place_q, the same definition as every post list)."""

from __future__ import annotations

from django.db.models import Q

from essaim.accounts.access import is_member_of_network
from essaim.core.errors import NotFound
from essaim.stream.access import can_moderate_post, can_read_post, readable_place_q


def areas_visible_to(qs, viewer):
    """Expertise areas (or summaries) drawn from places the viewer may read."""
    if not is_member_of_network(viewer):
        return qs.none()
    return qs.filter(Q(network_id=viewer.network_id) & readable_place_q(viewer))


def declared_skill(user, name):
    """One of the person's declared skills, by name (any case), or NotFound."""
    from essaim.accounts.models import Skill

    name = " ".join(str(name or "").split()).lower()[:60]
    skill = Skill.objects.filter(network_id=user.network_id, name=name, people=user).first() if name else None
    if skill is None:
        raise NotFound()
    return skill


def can_endorse(viewer, user) -> bool:
    return (is_member_of_network(viewer) and viewer.network_id == user.network_id and viewer.id != user.id
            and user.is_active and not user.is_placeholder)


def can_route(viewer, question) -> bool:
    """The asker, or a moderator of the question's place, may put a question to experts."""
    return (is_member_of_network(viewer) and question.kind == "question" and can_read_post(viewer, question)
            and (question.author_id == viewer.id or can_moderate_post(viewer, question)))


def routing_refusal(person, question, pref, *, asked: bool, this_week: int) -> str:
    """Why `question` cannot be put to `person` now, or "" when it can. `pref`: their
    RoutingPreference (None: never chosen, so no); `asked`: it was put to them already;
    `this_week`: questions put to them in the last 7 days."""
    from .models import MAX_WEEKLY

    if not person.is_active or person.is_placeholder or person.id == question.author_id:
        return "unavailable"
    if not can_read_post(person, question):
        return "cannot_read"
    if pref is None or not pref.accepts_questions:
        return "not_accepting"
    if asked:
        return "asked"
    if this_week >= min(pref.weekly_limit, MAX_WEEKLY):
        return "weekly_limit"
    return ""

"""Read paths about people, with their prefetching, shared by the pages and the API."""

from __future__ import annotations

from django.db.models import Q

from essaim.core.pagination import Page, paginate_by_name
from essaim.core.text import fold

from .models import Follow, User

MAX_QUERY = 200


def directory(viewer, *, q: str = "", department: str = "", organization: str = "", skill: str = "",
              location: str = "", area: str = "", cursor: str | None = None, limit: int | None = None) -> Page:
    """The people directory: active people the viewer may see, by name (ignoring case and accents)
    then id.

    q matches the display name (ignoring case and accents) or handle anywhere, or the e-mail
    address from its start; the filters match department, organization and skill exactly (ignoring case) and the
    location anywhere; `area` keeps people with this expertise area (inferred from what they did in
    places the viewer may read, and not hidden by them)."""
    qs = User.objects.visible_to(viewer).select_related("organization").prefetch_related("skills")
    q = (q or "").strip()[:MAX_QUERY]
    if q:
        qs = qs.filter(Q(sort_name__contains=fold(q)) | Q(handle__icontains=q.lstrip("@")) | Q(email__istartswith=q))
    if department := (department or "").strip():
        qs = qs.filter(department__iexact=department)
    if organization := (organization or "").strip():
        qs = qs.filter(organization__name__iexact=organization)
    if skill := " ".join((skill or "").split()).lower():
        qs = qs.filter(skills__name=skill)
    if location := (location or "").strip():
        qs = qs.filter(location__icontains=location)
    if area := (area or "").strip():
        from essaim.experts.queries import people_with_area

        qs = qs.filter(id__in=people_with_area(viewer, area))
    return paginate_by_name(qs, cursor=cursor, limit=limit, field="sort_name")


def is_following(viewer, user) -> bool:
    return Follow.objects.filter(follower_id=viewer.id, followee_id=user.id).exists()

"""{% community_level_form community %} on a community page, {% mute_button post %} on a post page:
small forms that work without JavaScript (one query each)."""

from __future__ import annotations

from django import template

from essaim.notifications import queries
from essaim.notifications.models import CommunityLevel

register = template.Library()


@register.inclusion_tag("notifications/_community_level.html", takes_context=True)
def community_level_form(context, community):
    user = context["request"].user
    level = queries.community_level(user, community)
    return {"community": community, "level": level, "level_label": CommunityLevel(level).label,
            "choices": CommunityLevel.choices, "next": context["request"].get_full_path(),
            "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("notifications/_mute_button.html", takes_context=True)
def mute_button(context, post):
    user = context["request"].user
    return {"post": post, "muted": queries.is_muted(user, post), "csrf_token": context.get("csrf_token")}

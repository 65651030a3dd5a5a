"""Template helpers for posts and comments: `{% load stream_tags %}`."""

from django import template

from essaim.stream.models import REACTION_EMOJI, ReactionKind

register = template.Library()


@register.filter
def reaction_buttons(obj) -> list[dict]:
    """The reaction buttons of a decorated post or comment (see queries.decorate_posts), in a fixed order."""
    counts = getattr(obj, "reaction_counts", None) or {}
    mine = set(getattr(obj, "my_reactions", None) or [])
    return [{"kind": kind, "label": label, "emoji": REACTION_EMOJI[kind], "count": counts.get(kind, 0),
             "mine": kind in mine} for kind, label in ReactionKind.choices]

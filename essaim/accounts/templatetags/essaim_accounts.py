"""Template helpers for people.

    {% load essaim_accounts %}
    {% avatar user %}                       40 px
    {% avatar user "small" %}               28 px      {% avatar user "large" %}   96 px
    {% avatar user 64 %}                    any size in pixels
    {% avatar user "small" decorative=True %}   alt="" when the name is written next to it
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from essaim.accounts.avatars import uploaded_or_gravatar_url

register = template.Library()

NAMED_SIZES = {"small": 28, "": 40, "medium": 40, "large": 96}


def _size(size) -> tuple[int, str]:
    """(pixels, extra CSS class) for a named or numeric size."""
    if isinstance(size, str) and not size.isdigit():
        name = size if size in NAMED_SIZES else ""
        return NAMED_SIZES[name], name if name in ("small", "large") else ""
    try:
        pixels = max(12, min(int(size), 512))
    except (TypeError, ValueError):
        return 40, ""
    return pixels, "large" if pixels >= 96 else ("small" if pixels <= 28 else "")


@register.simple_tag(takes_context=True)
def avatar(context, user, size=40, decorative=False):
    """The person's picture with their name as alternative text, or their initials (no extra request)."""
    if user is None or not getattr(user, "pk", None):
        return ""
    pixels, extra = _size(size)
    request = context.get("request")
    network = getattr(request, "network", None) if request is not None else None
    network = network or context.get("network")
    classes = f"avatar {extra}".strip()
    url = uploaded_or_gravatar_url(user, pixels, network)
    if url is None:
        if decorative:
            return format_html('<span class="{} initials" aria-hidden="true">{}</span>', classes, user.initials)
        return format_html('<span class="{} initials" role="img" aria-label="{}">{}</span>', classes,
                           user.display_name, user.initials)
    return format_html(
        '<img class="{}" src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
        classes, url, "" if decorative else user.display_name, pixels, pixels,
    )

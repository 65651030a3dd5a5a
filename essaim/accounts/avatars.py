"""Where a person's picture comes from: the uploaded one, else Gravatar when the network allows
it (off by default: it sends a hash of the e-mail address outside), else the initials."""

from __future__ import annotations

from functools import lru_cache

from django.urls import reverse


def uploaded_or_gravatar_url(user, size: int = 40, network=None) -> str | None:
    if getattr(user, "avatar", None):
        return user.avatar.url
    if network is not None and network.gravatar_enabled and user.email:
        return f"https://www.gravatar.com/avatar/{user.email_hash}?s={min(size * 2, 512)}&d=identicon"
    return None


@lru_cache(maxsize=1)
def _initials_pattern() -> str:
    # reverse() once: lists of people would otherwise resolve the same route for every person.
    return reverse("accounts:avatar", args=[987654321]).replace("987654321", "{}")


def avatar_url(user, size: int = 40, network=None) -> str:
    """Always a URL: the initials SVG when there is no picture (for the API and e-mails)."""
    return uploaded_or_gravatar_url(user, size, network) or _initials_pattern().format(user.id)

"""The shared name space of person handles and community slugs."""

from __future__ import annotations

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .errors import Conflict, InvalidInput
from .models import Name

NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_.-]{0,38}[a-z0-9_])?$")
RESERVED = {"admin", "administrator", "all", "api", "everyone", "here", "channel", "essaim", "me", "static",
            "media", "support", "root", "system"}


def slugify_name(text: str) -> str:
    """Turn 'Équipe Données' into 'equipe-donnees' (ASCII, lower case, at most 40)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_.-]+", "-", ascii_text.lower()).strip("-._")
    return slug[:40].strip("-._") or "x"


def validate_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not NAME_RE.match(name):
        raise InvalidInput(
            _("Use 1 to 40 letters, digits, dots, dashes or underscores, starting with a letter or digit."),
            code="invalid_name", details={"name": name[:60]},
        )
    if name in RESERVED:
        raise InvalidInput(_("This name is reserved."), code="reserved_name", details={"name": name})
    return name


def claim_free_name(network_id: int, base: str, kind: int, object_id: int) -> str:
    """Reserve `base`, or base2, base3... whichever is free first."""
    base = slugify_name(base)[:36].strip("-._") or "x"
    if base in RESERVED:
        base = base + "1"
    for n in range(1, 10_000):
        candidate = base if n == 1 else f"{base}{n}"
        try:
            with transaction.atomic():
                Name.objects.create(network_id=network_id, name=candidate, kind=kind, object_id=object_id)
            return candidate
        except IntegrityError:
            continue
    raise Conflict(_("No free name could be found."), code="name_taken")


def claim_name(network_id: int, name: str, kind: int, object_id: int) -> str:
    name = validate_name(name)
    try:
        with transaction.atomic():
            Name.objects.create(network_id=network_id, name=name, kind=kind, object_id=object_id)
    except IntegrityError:
        raise Conflict(_("This name is already taken."), code="name_taken", details={"name": name}) from None
    return name


def rename(network_id: int, old: str, new: str, kind: int, object_id: int) -> str:
    new = validate_name(new)
    if new == old:
        return new
    claim_name(network_id, new, kind, object_id)
    Name.objects.filter(network_id=network_id, name=old, kind=kind, object_id=object_id).delete()
    return new


def resolve(network_id: int, names: list[str]) -> dict[str, tuple[int, int]]:
    """name -> (kind, object_id) for the names that exist."""
    if not names:
        return {}
    return {n: (k, o) for n, k, o in Name.objects.filter(network_id=network_id, name__in=names)
            .values_list("name", "kind", "object_id")}

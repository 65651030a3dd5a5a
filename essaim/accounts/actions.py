"""Every write about networks and people."""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from essaim.core import activity, names, text
from essaim.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from essaim.core.mail import send_on_commit
from essaim.core.models import Name, Network
from essaim.core.prepared import Prepared

from .access import can_edit_profile, require_admin
from .models import ApiToken, Follow, Invitation, Organization, Skill, User

INVITATION_DAYS = 7
MAX_SKILLS = 50
AVATAR_SIZE = 256
AVATAR_MAX_BYTES = 5 * 1024 * 1024
FIELD_LABELS = {"display_name": gettext_lazy("Display name"), "job_title": gettext_lazy("Job title"),
                "department": gettext_lazy("Department"), "location": gettext_lazy("Location"),
                "phone": gettext_lazy("Phone"), "bio": gettext_lazy("About you"),
                "organization": gettext_lazy("Organization")}
PROFILE_LIMITS = {"display_name": 120, "job_title": 120, "department": 120, "location": 120, "phone": 40,
                  "bio": 5000, "organization": 120}


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Enter a valid e-mail address."), code="invalid_email") from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code="weak_password") from None


def do_create_network(name: str, slug: str, *, domain: str = "") -> Network:
    return Network.objects.create(name=name, slug=slug, domain=domain.lower())


@transaction.atomic
def do_create_user(network: Network, *, email: str, display_name: str, password: str | None = None,
                   is_admin: bool = False, handle: str | None = None, acting_user: User | None = None,
                   **profile) -> User:
    email = _clean_email(email)
    display_name = (display_name or "").strip()
    if not display_name:
        raise InvalidInput(_("A display name is required."), code="invalid_display_name")
    if User.objects.filter(network=network, email__iexact=email).exists():
        raise Conflict(_("Someone already uses this e-mail address."), code="email_taken")
    user = User(network=network, email=email, display_name=display_name[:120], sort_name=text.fold(display_name)[:120],
                is_admin=is_admin, handle="")
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(_("Someone already uses this e-mail address."), code="email_taken") from None
    if handle:
        user.handle = names.claim_name(network.id, handle, Name.Kind.USER, user.id)
    else:
        user.handle = names.claim_free_name(network.id, email.split("@")[0], Name.Kind.USER, user.id)
    user.save(update_fields=["handle"])
    if profile:
        _apply_profile(user, profile)
    _search_reindex(user)
    return user


def _apply_profile(user: User, fields: dict) -> None:
    update = []
    for key, value in fields.items():
        if key in PROFILE_LIMITS and key != "organization":
            value = (value or "").strip()
            if len(value) > PROFILE_LIMITS[key]:
                raise InvalidInput(_("%(field)s is too long (at most %(max)d characters).")
                                   % {"field": FIELD_LABELS[key], "max": PROFILE_LIMITS[key]}, code="too_long",
                                   details={"field": key})
            if key == "display_name" and not value:
                raise InvalidInput(_("A display name is required."), code="invalid_display_name")
            setattr(user, key, value)
            update.append(key)
            if key == "display_name":
                user.sort_name = text.fold(value)[:120]
                update.append("sort_name")
        elif key == "organization":
            value = (value or "").strip()[:120]
            user.organization = (
                Organization.objects.get_or_create(network_id=user.network_id, name=value)[0] if value else None
            )
            update.append("organization")
        elif key == "language":
            if value not in ("", "en", "fr"):
                raise InvalidInput(_("Unknown language."), code="invalid_language")
            user.language = value
            update.append("language")
        elif key == "handle":
            user.handle = names.rename(user.network_id, user.handle, value, Name.Kind.USER, user.id)
            update.append("handle")
        elif key == "skills":
            _set_skills(user, value)
        else:
            raise InvalidInput(_("Unknown field: %(field)s") % {"field": key}, code="unknown_field")
    if update:
        user.save(update_fields=update)


def _set_skills(user: User, skills: list[str]) -> None:
    cleaned: dict[str, None] = {}
    for skill in skills or []:
        skill = " ".join(str(skill).split()).lower()[:60]
        if skill:
            cleaned.setdefault(skill, None)
    if len(cleaned) > MAX_SKILLS:
        raise InvalidInput(_("At most %(max)d skills.") % {"max": MAX_SKILLS}, code="too_many_skills")
    existing = {s.name: s for s in Skill.objects.filter(network_id=user.network_id, name__in=list(cleaned))}
    missing = [Skill(network_id=user.network_id, name=n) for n in cleaned if n not in existing]
    if missing:
        Skill.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {s.name: s for s in Skill.objects.filter(network_id=user.network_id, name__in=list(cleaned))}
    user.skills.set([existing[n] for n in cleaned])


@transaction.atomic
def do_update_profile(user: User, *, acting_user: User, **fields) -> User:
    if not can_edit_profile(acting_user, user):
        raise Forbidden()
    _apply_profile(user, fields)
    _search_reindex(user)
    return user


def _search_reindex(user: User) -> None:
    from essaim.search.jobs import queue_person  # people have no events yet: the search index asks for them

    queue_person(user)


@transaction.atomic
def do_set_avatar(user: User, upload, *, acting_user: User) -> User:
    """Resize to a square, re-encode as PNG: nothing of the original file (EXIF, GPS) survives."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not can_edit_profile(acting_user, user):
        raise Forbidden()
    if upload.size > AVATAR_MAX_BYTES:
        raise InvalidInput(_("The picture is too large (at most 5 MB)."), code="too_large")
    try:
        image = Image.open(upload)
        if image.format not in {"JPEG", "PNG", "GIF", "WEBP"}:
            raise InvalidInput(_("Use a JPEG, PNG, GIF or WebP picture."), code="invalid_image")
        if image.width * image.height > 40_000_000:
            raise InvalidInput(_("The picture is too large."), code="too_large")
        image = ImageOps.exif_transpose(image)
        image = ImageOps.fit(image.convert("RGBA"), (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        raise InvalidInput(_("This file is not a picture we can read."), code="invalid_image") from None
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    old = user.avatar.name if user.avatar else None
    user.avatar.save(f"{user.network_id}-{user.id}-{secrets.token_hex(4)}.png", ContentFile(out.getvalue()), save=True)
    if old:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old))
    return user


@transaction.atomic
def do_remove_avatar(user: User, *, acting_user: User) -> User:
    if not can_edit_profile(acting_user, user):
        raise Forbidden()
    if user.avatar:
        old, storage = user.avatar.name, user.avatar.storage
        user.avatar = None
        user.save(update_fields=["avatar"])
        transaction.on_commit(lambda: storage.delete(old))
    return user


@transaction.atomic
def do_follow_user(follower: User, followee: User) -> bool:
    if follower.network_id != followee.network_id:
        raise InvalidInput(_("You cannot follow this person."), code="invalid_follow")
    if follower.id == followee.id:
        raise InvalidInput(_("You cannot follow yourself."), code="invalid_follow")
    _follow, created = Follow.objects.get_or_create(network_id=follower.network_id, follower=follower,
                                                    followee=followee)
    if created:
        activity.record(network_id=follower.network_id, user_id=follower.id, verb=activity.Verb.FOLLOW,
                        object_type=activity.Object.PROFILE, object_id=followee.id)
    return created


@transaction.atomic
def do_unfollow_user(follower: User, followee: User) -> bool:
    deleted, _rows = Follow.objects.filter(follower=follower, followee=followee).delete()
    return bool(deleted)


@transaction.atomic
def do_invite_person(network: Network, email: str, *, acting_user: User, is_admin: bool = False,
                     language: str | None = None) -> tuple[Invitation, str]:
    require_admin(acting_user)
    email = _clean_email(email)
    if User.objects.filter(network=network, email__iexact=email).exists():
        raise Conflict(_("Someone already uses this e-mail address."), code="email_taken")
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        network=network, email=email, token_hash=_hash_token(raw), invited_by=acting_user, is_admin=is_admin,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    send_on_commit(to=email, template="invitation", language=language or acting_user.language or None,
                   context={"inviter": acting_user.display_name, "network": network.name,
                            "path": f"/invitations/{raw}/", "days": INVITATION_DAYS})
    return invitation, raw


def find_invitation(network: Network, raw: str) -> Invitation | None:
    invitation = Invitation.objects.filter(network=network, token_hash=_hash_token(raw or "")).first()
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        return None
    return invitation


def invitation_status(network: Network, raw: str) -> str:
    """"valid", "used", "expired" or "unknown": what the invitation page tells the visitor."""
    invitation = Invitation.objects.filter(network=network, token_hash=_hash_token(raw or "")).first()
    if invitation is None:
        return "unknown"
    if invitation.accepted_at is not None:
        return "used"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "valid"


@transaction.atomic
def do_accept_invitation(network: Network, raw: str, *, display_name: str, password: str) -> User:
    invitation = find_invitation(network, raw)
    if invitation is None:
        raise InvalidInput(_("This invitation link is not valid any more."), code="invalid_invitation")
    # Lock the invitation row so two clicks create one account.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvalidInput(_("This invitation link is not valid any more."), code="invalid_invitation")
    user = do_create_user(network, email=invitation.email, display_name=display_name, password=password,
                          is_admin=invitation.is_admin)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user


@transaction.atomic
def do_request_password_reset(network: Network, email: str) -> None:
    """Sends a reset link if the address belongs to an active account; says nothing either way."""
    user = User.objects.filter(network=network, email__iexact=(email or "").strip(), is_active=True).first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    send_on_commit(to=user.email, template="password_reset", language=user.language or None,
                   context={"user": user.display_name, "network": network.name,
                            "path": f"/password/reset/{uid}/{token}/"})


@transaction.atomic
def do_set_password(user: User, password: str, *, acting_user: User) -> User:
    if acting_user.id != user.id:
        raise Forbidden()
    _check_password(password, user)
    user.set_password(password)
    user.auth_epoch += 1
    user.save(update_fields=["password", "auth_epoch"])
    return user


@transaction.atomic
def do_reset_password(user: User, token: str, password: str) -> User:
    if not default_token_generator.check_token(user, token):
        raise InvalidInput(_("This reset link is not valid any more."), code="invalid_reset")
    return do_set_password(user, password, acting_user=user)


@transaction.atomic
def do_deactivate_user(user: User, *, acting_user: User) -> User:
    """Ends every session (auth_epoch) and revokes every token."""
    require_admin(acting_user)
    if user.network_id != acting_user.network_id:
        raise Forbidden()
    if user.id == acting_user.id:
        raise Conflict(_("You cannot deactivate your own account."), code="self_deactivation")
    user.is_active = False
    user.auth_epoch += 1
    user.save(update_fields=["is_active", "auth_epoch"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return user


@transaction.atomic
def do_reactivate_user(user: User, *, acting_user: User) -> User:
    require_admin(acting_user)
    if user.network_id != acting_user.network_id:
        raise Forbidden()
    user.is_active = True
    user.save(update_fields=["is_active"])
    _search_reindex(user)
    return user


@transaction.atomic
def do_set_admin(user: User, is_admin: bool, *, acting_user: User) -> User:
    require_admin(acting_user)
    if user.network_id != acting_user.network_id:
        raise Forbidden()
    if not is_admin and user.id == acting_user.id:
        raise Conflict(_("You cannot remove your own administrator role."), code="last_admin")
    user.is_admin = is_admin
    user.save(update_fields=["is_admin"])
    return user


@transaction.atomic
def do_create_token(user: User, *, scopes: list[str], name: str = "", acting_user: User) -> tuple[ApiToken, str]:
    if acting_user.id != user.id and not (acting_user.is_admin and acting_user.network_id == user.network_id):
        raise Forbidden()
    scopes = [s.strip() for s in scopes if s.strip()]
    unknown = set(scopes) - set(ApiToken.SCOPES)
    if not scopes or unknown:
        raise InvalidInput(_("Scopes must be among: %(scopes)s.") % {"scopes": ", ".join(ApiToken.SCOPES)},
                           code="invalid_scopes")
    raw = "ess_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(network_id=user.network_id, user=user, name=name[:100],
                                    token_hash=_hash_token(raw), prefix=raw[:12], scopes=",".join(sorted(scopes)))
    return token, raw


@transaction.atomic
def do_revoke_token(token: ApiToken, *, acting_user: User) -> None:
    if token.user_id != acting_user.id and not (acting_user.is_admin and acting_user.network_id == token.network_id):
        raise Forbidden()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


_token_by_hash = Prepared(lambda token_hash: ApiToken.objects.select_related("user", "user__network")
                         .filter(token_hash=token_hash, revoked_at__isnull=True).order_by("pk")[:1])


def find_token(raw: str) -> ApiToken | None:
    """The live token whose secret is `raw` (with its person and network), on every API request."""
    token = next(iter(_token_by_hash.objects(token_hash=_hash_token(raw))), None)
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def do_update_network_settings(network: Network, *, acting_user: User, **fields) -> Network:
    require_admin(acting_user)
    allowed = {"name", "all_company_announcements_only", "restrict_community_creation", "gravatar_enabled"}
    for key, value in fields.items():
        if key not in allowed:
            raise InvalidInput(_("Unknown field: %(field)s") % {"field": key}, code="unknown_field")
        setattr(network, key, value)
    network.save(update_fields=list(fields))
    return network


@transaction.atomic
def do_create_placeholder_user(network: Network, *, display_name: str, source: str, source_id: str,
                               created_at=None, bio: str = "", location: str = "") -> User:
    """Someone known only from imported content (e.g. a StackExchange dump): listed and credited like
    anyone (active, in the directory), but no one can sign in as them: no usable password and an
    e-mail address that cannot receive mail (a .invalid domain, RFC 2606)."""
    display_name = " ".join((display_name or "").split())[:120] or "Anonymous"
    source, source_id = (source or "").strip()[:100], str(source_id or "").strip()[:64]
    if not source or not source_id:
        raise InvalidInput(_("An imported person needs a source and a source id."), code="invalid_source")
    local = source_id if source_id.replace("-", "").isalnum() and source_id.isascii() else \
        hashlib.sha256(source_id.encode()).hexdigest()[:20]
    email = f"{local}@{names.slugify_name(source)}.placeholder.invalid".lower()
    if User.objects.filter(network=network, email__iexact=email).exists():
        raise Conflict(_("Someone already uses this e-mail address."), code="email_taken")
    user = User(network=network, email=email, display_name=display_name, sort_name=text.fold(display_name)[:120],
                handle="", is_placeholder=True, is_active=True, source=source, source_id=source_id,
                bio=(bio or "").strip()[:PROFILE_LIMITS["bio"]], location=(location or "").strip()[:120])
    if created_at is not None:
        user.date_joined = created_at
    user.set_unusable_password()
    user.save()
    base = names.slugify_name(display_name)
    if base == "x":  # nothing Latin in the name: fall back to the source id
        base = names.slugify_name(f"user{local}")
    user.handle = names.claim_free_name(network.id, base, Name.Kind.USER, user.id)
    user.save(update_fields=["handle"])
    _search_reindex(user)  # found in search like anyone
    return user


def do_bulk_create_people(network: Network, people: list[tuple[str, str]]) -> list[int]:
    """Many people at once (generated data for measurements): (display name, handle) pairs, with
    no usable password and an address that cannot receive mail, written in one statement per
    1,000 with their handles claimed; the search index learns of them through one job per
    1,000. A handle already taken refuses the whole batch (nothing written). Returns the ids."""
    from essaim.search.jobs import queue_people

    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

    ids: list[int] = []
    for start in range(0, len(people), 1000):
        chunk = people[start:start + 1000]
        unusable = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
        handles = [names.validate_name(h) for _n, h in chunk]
        if len(set(handles)) != len(handles) or Name.objects.filter(network=network, name__in=handles).exists():
            raise Conflict(_("This handle is taken."), code="handle_taken")
        rows = []
        for (display, _h), handle in zip(chunk, handles):
            display = " ".join((display or "").split())[:120] or handle
            user = User(network=network, email=f"{handle}@people.invalid", display_name=display,
                        sort_name=text.fold(display)[:120], handle=handle)
            user.password = unusable  # what set_unusable_password() writes, without 40 system calls a person
            rows.append(user)
        with transaction.atomic():
            made = User.objects.bulk_create(rows)
            Name.objects.bulk_create([Name(network=network, name=u.handle, kind=Name.Kind.USER, object_id=u.id)
                                      for u in made])
            queue_people(network.id, [u.id for u in made])
        ids.extend(u.id for u in made)
    return ids


def do_bulk_follow(network: Network, pairs: list[tuple[int, int]]) -> int:
    """Many follows at once (generated data): (follower id, followee id) pairs of people of the
    network; following oneself is refused, a follow that exists stays as it is. One transaction,
    written in bulk (core.bulk.insert_new). No activity. Returns how many were new."""
    from essaim.core.bulk import existing_ids, insert_new

    people = {i for pair in pairs for i in pair}
    if len(existing_ids(User.objects.filter(network=network), people)) != len(people):
        raise NotFound()
    if any(a == b for a, b in pairs):
        raise InvalidInput(_("You cannot follow yourself."), code="invalid_follow")

    now = timezone.now()
    with transaction.atomic():
        return insert_new(Follow, ("network_id", "follower_id", "followee_id", "created_at"),
                          [(network.id, a, b, now) for a, b in pairs])

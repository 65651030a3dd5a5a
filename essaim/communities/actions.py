"""Every write about communities, memberships and join requests."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from essaim.core import activity, names, text
from essaim.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from essaim.core.events import emit_on_commit
from essaim.core.models import Name
from essaim.notifications.actions import notify
from essaim.notifications.models import Kind

from . import access, events
from .models import ROLE_RANK, Community, JoinRequest, Membership, Role, Visibility


FIELD_LABELS = {"name": gettext_lazy("Name"), "description": gettext_lazy("Description"),
                "message": gettext_lazy("Message")}


def _clean_text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    label = FIELD_LABELS[field]
    if required and not value:
        raise InvalidInput(_("%(field)s is required.") % {"field": label}, code="required", details={"field": field})
    if len(value) > limit:
        raise InvalidInput(_("%(field)s is too long (at most %(max)d characters).") % {"field": label, "max": limit},
                           code="too_long", details={"field": field})
    return value


def _check_visibility(visibility: str) -> str:
    if visibility not in Visibility.values:
        raise InvalidInput(_("Visibility must be open, private or secret."), code="invalid_visibility")
    return visibility


def _membership_changed(community: Community, user_id: int) -> None:
    emit_on_commit(events.MEMBERSHIP_CHANGED, network_id=community.network_id, recipients=[user_id],
                   data={"community_id": str(community.id)})


def _add_membership(community: Community, user, role: str) -> Membership:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(network_id=community.network_id, community=community,
                                                   user=user, role=role)
    except IntegrityError:
        raise Conflict(_("Already a member of this community."), code="already_member") from None
    Community.objects.filter(pk=community.pk).update(member_count=F("member_count") + 1)
    community.member_count += 1
    access.forget_roles(user)
    activity.record(network_id=community.network_id, user_id=user.id, verb=activity.Verb.JOIN,
                    object_type=activity.Object.COMMUNITY, object_id=community.id, community_id=community.id)
    _membership_changed(community, user.id)
    return membership


@transaction.atomic
def do_create_community(creator, *, name: str, description: str = "", visibility: str = Visibility.OPEN,
                        slug: str | None = None) -> Community:
    if not access.can_create_community(creator):
        raise Forbidden(_("Only administrators can create communities in this network."))
    name = _clean_text(name, "name", 100, required=True)
    description = _clean_text(description, "description", 2000)
    community = Community.objects.create(network_id=creator.network_id, name=name, sort_name=text.fold(name)[:100],
                                         slug="",
                                         description=description, visibility=_check_visibility(visibility),
                                         created_by=creator)
    if slug:
        community.slug = names.claim_name(creator.network_id, slug, Name.Kind.COMMUNITY, community.id)
    else:
        community.slug = names.claim_free_name(creator.network_id, name, Name.Kind.COMMUNITY, community.id)
    community.save(update_fields=["slug"])
    _add_membership(community, creator, Role.OWNER)
    return community


@transaction.atomic
def do_update_community(community: Community, *, acting_user, **fields) -> Community:
    access.require_owner(acting_user, community)
    update = []
    for key, value in fields.items():
        if key == "name":
            community.name = _clean_text(value, "name", 100, required=True)
            community.sort_name = text.fold(community.name)[:100]
            update.append("sort_name")
        elif key == "description":
            community.description = _clean_text(value, "description", 2000)
        elif key == "visibility":
            community.visibility = _check_visibility(value)
        elif key == "slug":
            community.slug = names.rename(community.network_id, community.slug, value, Name.Kind.COMMUNITY,
                                          community.id)
        else:
            raise InvalidInput(_("Unknown field: %(field)s") % {"field": key}, code="unknown_field")
        update.append(key)
    if update:
        community.save(update_fields=update)
        emit_on_commit(events.COMMUNITY_UPDATED, network_id=community.network_id,
                       data={"community_id": str(community.id)})
    return community


@transaction.atomic
def do_join_community(user, community: Community, *, message: str = ""):
    """Open: join at once (returns the Membership). Private: ask (returns the JoinRequest)."""
    if not access.can_see_community(user, community):
        raise NotFound()
    if access.role_in(user, community) is not None:
        raise Conflict(_("You are already a member of this community."), code="already_member")
    if community.visibility == Visibility.OPEN:
        return _add_membership(community, user, Role.MEMBER)
    if community.visibility == Visibility.SECRET:
        raise NotFound()
    message = _clean_text(message, "message", 1000)
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(network_id=community.network_id, community=community, user=user,
                                                 message=message)
    except IntegrityError:
        raise Conflict(_("You have already asked to join this community."), code="request_pending") from None
    moderators = Membership.objects.filter(community=community, role__in=[Role.OWNER, Role.MODERATOR])
    notify(moderators.values_list("user_id", flat=True)[:50], kind=Kind.JOIN_REQUEST, actor=user,
           network_id=community.network_id, community=community)
    return request


def _owner_count(community: Community) -> int:
    # Counted under a lock on the community row: two owners stepping down at the same moment
    # would otherwise each see the other still there, and leave the community without an owner.
    list(Community.objects.select_for_update().filter(pk=community.pk).values_list("id", flat=True))
    return Membership.objects.filter(community=community, role=Role.OWNER).count()


def _remove_membership(community: Community, membership: Membership) -> None:
    if membership.role == Role.OWNER and _owner_count(community) <= 1:
        raise Conflict(_("The last owner cannot leave: make someone else owner first."), code="last_owner")
    membership.delete()
    Community.objects.filter(pk=community.pk).update(member_count=F("member_count") - 1)
    community.member_count -= 1
    access.forget_roles(membership.user)
    _membership_changed(community, membership.user_id)


@transaction.atomic
def do_leave_community(user, community: Community) -> None:
    membership = Membership.objects.select_for_update().filter(community=community, user=user).first()
    if membership is None:
        raise Conflict(_("You are not a member of this community."), code="not_member")
    membership.user = user
    _remove_membership(community, membership)


@transaction.atomic
def do_cancel_request(user, community: Community) -> None:
    JoinRequest.objects.filter(community=community, user=user, status=JoinRequest.Status.PENDING).delete()


@transaction.atomic
def do_decide_request(request: JoinRequest, *, approve: bool, acting_user) -> JoinRequest:
    community = request.community
    access.require_manage_members(acting_user, community)
    request = JoinRequest.objects.select_for_update().select_related("user").get(pk=request.pk)
    if request.status != JoinRequest.Status.PENDING:
        raise Conflict(_("This request has already been decided."), code="already_decided")
    request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DENIED
    request.decided_by = acting_user
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        if not Membership.objects.filter(community=community, user=request.user).exists():
            _add_membership(community, request.user, Role.MEMBER)
        notify([request.user_id], kind=Kind.REQUEST_APPROVED, actor=acting_user, network_id=community.network_id,
               community=community)
    return request


def _check_role(role: str) -> str:
    if role not in Role.values:
        raise InvalidInput(_("Role must be owner, moderator or member."), code="invalid_role")
    return role


@transaction.atomic
def do_add_member(community: Community, user, *, role: str = Role.MEMBER, acting_user,
                  quiet: bool = False) -> Membership:
    """Invite: owners and moderators add a colleague, who is told so (unless `quiet`: imports)."""
    access.require_manage_members(acting_user, community)
    role = _check_role(role)
    if ROLE_RANK[role] > ROLE_RANK[Role.MEMBER]:
        access.require_owner(acting_user, community)
    if user.network_id != community.network_id or not user.is_active:
        raise NotFound()
    membership = _add_membership(community, user, role)
    JoinRequest.objects.filter(community=community, user=user, status=JoinRequest.Status.PENDING).update(
        status=JoinRequest.Status.APPROVED, decided_by=acting_user, decided_at=timezone.now())
    if not quiet:
        notify([user.id], kind=Kind.INVITATION, actor=acting_user, network_id=community.network_id,
               community=community)
    return membership


@transaction.atomic
def do_change_role(community: Community, user, *, role: str, acting_user) -> Membership:
    access.require_owner(acting_user, community)
    role = _check_role(role)
    membership = Membership.objects.select_for_update().filter(community=community, user=user).first()
    if membership is None:
        raise NotFound()
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(community) <= 1:
        raise Conflict(_("A community needs at least one owner."), code="last_owner")
    membership.role = role
    membership.save(update_fields=["role"])
    access.forget_roles(user)
    _membership_changed(community, user.id)
    return membership


@transaction.atomic
def do_remove_member(community: Community, user, *, acting_user) -> None:
    if user.id == acting_user.id:
        return do_leave_community(user, community)
    access.require_manage_members(acting_user, community)
    membership = Membership.objects.select_for_update().filter(community=community, user=user).first()
    if membership is None:
        raise NotFound()
    # Moderators remove members; only owners remove moderators and owners.
    if membership.role != Role.MEMBER:
        access.require_owner(acting_user, community)
    membership.user = user
    _remove_membership(community, membership)


def do_bulk_create_communities(creator, communities: list[tuple[str, str, str, str]]) -> list[int]:
    """Many communities at once (generated data): (name, slug, visibility, description), each owned
    by `creator`, in one transaction, one statement per 1,000, their slugs claimed (a slug already
    taken refuses them all: nothing written). No activity or notification; one event per
    community for the search index. Returns the new ids."""
    from essaim.core.bulk import chunks

    if not access.can_create_community(creator):
        raise Forbidden(_("Only administrators can create communities in this network."))
    network_id = creator.network_id
    rows = []
    for name, slug, visibility, description in communities:
        name = _clean_text(name, "name", 100, required=True)
        rows.append(Community(network_id=network_id, name=name, sort_name=text.fold(name)[:100],
                              slug=names.validate_name(slug), description=_clean_text(description, "description", 2000),
                              visibility=_check_visibility(visibility), created_by=creator, member_count=1))
    slugs = [c.slug for c in rows]
    if len(set(slugs)) != len(slugs):
        raise Conflict(_("This name is already taken."), code="name_taken")
    ids: list[int] = []
    with transaction.atomic():
        for chunk in chunks(rows, 1000):
            if Name.objects.filter(network_id=network_id, name__in=[c.slug for c in chunk]).exists():
                raise Conflict(_("This name is already taken."), code="name_taken")
            made = Community.objects.bulk_create(chunk)
            Name.objects.bulk_create([Name(network_id=network_id, name=c.slug, kind=Name.Kind.COMMUNITY, object_id=c.id)
                                      for c in made])
            Membership.objects.bulk_create([Membership(network_id=network_id, community=c, user=creator, role=Role.OWNER)
                                            for c in made])
            for c in made:
                emit_on_commit(events.COMMUNITY_UPDATED, network_id=network_id, data={"community_id": str(c.id)})
            ids.extend(c.id for c in made)
    access.forget_roles(creator)
    return ids


def do_bulk_add_members(community_members: dict[int, list[int]], *, acting_user) -> int:
    """Many people into many communities at once (generated data), as members: {community id: [person
    ids]}, by someone who manages each of these communities; people already members stay as they
    are. One transaction, written in bulk (core.bulk.insert_new); member counts kept exact; one event per
    community (its member count is searchable). No notification. Returns how many joined."""
    from django.contrib.auth import get_user_model

    from essaim.core.bulk import existing_ids, insert_new, recount

    network_id = acting_user.network_id
    wanted = sorted(community_members)
    communities = {c.id: c for c in Community.objects.filter(network_id=network_id, id__in=wanted)}
    for community_id in wanted:
        if community_id not in communities:
            raise NotFound()
        access.require_manage_members(acting_user, communities[community_id])
    people = {uid for ids in community_members.values() for uid in ids}
    if len(existing_ids(get_user_model().objects.filter(network_id=network_id, is_active=True), people)) != len(people):
        raise NotFound()
    now = timezone.now()
    rows = [(network_id, cid, uid, Role.MEMBER.value, now) for cid in wanted for uid in community_members[cid]]
    with transaction.atomic():
        joined = insert_new(Membership, ("network_id", "community_id", "user_id", "role", "created_at"), rows)
        recount(Community, wanted, "member_count", Membership.objects.all(), "community_id")
        for cid in wanted:
            emit_on_commit(events.COMMUNITY_UPDATED, network_id=network_id, data={"community_id": str(cid)})
    access.forget_roles()
    return joined

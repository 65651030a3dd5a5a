"""Community pages: the list, creation, a community's page, its members and join requests.
Thin: parse, call access / actions, render. Every button is a form that works without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from essaim.accounts.access import access_user
from essaim.accounts.models import User
from essaim.accounts.views import attempt, back, form_error, next_page_url
from essaim.core import activity
from essaim.core.errors import Conflict, EssaimError, Forbidden, InvalidInput, NotFound

from . import access, actions, queries
from .forms import AddMemberForm, CommunityForm, JoinRequestForm, RoleForm, SearchForm
from .models import JoinRequest, Role, Visibility


def _detail(community) -> str:
    return reverse("communities:detail", args=[community.id])


def _header(viewer, community) -> dict:
    """What the community header shows: the viewer's role, their tabs, the pending request count."""
    is_moderator = access.is_moderator(viewer, community)
    return {
        "community": community, "role": access.role_in(viewer, community), "is_moderator": is_moderator,
        "is_owner": access.is_owner(viewer, community),
        "pending_count": (JoinRequest.objects.filter(community=community, status=JoinRequest.Status.PENDING).count()
                          if is_moderator else 0),
    }


@login_required
def community_list(request):
    viewer = request.user
    form = SearchForm(request.GET or None)
    scope = "mine" if request.GET.get("scope") == "mine" else "all"
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = queries.community_directory(viewer, q=q, mine=scope == "mine", cursor=request.GET.get("cursor") or None,
                                       limit=30)
    return render(request, "communities/list.html", {
        "form": form, "scope": scope, "q": q, "communities": page.items,
        "next_url": next_page_url(request, page.next_cursor), "can_create": access.can_create_community(viewer),
    })


@login_required
@require_http_methods(["GET", "POST"])
def community_new(request):
    viewer = request.user
    if not access.can_create_community(viewer):
        raise Forbidden(_("Only administrators can create communities in this network."))
    form = CommunityForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                community = actions.do_create_community(viewer, name=data["name"], description=data["description"],
                                                        visibility=data["visibility"], slug=data["slug"] or None)
            except (InvalidInput, Conflict) as exc:
                form_error(form, _slug_field(exc))
            else:
                messages.success(request, _("The community is created. Invite colleagues from its members page."))
                return redirect(_detail(community))
        return render(request, "communities/form.html", {"form": form, "community": None}, status=422)
    return render(request, "communities/form.html", {"form": form, "community": None})


def _slug_field(exc: EssaimError) -> EssaimError:
    """Name-space errors are about the short name field."""
    if exc.code in ("invalid_name", "reserved_name", "name_taken"):
        exc.details = {"field": "slug"}
    return exc


@login_required
def community_detail(request, community_id):
    from essaim.stream.forms import composer_for
    from essaim.stream.queries import community_feed

    viewer = request.user
    community = access.access_community(viewer, community_id)  # secret and not a member: 404
    can_read = access.can_read_content(viewer, community)
    page = community_feed(viewer, community, cursor=request.GET.get("cursor") or None) if can_read else None
    pending = queries.with_viewer_state([community], viewer)[0].my_request is not None
    activity.record_view(viewer, activity.Object.COMMUNITY, community.id, community_id=community.id)
    return render(request, "communities/detail.html", {
        **_header(viewer, community), "can_read": can_read, "pending": pending,
        "posts": page.items if page else [], "next_url": next_page_url(request, page.next_cursor) if page else None,
        "can_post": access.can_post_in(viewer, community),
        "composer": (composer_for(viewer, next=request.path, community=community)
                     if access.can_post_in(viewer, community) else None),
        "join_form": JoinRequestForm(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def community_edit(request, community_id):
    viewer = request.user
    community = access.access_community(viewer, community_id)
    access.require_owner(viewer, community)
    if request.method == "POST":
        form = CommunityForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            fields = {k: data[k] for k in ("name", "description", "visibility")}
            if data["slug"]:
                fields["slug"] = data["slug"]
            try:
                actions.do_update_community(community, acting_user=viewer, **fields)
            except (InvalidInput, Conflict) as exc:
                form_error(form, _slug_field(exc))
            else:
                messages.success(request, _("The community is saved."))
                return redirect(_detail(community))
        return render(request, "communities/form.html", {"form": form, "community": community}, status=422)
    form = CommunityForm(initial={"name": community.name, "description": community.description,
                                  "visibility": community.visibility, "slug": community.slug})
    return render(request, "communities/form.html", {"form": form, "community": community})


# ---------------------------------------------------------------------------------------------
# Joining and leaving


@require_POST
@login_required
def join(request, community_id):
    viewer = request.user
    community = access.access_community(viewer, community_id)
    form = JoinRequestForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    attempt(request, lambda: actions.do_join_community(viewer, community, message=message),
            lambda result: (_("Your request is sent: the owners and moderators will answer it.")
                            if isinstance(result, JoinRequest) else
                            _("Welcome to %(name)s!") % {"name": community.name}))
    return redirect(_detail(community))


@require_POST
@login_required
def leave(request, community_id):
    viewer = request.user
    community = access.access_community(viewer, community_id)
    left = attempt(request, lambda: actions.do_leave_community(viewer, community),
                   _("You left %(name)s.") % {"name": community.name})
    if left and community.visibility == Visibility.SECRET:
        return redirect("communities:list")  # no longer visible to you
    return redirect(_detail(community))


@require_POST
@login_required
def cancel_request(request, community_id):
    viewer = request.user
    community = access.access_community(viewer, community_id)
    actions.do_cancel_request(viewer, community)
    messages.success(request, _("Your request to join is withdrawn."))
    return redirect(_detail(community))


# ---------------------------------------------------------------------------------------------
# Members and requests


@login_required
def members(request, community_id):
    viewer = request.user
    community = access.access_community_content(viewer, community_id)
    page = queries.members_of(community, cursor=request.GET.get("cursor") or None, limit=50)
    is_owner = access.is_owner(viewer, community)
    for membership in page.items:
        membership.role_form = RoleForm(initial={"role": membership.role}, prefix=f"m{membership.user_id}")
        membership.removable = membership.user_id != viewer.id and (
            is_owner or (membership.role == Role.MEMBER and access.is_moderator(viewer, community)))
    return render(request, "communities/members.html", {
        **_header(viewer, community), "memberships": page.items,
        "next_url": next_page_url(request, page.next_cursor), "add_form": AddMemberForm(can_choose_role=is_owner),
    })


def _find_colleague(viewer, who: str):
    who = who.strip()
    qs = User.objects.visible_to(viewer)
    if "@" in who.lstrip("@"):
        return qs.filter(email__iexact=who).first()
    return qs.filter(handle=who.lstrip("@").lower()).first()


@require_POST
@login_required
def add_member(request, community_id):
    viewer = request.user
    community = access.access_community(viewer, community_id)
    access.require_manage_members(viewer, community)
    form = AddMemberForm(request.POST, can_choose_role=access.is_owner(viewer, community))
    if not form.is_valid():
        messages.error(request, _("Give the colleague's @handle or e-mail address, and a role you may give."))
        return redirect("communities:members", community.id)
    person = _find_colleague(viewer, form.cleaned_data["who"])
    if person is None:
        messages.error(request, _("Nobody in the network has the handle or e-mail address “%(who)s”.")
                       % {"who": form.cleaned_data["who"]})
        return redirect("communities:members", community.id)
    attempt(request, lambda: actions.do_add_member(community, person, role=form.cleaned_data["role"],
                                                   acting_user=viewer),
            _("%(name)s is now a member of %(community)s.") % {"name": person.display_name,
                                                                "community": community.name})
    return redirect("communities:members", community.id)


@require_POST
@login_required
def change_role(request, community_id, user_id):
    viewer = request.user
    community = access.access_community(viewer, community_id)
    access.require_owner(viewer, community)
    person = access_user(viewer, user_id)
    form = RoleForm(request.POST, prefix=f"m{person.id}")
    if not form.is_valid():
        form = RoleForm(request.POST)  # also accept an unprefixed "role" field
    if not form.is_valid():
        messages.error(request, _("Choose a role: owner, moderator or member."))
        return redirect("communities:members", community.id)
    role = form.cleaned_data["role"]
    attempt(request, lambda: actions.do_change_role(community, person, role=role, acting_user=viewer),
            _("%(name)s is now %(role)s.") % {"name": person.display_name, "role": Role(role).label.lower()})
    return back(request, reverse("communities:members", args=[community.id]))


@require_POST
@login_required
def remove_member(request, community_id, user_id):
    viewer = request.user
    community = access.access_community(viewer, community_id)
    person = access_user(viewer, user_id)
    if person.id != viewer.id:
        access.require_manage_members(viewer, community)
    removed = attempt(request, lambda: actions.do_remove_member(community, person, acting_user=viewer),
                      _("%(name)s is no longer a member.") % {"name": person.display_name})
    if removed and person.id == viewer.id and community.visibility == Visibility.SECRET:
        return redirect("communities:list")
    return back(request, reverse("communities:members", args=[community.id]))


@login_required
def requests(request, community_id):
    viewer = request.user
    community = access.access_community(viewer, community_id)
    access.require_manage_members(viewer, community)
    page = queries.pending_requests(community, cursor=request.GET.get("cursor") or None, limit=50)
    return render(request, "communities/requests.html", {
        **_header(viewer, community), "join_requests": page.items,
        "next_url": next_page_url(request, page.next_cursor),
    })


@require_POST
@login_required
def decide_request(request, community_id, request_id, decision):
    viewer = request.user
    community = access.access_community(viewer, community_id)
    if decision not in ("approve", "deny"):
        raise NotFound()
    join_request = access.access_join_request(viewer, community, request_id)
    name = join_request.user.display_name
    attempt(request, lambda: actions.do_decide_request(join_request, approve=decision == "approve",
                                                       acting_user=viewer),
            _("%(name)s is now a member.") % {"name": name} if decision == "approve"
            else _("The request of %(name)s is declined.") % {"name": name})
    return redirect("communities:requests", community.id)

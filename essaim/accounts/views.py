"""Account pages: sign-in, password reset, invitations, the directory, profiles, settings and
the administrators' pages. Thin: parse, call access / queries / actions, render."""

from __future__ import annotations

import colorsys

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from essaim.core import activity
from essaim.core.errors import Conflict, EssaimError, InvalidInput
from essaim.core.http import safe_next, safe_url
from essaim.core.pagination import paginate
from essaim.experts import queries as expert_queries
from essaim.experts.access import can_endorse

from . import actions, queries, throttle
from .access import access_own_token, access_user, require_admin, user_for_reset_link
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    DirectoryForm,
    InviteForm,
    LoginForm,
    NetworkSettingsForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    PeopleSearchForm,
    ProfileForm,
    TokenForm,
)
from .models import ApiToken, Follow, Organization, User

# ---------------------------------------------------------------------------------------------
# Small helpers shared by the account and community pages


def form_error(form, exc: EssaimError) -> None:
    """Show an action's error next to the field it is about, else at the top of the form."""
    field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
    form.add_error(field if field in form.fields else None, exc.message)


def attempt(request, do, success) -> bool:
    """Run a POST button's action: its success message, or the action's refusal (a conflict or bad
    input) as an error message. `success` is a message or a function of the action's result.
    Forbidden and NotFound are left to the error pages."""
    try:
        result = do()
    except (Conflict, InvalidInput) as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success(result) if callable(success) else success)
    return True


def next_page_url(request, cursor: str | None) -> str | None:
    """The current URL with ?cursor= set to the next page's cursor (other parameters kept)."""
    if not cursor:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return f"{request.path}?{params.urlencode()}"


def back(request, default: str) -> HttpResponseRedirect:
    """After a POST: to the form's `next` when it is safe, else to `default`."""
    return redirect(safe_next(request, default))


# ---------------------------------------------------------------------------------------------
# Sign in and out


@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = safe_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url or "/")
    form = LoginForm(request.POST or None)
    context = {"form": form, "next": next_url or ""}
    if request.method == "POST":
        email = str(request.POST.get("email", ""))[:254]
        ip = throttle.client_ip(request)
        wait = throttle.retry_after(request.network.id, email, ip)
        if wait:
            minutes = max(1, (wait + 59) // 60)
            context["form"] = LoginForm(initial={"email": email})
            context["throttled"] = ngettext(
                "Too many failed attempts. For your security, signing in is paused: try again in %(n)d minute.",
                "Too many failed attempts. For your security, signing in is paused: try again in %(n)d minutes.",
                minutes) % {"n": minutes}
            response = render(request, "accounts/login.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            user = authenticate(request, email=form.cleaned_data["email"], password=form.cleaned_data["password"])
            if user is not None:
                login(request, user)  # a new session key: no session fixation
                throttle.record_success(request.network.id, email, ip)
                if user.language:
                    translation.activate(user.language)
                return redirect(next_url or "/")
            throttle.record_failure(request.network.id, email, ip)
            form.add_error(None, _("This e-mail address and password do not match an active account."))
        return render(request, "accounts/login.html", context, status=422)
    return render(request, "accounts/login.html", context)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("accounts:login")


# ---------------------------------------------------------------------------------------------
# Password reset and invitations


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            actions.do_request_password_reset(request.network, form.cleaned_data["email"])
            # The same answer whether or not the address has an account.
            return render(request, "accounts/password_reset_sent.html", {"email": form.cleaned_data["email"]})
        return render(request, "accounts/password_reset.html", {"form": form}, status=422)
    return render(request, "accounts/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uidb64, token):
    user = user_for_reset_link(request.network, uidb64, token)
    if user is None:
        return render(request, "accounts/link_invalid.html", {
            "title": _("This link is not valid any more"),
            "message": _("Password reset links work once and for a day. Ask for a new one."),
            "action_url": reverse("accounts:password_reset"), "action_label": _("Ask for a new link"),
        }, status=410)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_reset_password(user, token, form.cleaned_data["password"])
            except InvalidInput as exc:
                form.add_error("password", exc.message)
            else:
                messages.success(request, _("Your password is changed. Sign in with it."))
                return redirect("accounts:login")
        return render(request, "accounts/password_reset_confirm.html", {"form": form, "person": user}, status=422)
    return render(request, "accounts/password_reset_confirm.html", {"form": form, "person": user})


INVITATION_PROBLEMS = {
    "unknown": (404, lambda: _("This invitation link is not valid. Check that you copied all of it, or ask an "
                               "administrator for a new invitation.")),
    "used": (410, lambda: _("This invitation has already been used. If you accepted it, sign in.")),
    "expired": (410, lambda: _("This invitation has expired. Ask an administrator for a new one.")),
}


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    state = actions.invitation_status(request.network, token)
    if state != "valid":
        status, message = INVITATION_PROBLEMS[state]
        return render(request, "accounts/link_invalid.html", {
            "title": _("This invitation cannot be used"), "message": message(),
            "action_url": reverse("accounts:login"), "action_label": _("Sign in"),
        }, status=status)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                user = actions.do_accept_invitation(request.network, token,
                                                    display_name=form.cleaned_data["display_name"],
                                                    password=form.cleaned_data["password"])
            except InvalidInput as exc:
                form.add_error("password" if exc.code == "weak_password" else None, exc.message)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                login(request, user)
                messages.success(request, _("Welcome to %(network)s! Tell colleagues a little about yourself.")
                                 % {"network": request.network.name})
                return redirect("accounts:settings_profile")
        return render(request, "accounts/invitation.html", {"form": form}, status=422)
    return render(request, "accounts/invitation.html", {"form": form})


# ---------------------------------------------------------------------------------------------
# The directory and profiles


FILTER_CHOICES_CAP = 200
AREA_CHOICES = 30  # the expertise areas most people show, offered in the area filter


@login_required
def directory(request):
    form = DirectoryForm(request.GET or None)
    filters = {k: v.strip() for k, v in form.cleaned_data.items()} if form.is_valid() else {}
    page = queries.directory(request.user, cursor=request.GET.get("cursor") or None, limit=30, **filters)
    people = User.objects.visible_to(request.user)
    departments = (people.exclude(department="").order_by("department").values_list("department", flat=True)
                   .distinct()[:FILTER_CHOICES_CAP])
    organizations = (Organization.objects.filter(network_id=request.user.network_id).order_by("name")
                     .values_list("name", flat=True)[:FILTER_CHOICES_CAP])
    return render(request, "accounts/directory.html", {
        "form": form, "people": page.items, "next_url": next_page_url(request, page.next_cursor),
        "departments": list(departments), "organizations": list(organizations),
        "areas": [label for label, _people in expert_queries.top_areas(request.user, limit=AREA_CHOICES)],
        "filtered": any(filters.values()),
    })


@login_required
def profile(request, user_id):
    from essaim.stream.forms import composer_for
    from essaim.stream.queries import profile_feed

    viewer = request.user
    person = access_user(viewer, user_id)
    page = profile_feed(viewer, person, cursor=request.GET.get("cursor") or None)
    is_self = person.id == viewer.id
    activity.record_view(viewer, activity.Object.PROFILE, person.id)
    expertise = expert_queries.profile_of(viewer, person, include_hidden=is_self)
    return render(request, "accounts/profile.html", {
        "person": person, "is_self": is_self,
        "expertise": expertise, "areas": [a for a in expertise.areas if not a.hidden],
        "hidden_areas": [a for a in expertise.areas if a.hidden], "can_endorse": can_endorse(viewer, person),
        "following": not is_self and queries.is_following(viewer, person),
        "follower_count": Follow.objects.filter(followee=person).count(),
        "following_count": Follow.objects.filter(follower=person).count(),
        "posts": page.items, "next_url": next_page_url(request, page.next_cursor),
        "composer": composer_for(viewer, next=request.path, profile_user=person) if person.is_active else None,
    })


@require_POST
@login_required
def follow(request, user_id):
    person = access_user(request.user, user_id, include_inactive=False)
    attempt(request, lambda: actions.do_follow_user(request.user, person),
            _("You follow %(name)s: their posts appear in your home feed.") % {"name": person.display_name})
    return back(request, reverse("accounts:profile", args=[person.id]))


@require_POST
@login_required
def unfollow(request, user_id):
    person = access_user(request.user, user_id)
    if actions.do_unfollow_user(request.user, person):
        messages.success(request, _("You no longer follow %(name)s.") % {"name": person.display_name})
    return back(request, reverse("accounts:profile", args=[person.id]))


def avatar_svg(request, user_id):
    """The initials avatar: white initials on a colour derived from the person's id."""
    person = access_user(request.user, user_id)
    hue = (person.id * 137) % 360
    red, green, blue = colorsys.hls_to_rgb(hue / 360, 0.36, 0.5)  # dark enough for white text (AA)
    colour = f"#{int(red * 255):02x}{int(green * 255):02x}{int(blue * 255):02x}"
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
        f'<rect width="64" height="64" fill="{colour}"/>'
        '<text x="32" y="32" dy="0.35em" text-anchor="middle" fill="#ffffff" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="26" font-weight="600">'
        f"{escape(person.initials)}</text></svg>"
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


# ---------------------------------------------------------------------------------------------
# Settings


def _profile_initial(user) -> dict:
    return {
        "display_name": user.display_name, "handle": user.handle, "job_title": user.job_title,
        "department": user.department, "organization": user.organization.name if user.organization else "",
        "location": user.location, "phone": user.phone, "bio": user.bio, "language": user.language,
        "skills": ", ".join(sorted(s.name for s in user.skills.all())),
    }


PROFILE_FIELDS = ("display_name", "handle", "job_title", "department", "organization", "location", "phone", "bio",
                  "language")


@login_required
@require_http_methods(["GET", "POST"])
def settings_profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # a refused picture leaves the profile unchanged, and vice versa
                    actions.do_update_profile(user, acting_user=user, skills=form.skill_list(),
                                              **{k: data[k] for k in PROFILE_FIELDS})
                    if data["avatar"]:
                        actions.do_set_avatar(user, data["avatar"], acting_user=user)
                    elif data["remove_avatar"]:
                        actions.do_remove_avatar(user, acting_user=user)
            except EssaimError as exc:
                if exc.code in ("invalid_image", "too_large"):
                    form.add_error("avatar", exc.message)
                elif exc.code in ("invalid_name", "reserved_name", "name_taken"):
                    form.add_error("handle", exc.message)
                else:
                    form_error(form, exc)
                user.refresh_from_db()
            else:
                translation.activate(user.language or translation.get_language_from_request(request))
                messages.success(request, _("Your profile is saved."))
                return redirect("accounts:settings_profile")
        return render(request, "accounts/settings_profile.html", {"form": form, "tab": "profile"}, status=422)
    form = ProfileForm(initial=_profile_initial(user))
    return render(request, "accounts/settings_profile.html", {"form": form, "tab": "profile"})


@login_required
@require_http_methods(["GET", "POST"])
def settings_password(request):
    user = request.user
    form = ChangePasswordForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_set_password(user, form.cleaned_data["password"], acting_user=user)
            except InvalidInput as exc:
                form.add_error("password", exc.message)
            else:
                update_session_auth_hash(request, user)  # this session stays; every other one ends
                messages.success(request, _("Your password is changed. You were signed out everywhere else."))
                return redirect("accounts:settings_password")
        return render(request, "accounts/settings_password.html", {"form": form, "tab": "password"}, status=422)
    return render(request, "accounts/settings_password.html", {"form": form, "tab": "password"})


@login_required
@require_http_methods(["GET", "POST"])
def settings_tokens(request):
    user = request.user
    form = TokenForm(request.POST or None, user=user)
    context = {"form": form, "tab": "tokens", "new_token": None}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, raw = actions.do_create_token(user, scopes=form.cleaned_data["scopes"],
                                                     name=form.cleaned_data["name"], acting_user=user)
            except EssaimError as exc:
                form_error(form, exc)
                status = 422
            else:
                # Shown on this page only, never stored in clear: no redirect through the session.
                context["new_token"] = raw
                context["form"] = TokenForm(user=user)
                status = 201
        else:
            status = 422
    page = paginate(ApiToken.objects.filter(user=user, revoked_at__isnull=True), cursor=request.GET.get("cursor"),
                    limit=50)
    context.update(tokens=page.items, next_url=next_page_url(request, page.next_cursor))
    response = render(request, "accounts/settings_tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def revoke_token(request, token_id):
    token = access_own_token(request.user, token_id)
    actions.do_revoke_token(token, acting_user=request.user)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.")
                     % {"name": token.name or token.prefix})
    return redirect("accounts:settings_tokens")


# ---------------------------------------------------------------------------------------------
# Administration


def _admin_people_context(request, invite_form) -> dict:
    search = PeopleSearchForm(request.GET or None)
    qs = User.objects.filter(network_id=request.user.network_id).select_related("organization")
    if search.is_valid() and search.cleaned_data["q"]:
        q = search.cleaned_data["q"].strip()
        qs = qs.filter(Q(display_name__icontains=q) | Q(email__icontains=q) | Q(handle__icontains=q.lstrip("@")))
    page = paginate(qs, cursor=request.GET.get("cursor") or None, limit=50, time_field="date_joined")
    return {"invite_form": invite_form, "search": search, "people": page.items,
            "next_url": next_page_url(request, page.next_cursor), "invitation_link": None}


@login_required
@require_http_methods(["GET", "POST"])
def admin_people(request):
    require_admin(request.user)
    if request.method == "POST":
        form = InviteForm(request.POST)
        status = 422
        link = None
        if form.is_valid():
            try:
                _invitation, raw = actions.do_invite_person(
                    request.network, form.cleaned_data["email"], acting_user=request.user,
                    is_admin=form.cleaned_data["is_admin"])
            except EssaimError as exc:
                form_error(form, exc)
            else:
                link = request.build_absolute_uri(reverse("accounts:invitation", args=[raw]))
                messages.success(request, _("Invitation sent to %(email)s. It is valid for %(days)d days.")
                                 % {"email": form.cleaned_data["email"], "days": actions.INVITATION_DAYS})
                form = InviteForm()
                status = 201
        context = _admin_people_context(request, form)
        context["invitation_link"] = link
        response = render(request, "accounts/admin_people.html", context, status=status)
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "accounts/admin_people.html", _admin_people_context(request, InviteForm()))


ADMIN_PERSON_ACTIONS = {
    "deactivate": (lambda p, me: actions.do_deactivate_user(p, acting_user=me),
                   lambda: _("%(name)s is deactivated: signed out everywhere, API tokens revoked.")),
    "reactivate": (lambda p, me: actions.do_reactivate_user(p, acting_user=me),
                   lambda: _("%(name)s can sign in again.")),
    "make-admin": (lambda p, me: actions.do_set_admin(p, True, acting_user=me),
                   lambda: _("%(name)s is now an administrator.")),
    "remove-admin": (lambda p, me: actions.do_set_admin(p, False, acting_user=me),
                     lambda: _("%(name)s is no longer an administrator.")),
}


@require_POST
@login_required
def admin_person_action(request, user_id, action):
    require_admin(request.user)
    if action not in ADMIN_PERSON_ACTIONS:
        return render(request, "error.html", {"status": 404, "message": _("Not found.")}, status=404)
    person = access_user(request.user, user_id)
    do, done = ADMIN_PERSON_ACTIONS[action]
    attempt(request, lambda: do(person, request.user), done() % {"name": person.display_name})
    return back(request, reverse("accounts:admin_people"))


@login_required
@require_http_methods(["GET", "POST"])
def admin_network(request):
    require_admin(request.user)
    network = request.network
    fields = ("name", "all_company_announcements_only", "restrict_community_creation", "gravatar_enabled")
    if request.method == "POST":
        form = NetworkSettingsForm(request.POST)
        if form.is_valid():
            try:
                actions.do_update_network_settings(network, acting_user=request.user,
                                                   **{k: form.cleaned_data[k] for k in fields})
            except EssaimError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The network settings are saved."))
                return redirect("accounts:admin_network")
        return render(request, "accounts/admin_network.html", {"form": form}, status=422)
    form = NetworkSettingsForm(initial={k: getattr(network, k) for k in fields})
    return render(request, "accounts/admin_network.html", {"form": form})

"""The notifications page, the "mark read" form, the notification settings, the community level
and thread mute forms, and the unsubscribe page (no sign-in needed: its link is the proof)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.communities.models import Community
from essaim.core.errors import EssaimError, NotFound
from essaim.core.http import safe_next
from essaim.stream import access as stream_access

from . import actions, emails, queries
from .access import access_community_for_level, access_unsubscribe_token, notifications_visible_to
from .actions import do_mark_read
from .models import Channel, CommunityLevel, DigestFrequency, Kind, Notification
from .queries import describe, notifications_for


def notification_url(n) -> str:
    """Where a notification leads: the comment, the post, the conversation, or the community."""
    if n.post_id:
        url = reverse("stream:post", args=[n.post_id])
        return f"{url}#comment-{n.comment_id}" if n.comment_id else url
    if n.message_id:
        try:
            return reverse("messaging:thread", args=[n.message.conversation_id])
        except NoReverseMatch:  # direct messages not installed in this build
            return reverse("notifications:list")
    if n.community_id and n.kind == Kind.JOIN_REQUEST:
        return reverse("communities:requests", args=[n.community_id])
    if n.community_id:
        return reverse("communities:detail", args=[n.community_id])
    if n.actor_id:
        return reverse("accounts:profile", args=[n.actor_id])
    return reverse("notifications:list")


@login_required
@require_GET
def notification_list(request):
    page = notifications_for(request.user, cursor=request.GET.get("cursor") or None)
    for n in page.items:
        n.text = describe(n)
    return render(request, "notifications/list.html", {
        "notifications": page.items,
        "next_cursor": page.next_cursor,
        "is_first_page": not request.GET.get("cursor"),
        "kinds": Kind,
    })


@login_required
@require_GET
def open_notification(request, notification_id: int):
    """Follow a notification: it is marked read, then you land on its object."""
    n = (notifications_visible_to(Notification.objects.all(), request.user)
         .select_related("message").filter(pk=notification_id).first())
    if n is None:
        return render(request, "error.html", {"status": 404, "message": _("Not found.")}, status=404)
    if n.read_at is None:
        do_mark_read(request.user, ids=[n.id])
    return redirect(notification_url(n))


@login_required
@require_POST
def mark_read(request):
    """Marks one notification (field `id`) or all of them (no id, or `all`) as read."""
    one = (request.POST.get("id") or "").strip()
    if one and not request.POST.get("all"):
        ident = int(one) if one.isascii() and one.isdigit() and len(one) < 19 else None
        count = do_mark_read(request.user, ids=[ident]) if ident else 0
        if count:
            messages.success(request, _("Notification marked as read."))
    else:
        count = do_mark_read(request.user, all=True)
        if count:
            messages.success(request, ngettext("%(count)d notification marked as read.",
                                               "%(count)d notifications marked as read.", count) % {"count": count})
        else:
            messages.info(request, _("Everything was already read."))
    return redirect(safe_next(request, reverse("notifications:list")))


# --- settings ------------------------------------------------------------------------------------------

# What each kind is about, as the settings table says it.
KIND_HELP = {
    Kind.MENTION: lambda: _("Someone mentions you"),
    Kind.COMMENT: lambda: _("Someone comments on your post"),
    Kind.REPLY: lambda: _("Someone replies to your comment"),
    Kind.REACTION: lambda: _("Someone reacts to your post"),
    Kind.MESSAGE: lambda: _("Someone sends you a direct message"),
    Kind.JOIN_REQUEST: lambda: _("Someone asks to join a community you moderate"),
    Kind.INVITATION: lambda: _("Someone adds you to a community"),
    Kind.REQUEST_APPROVED: lambda: _("Your request to join a community is approved"),
    Kind.COMMUNITY_POST: lambda: _("A new post in a community set to “Every new post”"),
    Kind.QUESTION_ROUTED: lambda: _("Someone asks you to answer a question"),
}
KIND_ORDER = [Kind.MENTION, Kind.MESSAGE, Kind.QUESTION_ROUTED, Kind.COMMENT, Kind.REPLY, Kind.REACTION,
              Kind.COMMUNITY_POST, Kind.JOIN_REQUEST, Kind.INVITATION, Kind.REQUEST_APPROVED]
CHANNEL_LABELS = {
    Channel.APP: lambda: _("App only"),
    Channel.EMAIL: lambda: _("E-mail"),
    Channel.DIGEST: lambda: _("Digest"),
    Channel.OFF: lambda: _("Off"),
}
DELAYS = [0, 5, 10, 30, 60, 240, 1440]


def _delay_label(minutes: int) -> str:
    if minutes == 0:
        return _("At once")
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("After %(count)d hour", "After %(count)d hours", hours) % {"count": hours}
    return ngettext("After %(count)d minute", "After %(count)d minutes", minutes) % {"count": minutes}


def _routing_context(user, form=None) -> dict:
    """The "Questions for you" form (saved by experts.views.settings_routing)."""
    from essaim.experts.actions import routed_this_week
    from essaim.experts.forms import RoutingForm
    from essaim.experts.queries import routing_of

    if form is None:
        pref = routing_of(user)
        form = RoutingForm(initial={"accepts_questions": pref.accepts_questions, "weekly_limit": pref.weekly_limit})
    return {"routing_form": form, "routed_this_week": routed_this_week([user.id]).get(user.id, 0)}


def _settings_context(user, prefs, *, chosen=None, levels=None, error: str = "", routing_form=None) -> dict:
    chosen = chosen or {}
    rows = [{"kind": k, "label": KIND_HELP[k](), "channel": chosen.get(k, prefs.channels[k]),
             "choices": [(c, CHANNEL_LABELS[c]()) for c in Channel.values]} for k in KIND_ORDER]
    delay = chosen.get("delay", prefs.email_delay_minutes)
    delays = sorted(set(DELAYS) | ({delay} if isinstance(delay, int) else set()))
    communities = queries.community_levels(user)
    for c in communities:
        c.level = (levels or {}).get(c.id, c.level)
    return {
        "tab": "notifications", "rows": rows, "channels": [(c, CHANNEL_LABELS[c]()) for c in Channel.values],
        "delay": delay, "delays": [(d, _delay_label(d)) for d in delays],
        "digest": chosen.get("digest", prefs.digest), "digest_choices": DigestFrequency.choices,
        "communities": communities, "level_choices": CommunityLevel.choices, "error": error,
        **_routing_context(user, routing_form),
    }


def _int_or_none(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def settings_page(request, *, routing_form=None, status: int = 200):
    """The settings page as saved, with another form of it (bound, with its errors) when given."""
    context = _settings_context(request.user, queries.preferences_of(request.user), routing_form=routing_form)
    return render(request, "notifications/settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def settings_notifications(request):
    user = request.user
    if request.method == "GET":
        return settings_page(request)
    channels = {k: request.POST[f"channel-{k}"] for k in Kind.values if f"channel-{k}" in request.POST}
    delay_text = request.POST.get("email_delay")
    delay = _int_or_none(delay_text) if delay_text is not None else None
    digest = request.POST.get("digest") or None
    mine = {c.id: c for c in Community.objects.filter(network_id=user.network_id, memberships__user_id=user.id)}
    levels = {}
    for name, value in request.POST.items():
        if name.startswith("level-"):
            community = mine.get(_int_or_none(name[len("level-"):]) or 0)
            if community is not None:  # a community they left meanwhile: nothing to set
                levels[community] = value
    try:
        if delay_text is not None and delay is None:
            actions.clean_delay(delay_text)  # raises the clear message
        actions.do_update_notification_settings(user, channels=channels, email_delay_minutes=delay, digest=digest,
                                                community_levels=levels, acting_user=user)
    except EssaimError as exc:
        chosen = {**channels, "delay": delay if delay is not None else delay_text, "digest": digest}
        context = _settings_context(user, queries.preferences_of(user), chosen=chosen,
                                    levels={c.id: v for c, v in levels.items()}, error=exc.message)
        return render(request, "notifications/settings.html", context, status=422)
    messages.success(request, _("Your notification settings are saved."))
    return redirect("notifications:settings")


@login_required
@require_POST
def community_level(request, community_id: int):
    community = access_community_for_level(request.user, community_id)
    actions.do_set_community_level(request.user, community, request.POST.get("level", ""), acting_user=request.user)
    messages.success(request, _("Notifications from %(community)s: %(level)s.")
                     % {"community": community.name, "level": CommunityLevel(request.POST["level"]).label})
    return redirect(safe_next(request, reverse("communities:detail", args=[community.id])))


@login_required
@require_POST
def mute_thread(request, post_id: int):
    post = stream_access.access_post(request.user, post_id)
    muted = request.POST.get("muted", "1") != "0"
    actions.do_mute_thread(request.user, post, muted, acting_user=request.user)
    messages.success(request, _("Thread muted: no more notifications about its comments and reactions.")
                     if muted else _("Thread unmuted."))
    return redirect(safe_next(request, reverse("stream:post", args=[post.id])))


# --- unsubscribe ------------------------------------------------------------------------------------------

def _what_stops(kind: str) -> str:
    if kind == emails.DIGEST:
        return _("The digest e-mail stops. Your notifications stay in Essaim.")
    return _("E-mails about “%(kind)s” stop. You still see these notifications in Essaim.") % {
        "kind": Kind(kind).label}


@csrf_exempt  # RFC 8058 one-click: mail clients POST without a session or a CSRF token; the token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        user, kind = access_unsubscribe_token(token)
    except NotFound:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    with translation.override(user.language or translation.get_language()):
        # RFC 8058: the one-click POST carries "List-Unsubscribe=One-Click" (our own button sends it too).
        confirmed = request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click"
        if confirmed:
            actions.do_unsubscribe(token)
        return render(request, "notifications/unsubscribe.html", {"done": confirmed, "what": _what_stops(kind),
                                                                  "person": user},
                      status=400 if request.method == "POST" and not confirmed else 200)

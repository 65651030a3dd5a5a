"""Stream pages: feeds, the composer, a post with its comments, versions, topics, autocomplete.

Every action is a plain form POST that redirects back with a message; the JavaScript modules
only upgrade them. Permission decisions come from access.py, writes from actions.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.access import access_user
from essaim.accounts.models import User
from essaim.communities import access as community_access
from essaim.communities.models import Community
from essaim.core import activity
from essaim.core.errors import EssaimError, Forbidden, InvalidInput, NotFound
from essaim.core.http import safe_next
from essaim.core.text import fold
from essaim.core.pagination import paginate

from . import access, actions, queries
from .forms import composer_for
from .models import PostVersion, Topic, TopicFollow

AUTOCOMPLETE_LIMIT = 8


# Helpers

def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def json_error(exc: EssaimError) -> JsonResponse:
    return JsonResponse({"error": {"code": exc.code, "message": exc.message, "details": exc.details}},
                        status=exc.status)


def _optional_id(value: str | None, message: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(message) from None
    if not 0 < number < 2**63:
        raise InvalidInput(message)
    return number


# Feeds

def _feed_page(request, *, feed, title: str, heading: str, template: str = "stream/feed.html", extra=None):
    page = feed(request.user, cursor=request.GET.get("cursor") or None)
    context = {
        "title": title,
        "heading": heading,
        "posts": page.items,
        "next_cursor": page.next_cursor,
        "is_first_page": not request.GET.get("cursor"),
        "composer": composer_for(request.user, next=request.get_full_path()),
    }
    context.update(extra or {})
    return render(request, template, context)


@login_required
@require_GET
def home(request):
    return _feed_page(request, feed=queries.home_feed, title=_("Home"), heading=_("Home"),
                      extra={"live_feed": "home"})


@login_required
@require_GET
def all_company(request):
    return _feed_page(request, feed=queries.all_company_feed, title=_("All company"), heading=_("All company"),
                      extra={"live_feed": "all", "composer": composer_for(request.user, next=request.get_full_path())
                             if access.can_post_to_all_company(request.user) else None})


# Posts

def _target(viewer, data):
    """The community and profile a composer form posts to (either may be None)."""
    message = _("Choose where to post from the list.")
    community_id = _optional_id(data.get("community"), message)
    profile_id = _optional_id(data.get("profile_user"), message)
    try:
        community = community_access.access_community(viewer, community_id) if community_id else None
        profile_user = access_user(viewer, profile_id, include_inactive=False) if profile_id else None
    except NotFound:
        raise InvalidInput(_("This place does not exist or you cannot post there.")) from None
    return community, profile_user


@login_required
@require_http_methods(["GET", "POST"])
def create_post(request):
    """GET: a standalone composer (also where a failed post comes back). POST: publish."""
    data = request.POST if request.method == "POST" else request.GET
    body = data.get("body", "")
    announcement = data.get("announcement") in ("1", "on", "true")
    next_url = safe_next(request, reverse("stream:home"))
    community = profile_user = None
    try:
        community, profile_user = _target(request.user, data)
        if request.method == "POST":
            post = actions.do_create_post(request.user, body, community=community, profile_user=profile_user,
                                          announcement=announcement)
            messages.success(request, _("Your post is published."))
            return redirect(safe_next(request, reverse("stream:post", args=[post.id])))
        error, status = "", 200
    except (InvalidInput, Forbidden) as exc:
        error, status = exc.message, exc.status
    # A profile post stays on that profile; otherwise the full target select, with the chosen
    # community selected, so that a wrong choice can be changed without retyping.
    composer = composer_for(request.user, next=next_url, body=body, error=error, announcement=announcement,
                            profile_user=profile_user,
                            selected_community_id=community.id if community is not None else None)
    return render(request, "stream/compose.html", {"composer": composer}, status=status)


def _post_page(request, post, *, status: int = 200, comment_form: dict | None = None):
    viewer = request.user
    queries.decorate_posts([post], viewer)
    comments = queries.comments_for(viewer, post, cursor=request.GET.get("cursor") or None)
    for comment in comments.items:
        comment.post = post  # the same object: permission checks below need no query per comment
        comment.can_edit = access.can_edit_comment(viewer, comment)
        comment.can_delete = access.can_delete_comment(viewer, comment)
        for reply in comment.visible_replies:
            reply.post = post
            reply.can_edit = access.can_edit_comment(viewer, reply)
            reply.can_delete = access.can_delete_comment(viewer, reply)
    return render(request, "stream/post.html", {
        "post": post,
        "detail": True,
        "comments": comments.items,
        "next_cursor": comments.next_cursor,
        "comment_form": comment_form or {},
        "can_edit": access.can_edit_post(viewer, post),
        "can_delete": access.can_delete_post(viewer, post),
        "can_see_versions": access.can_see_versions(viewer, post),
        "can_pin": post.announcement and access.can_pin(viewer, post),
    }, status=status)


@login_required
@require_GET
def post_detail(request, post_id: int):
    post = access.access_post(request.user, post_id)
    if post.kind == "question":  # a question has its own page, with its answers
        return redirect("questions:detail", post.id)
    if "X-Essaim-Live" not in request.headers:  # live.js refreshing an open page: not a new view
        activity.record_view(request.user, activity.Object.POST, post.id, post.community_id)
    return _post_page(request, post)


def _edit_page(request, *, save, initial: str, done_url: str, context: dict):
    """The edit form of a post or comment: GET shows it, POST saves and goes to done_url; on
    error the form comes back with the typed text."""
    body, error, status = initial, "", 200
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            save(body)
        except (InvalidInput, Forbidden) as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(done_url)
    return render(request, "stream/edit.html", {**context, "body": body, "error": error}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_post(request, post_id: int):
    post = access.access_post(request.user, post_id)
    if not access.can_edit_post(request.user, post):
        raise Forbidden(_("Only the author can edit a post."))
    done = reverse("stream:post", args=[post.id])
    return _edit_page(request, save=lambda body: actions.do_edit_post(post, body, acting_user=request.user),
                      initial=post.body, done_url=done,
                      context={"post": post, "kind": "post", "cancel_url": done})


@login_required
@require_POST
def delete_post(request, post_id: int):
    post = access.access_post(request.user, post_id)
    actions.do_delete_post(post, acting_user=request.user)
    messages.success(request, _("The post is deleted."))
    fallback = reverse("stream:home")
    target = safe_next(request, fallback)
    if target.rstrip("/").endswith(f"/posts/{post.id}") or f"/posts/{post.id}/" in target:
        target = fallback  # the post's own pages are gone
    return redirect(target)


@login_required
@require_GET
def post_versions(request, post_id: int):
    post = access.access_post(request.user, post_id)
    if not access.can_see_versions(request.user, post):
        raise Forbidden(_("Only the author and moderators can see earlier versions."))
    page = paginate(PostVersion.objects.filter(post=post).select_related("edited_by"),
                    cursor=request.GET.get("cursor") or None, limit=None, time_field="replaced_at")
    return render(request, "stream/versions.html", {"post": post, "versions": page.items,
                                                    "next_cursor": page.next_cursor})


@login_required
@require_POST
def pin_post(request, post_id: int):
    post = access.access_post(request.user, post_id)
    pinned = request.POST.get("pinned") in ("1", "on", "true")
    actions.do_set_pinned(post, pinned, acting_user=request.user)
    messages.success(request, _("The announcement is pinned on top.") if post.pinned
                     else _("The announcement is no longer pinned."))
    return redirect(safe_next(request, reverse("stream:post", args=[post.id])))


# Comments

@login_required
@require_POST
def create_comment(request, post_id: int):
    post = access.access_post(request.user, post_id)
    body = request.POST.get("body", "")
    parent = None
    try:
        parent_id = _optional_id(request.POST.get("parent", ""), _("The comment you reply to no longer exists."))
        parent = access.access_comment(request.user, parent_id) if parent_id else None
        if parent is not None and parent.post_id != post.id:
            raise InvalidInput(_("The comment you reply to is not on this post."))
        comment = actions.do_create_comment(post, request.user, body, parent=parent)
    except NotFound:
        # The text comes back in the main comment form: the thread it answered is gone.
        exc = InvalidInput(_("The comment you reply to no longer exists."))
        return _post_page(request, post, status=exc.status,
                          comment_form={"body": body, "parent": "", "error": exc.message})
    except (InvalidInput, Forbidden) as exc:
        on_page = parent is not None and parent.post_id == post.id and parent.parent_id is None
        return _post_page(request, post, status=exc.status,
                          comment_form={"body": body, "parent": str(parent.id) if on_page else "",
                                        "error": exc.message})
    messages.success(request, _("Your comment is published."))
    return redirect(reverse("stream:post", args=[post.id]) + f"#comment-{comment.id}")


@login_required
@require_http_methods(["GET", "POST"])
def edit_comment(request, comment_id: int):
    comment = access.access_comment(request.user, comment_id)
    if not access.can_edit_comment(request.user, comment):
        raise Forbidden(_("Only the author can edit a comment."))
    done = reverse("stream:post", args=[comment.post_id]) + f"#comment-{comment.id}"
    return _edit_page(request, save=lambda body: actions.do_edit_comment(comment, body, acting_user=request.user),
                      initial=comment.body, done_url=done,
                      context={"post": comment.post, "comment": comment, "kind": "comment", "cancel_url": done})


@login_required
@require_POST
def delete_comment(request, comment_id: int):
    comment = access.access_comment(request.user, comment_id)
    actions.do_delete_comment(comment, acting_user=request.user)
    messages.success(request, _("The comment is deleted."))
    return redirect(reverse("stream:post", args=[comment.post_id]) + "#comments")


# Reactions

def _react(request, find, kind: str):
    """Toggle the viewer's reaction (`kind` field) on the post or comment `find()` returns: adds it
    if absent, removes it if present. Answers JSON to the script (Accept: application/json),
    else redirects back with a message on error."""
    json = wants_json(request)
    try:
        target = find()
        post, comment = (target, None) if kind == "post" else (None, target)
        reaction = request.POST.get("kind", "")
        added = actions.do_add_reaction(request.user, reaction, post=post, comment=comment)
        if not added:
            actions.do_remove_reaction(request.user, reaction, post=post, comment=comment)
    except EssaimError as exc:
        if json:
            return json_error(exc)
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        added = None
    if json:
        decorate = queries.decorate_posts if post is not None else queries.decorate_comments
        decorate([target], request.user)
        return JsonResponse({"kind": reaction, "reacted": added, "reactions": target.reaction_counts,
                             "my_reactions": target.my_reactions})
    back = reverse("stream:post", args=[target.post_id if comment is not None else target.id])
    return redirect(safe_next(request, back + (f"#comment-{target.id}" if comment is not None else "")))


@login_required
@require_POST
def react_post(request, post_id: int):
    return _react(request, lambda: access.access_post(request.user, post_id), "post")


@login_required
@require_POST
def react_comment(request, comment_id: int):
    return _react(request, lambda: access.access_comment(request.user, comment_id), "comment")


# Topics

def _topic_name(name: str) -> str:
    from essaim.core.text import TOPIC_RE, normalize_topic

    name = normalize_topic(name)
    if not TOPIC_RE.fullmatch("#" + name):
        raise NotFound()
    return name


@login_required
@require_GET
def topic(request, name: str):
    name = _topic_name(name)
    found = Topic.objects.filter(network_id=request.user.network_id, name=name).first()
    if found is not None:
        page = queries.topic_feed(request.user, found, cursor=request.GET.get("cursor") or None)
        posts, next_cursor = page.items, page.next_cursor
        following = TopicFollow.objects.filter(topic=found, user=request.user).exists()
    else:
        posts, next_cursor, following = [], None, False
    return render(request, "stream/topic.html", {
        "topic_name": name, "posts": posts, "next_cursor": next_cursor, "following": following,
        "is_first_page": not request.GET.get("cursor"),
    })


@login_required
@require_POST
def follow_topic(request, name: str):
    name = _topic_name(name)
    following = TopicFollow.objects.filter(topic__network_id=request.user.network_id, topic__name=name,
                                           user=request.user).exists()
    if following:
        actions.do_unfollow_topic(request.user, name)
        messages.success(request, _("You no longer follow #%(name)s.") % {"name": name})
    else:
        actions.do_follow_topic(request.user, name)
        messages.success(request, _("You follow #%(name)s: its posts appear in your home feed.") % {"name": name})
    return redirect(safe_next(request, reverse("stream:topic", args=[name])))


# Autocomplete for @mentions

@require_GET
def autocomplete(request):
    """People and communities whose handle/slug or name starts with ?q=, that the viewer may see."""
    viewer = request.user
    if not viewer.is_authenticated:
        return json_error(NotFound())
    q = (request.GET.get("q") or "").strip().lstrip("@")[:40]
    if not q:
        return JsonResponse({"items": []})
    folded = fold(q)
    people = list(
        User.objects.visible_to(viewer)
        .filter(Q(handle__istartswith=q) | Q(sort_name__startswith=folded) | Q(sort_name__contains=" " + folded))
        .order_by("sort_name", "id")
        .values_list("handle", "display_name")[:AUTOCOMPLETE_LIMIT]
    )
    communities = list(
        Community.objects.visible_to(viewer)
        .filter(Q(slug__istartswith=q) | Q(sort_name__startswith=folded))
        .order_by("sort_name", "id")
        .values_list("slug", "name")[:AUTOCOMPLETE_LIMIT]
    )
    community_slots = min(len(communities), 3)
    people = people[:AUTOCOMPLETE_LIMIT - community_slots]
    communities = communities[:AUTOCOMPLETE_LIMIT - len(people)]
    items = [{"name": h, "label": n, "kind": "person"} for h, n in people]
    items += [{"name": s, "label": n, "kind": "community"} for s, n in communities]
    return JsonResponse({"items": items})

"""The notifications page and the "mark read" form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from essaim.core.http import safe_next

from .access import notifications_visible_to
from .actions import do_mark_read
from .models import Kind, Notification
from .queries import describe, notifications_for


def notification_url(n) -> str:
    """Where a notification leads: the comment, the post, or the community."""
    if n.post_id:
        url = reverse("stream:post", args=[n.post_id])
        return f"{url}#comment-{n.comment_id}" if n.comment_id else url
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
         .filter(pk=notification_id).first())
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

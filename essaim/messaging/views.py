"""Direct-message pages: the list with a "New message" form, a conversation's thread with its
composer, and the buttons to leave, mute, add people and rename. Thin: parse, call access /
queries / actions, render. Every button is a form that works without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.views import attempt, next_page_url
from essaim.core.errors import Forbidden, InvalidInput

from . import access, actions, queries
from .forms import AddPeopleForm, NewConversationForm, RenameForm

# Which field of the "New message" form an action's refusal is about.
_FIELDS = {"title_too_long": "title", "title_for_groups_only": "title", "invalid_title": "title",
           "empty_body": "body", "too_long": "body", "invalid_body": "body"}


def _thread_url(conversation) -> str:
    return reverse("messaging:thread", args=[conversation.id])


@login_required
@require_GET
def conversation_list(request):
    page = queries.conversations_for(request.user, cursor=request.GET.get("cursor") or None, limit=30)
    return render(request, "messaging/list.html", {
        "conversations": page.items, "next_url": next_page_url(request, page.next_cursor),
        "form": NewConversationForm(initial={"to": request.GET.get("to", "")[:200]}),
    })


@login_required
@require_http_methods(["GET", "POST"])
def new_conversation(request):
    """GET: the "New message" form (?to=@handle fills it in). POST: start the conversation (or
    open the existing one-to-one), with a first message when one is written."""
    viewer = request.user
    if request.method == "GET":
        form = NewConversationForm(initial={"to": request.GET.get("to", "")[:200]})
        return render(request, "messaging/new.html", {"form": form})
    form = NewConversationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a refused first message leaves no empty conversation behind
                people = queries.find_people(viewer, data["to"])
                conversation = actions.do_start_conversation(viewer, [p.id for p in people], title=data["title"])
                if data["body"].strip():
                    actions.do_send_message(conversation, data["body"], acting_user=viewer)
        except (InvalidInput, Forbidden) as exc:
            form.add_error(_FIELDS.get(exc.code, "to"), exc.message)
        else:
            if data["body"].strip():
                messages.success(request, _("Your message is sent."))
            return redirect(_thread_url(conversation))
    return render(request, "messaging/new.html", {"form": form}, status=422)


def _thread_page(request, conversation, *, status: int = 200, composer: dict | None = None):
    viewer = request.user
    previously_read = conversation.me.last_read_message_id
    page = queries.messages_for(conversation, cursor=request.GET.get("cursor") or None, limit=50)
    if status == 200 and page.items and not request.GET.get("cursor"):
        # Opening it reads it, up to the newest message shown (not one that arrived meanwhile).
        actions.do_mark_conversation_read(conversation, acting_user=viewer, up_to_message_id=page.items[0].id)
    queries.decorate([conversation], viewer)
    thread = list(reversed(page.items))  # the page's oldest first, like a chat
    for message in thread:
        message.unread = message.id > previously_read and message.author_id != viewer.id
    return render(request, "messaging/thread.html", {
        "conversation": conversation, "thread": thread,
        "older_url": next_page_url(request, page.next_cursor), "is_first_page": not request.GET.get("cursor"),
        "composer": composer or {},
        "can_leave": access.can_leave(viewer, conversation),
        "can_add": access.can_add_participants(viewer, conversation),
        "can_rename": access.can_rename(viewer, conversation),
        "add_form": AddPeopleForm(), "rename_form": RenameForm(initial={"title": conversation.title}),
    }, status=status)


@login_required
@require_GET
def thread(request, conversation_id: int):
    conversation = access.access_conversation(request.user, conversation_id)
    return _thread_page(request, conversation)


@login_required
@require_POST
def send(request, conversation_id: int):
    conversation = access.access_conversation(request.user, conversation_id)
    body = request.POST.get("body", "")
    try:
        message = actions.do_send_message(conversation, body, acting_user=request.user)
    except InvalidInput as exc:  # the text comes back in the composer with the reason
        return _thread_page(request, conversation, status=exc.status, composer={"body": body, "error": exc.message})
    return redirect(_thread_url(conversation) + f"#message-{message.id}")


@login_required
@require_POST
def leave(request, conversation_id: int):
    conversation = access.access_conversation(request.user, conversation_id)
    if attempt(request, lambda: actions.do_leave_conversation(conversation, acting_user=request.user),
               _("You left the conversation.")):
        return redirect("messaging:list")  # no longer visible to you
    return redirect(_thread_url(conversation))


@login_required
@require_POST
def mute(request, conversation_id: int):
    conversation = access.access_conversation(request.user, conversation_id)
    muted = request.POST.get("muted") in ("1", "on", "true")
    actions.do_mute_conversation(conversation, muted, acting_user=request.user)
    messages.success(request, _("Muted: new messages no longer notify you.") if muted
                     else _("Unmuted: new messages notify you again."))
    return redirect(_thread_url(conversation))


@login_required
@require_POST
def add_participants(request, conversation_id: int):
    viewer = request.user
    conversation = access.access_conversation(viewer, conversation_id)
    form = AddPeopleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the @handles or e-mail addresses of the people to add."))
        return redirect(_thread_url(conversation))

    def add():
        people = queries.find_people(viewer, form.cleaned_data["who"])
        return actions.do_add_participants(conversation, [p.id for p in people], acting_user=viewer)

    attempt(request, add, lambda added: ngettext("%(count)d person added.", "%(count)d people added.",
                                                 len(added)) % {"count": len(added)}
            if added else _("They were already in the conversation."))
    return redirect(_thread_url(conversation))


@login_required
@require_POST
def rename(request, conversation_id: int):
    conversation = access.access_conversation(request.user, conversation_id)
    form = RenameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The title is too long."))
        return redirect(_thread_url(conversation))
    attempt(request, lambda: actions.do_rename_conversation(conversation, form.cleaned_data["title"],
                                                            acting_user=request.user),
            _("The conversation is renamed."))
    return redirect(_thread_url(conversation))


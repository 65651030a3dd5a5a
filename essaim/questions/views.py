"""Question pages: lists, asking, a question with its answers. Every action is a plain form POST
that redirects back with a message; permission decisions come from access.py, writes from actions.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.communities import access as community_access
from essaim.core import activity
from essaim.core.errors import Forbidden, InvalidInput, NotFound
from essaim.experts.views import suggestions_context
from essaim.stream import actions as stream_actions

from . import access, actions, queries
from .forms import AskForm


def _tab(request) -> str:
    return "unanswered" if request.GET.get("tab") == "unanswered" else "recent"


@login_required
@require_GET
def question_list(request):
    tab = _tab(request)
    page = queries.question_list(request.user, filter=tab, cursor=request.GET.get("cursor") or None)
    return render(request, "questions/list.html", {"questions": page.items, "next_cursor": page.next_cursor,
                                                   "tab": tab, "is_first_page": not request.GET.get("cursor")})


@login_required
@require_GET
def community_questions(request, community_id: int):
    community = community_access.access_community_content(request.user, community_id)
    tab = _tab(request)
    page = queries.question_list(request.user, filter=tab, community=community,
                                 cursor=request.GET.get("cursor") or None)
    from essaim.communities.views import _header

    return render(request, "questions/list.html", {
        **_header(request.user, community), "tab": tab, "questions": page.items, "next_cursor": page.next_cursor,
        "is_first_page": not request.GET.get("cursor")})


@login_required
@require_http_methods(["GET", "POST"])
def ask(request):
    viewer = request.user
    initial = {"community": request.GET.get("community") or ""}
    form = AskForm(request.POST if request.method == "POST" else None, viewer=viewer, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                community = None
                if data["community"]:
                    try:
                        community = community_access.access_community(viewer, data["community"])
                    except NotFound:
                        raise InvalidInput(_("This place does not exist or you cannot post there.")) from None
                question = actions.do_ask_question(viewer, data["title"], data["body"], community=community,
                                                   topics=data["topics"])
            except (InvalidInput, Forbidden) as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Your question is published."))
                return redirect("questions:detail", question.id)
        else:
            status = 422
    return render(request, "questions/ask.html", {"form": form}, status=status)


def _page(request, question, *, status: int = 200, answer_error: str = "", answer_body: str = ""):
    viewer = request.user
    queries.question_page(viewer, question)
    for a in question.answer_list:
        a.can_delete = access.can_delete_answer(viewer, a)
        a.can_vote = access.can_vote(viewer, author_id=a.author_id)
    return render(request, "questions/detail.html", {
        "question": question, "answers": question.answer_list,
        "original": access.visible_original(viewer, question),
        "can_accept": access.can_accept(viewer, question),
        "can_mark_duplicate": access.can_mark_duplicate(viewer, question),
        "can_vote": access.can_vote(viewer, author_id=question.author_id),
        "answer_error": answer_error, "answer_body": answer_body,
        **suggestions_context(viewer, question),
    }, status=status)


@login_required
@require_GET
def detail(request, question_id: int):
    question = access.access_question(request.user, question_id)
    activity.record_view(request.user, activity.Object.POST, question.id, question.community_id)
    return _page(request, question)


def _back(question_id: int, anchor: str = "") -> str:
    return reverse("questions:detail", args=[question_id]) + anchor


@login_required
@require_POST
def answer(request, question_id: int):
    question = access.access_question(request.user, question_id)
    body = request.POST.get("body", "")
    try:
        created = actions.do_answer_question(question, request.user, body)
    except (InvalidInput, Forbidden) as exc:
        return _page(request, question, status=exc.status, answer_error=exc.message, answer_body=body)
    messages.success(request, _("Your answer is published."))
    return redirect(_back(question.id, f"#answer-{created.id}"))


def _value(request) -> int:
    try:
        return int(request.POST.get("value", ""))
    except ValueError:
        raise InvalidInput(_("A vote is 1 (up), -1 (down) or 0 (take back my vote).")) from None


def _try(request, do) -> None:
    """Run a form's action; a refusal becomes a message on the page it redirects to."""
    try:
        do()
    except (InvalidInput, Forbidden) as exc:
        messages.error(request, exc.message)
        return False
    return True


@login_required
@require_POST
def vote_question(request, question_id: int):
    question = access.access_question(request.user, question_id)
    _try(request, lambda: actions.do_vote(request.user, _value(request), post=question))
    return redirect(_back(question.id))


@login_required
@require_POST
def vote_answer(request, answer_id: int):
    found = access.access_answer(request.user, answer_id)
    _try(request, lambda: actions.do_vote(request.user, _value(request), answer=found))
    return redirect(_back(found.question_id, f"#answer-{found.id}"))


@login_required
@require_POST
def accept_answer(request, answer_id: int):
    found = access.access_answer(request.user, answer_id)
    if request.POST.get("accepted") == "0":
        done = _try(request, lambda: actions.do_unaccept_answer(found.question, acting_user=request.user))
    else:
        done = _try(request, lambda: actions.do_accept_answer(found, acting_user=request.user))
    if done:
        messages.success(request, _("The accepted answer is updated."))
    return redirect(_back(found.question_id, f"#answer-{found.id}"))


@login_required
@require_POST
def delete_answer(request, answer_id: int):
    found = access.access_answer(request.user, answer_id)
    if _try(request, lambda: actions.do_delete_answer(found, acting_user=request.user)):
        messages.success(request, _("The answer is deleted."))
    return redirect(_back(found.question_id, "#answers"))


@login_required
@require_POST
def comment_question(request, question_id: int):
    question = access.access_question(request.user, question_id)
    if _try(request, lambda: stream_actions.do_create_comment(question, request.user, request.POST.get("body", ""))):
        messages.success(request, _("Your comment is published."))
    return redirect(_back(question.id, "#question-comments"))


@login_required
@require_POST
def comment_answer(request, answer_id: int):
    found = access.access_answer(request.user, answer_id)
    if _try(request, lambda: stream_actions.do_create_comment(found.question, request.user,
                                                              request.POST.get("body", ""), answer=found)):
        messages.success(request, _("Your comment is published."))
    return redirect(_back(found.question_id, f"#answer-{found.id}"))


@login_required
@require_POST
def mark_duplicate(request, question_id: int):
    question = access.access_question(request.user, question_id)

    def do():
        raw = (request.POST.get("question_id") or "").strip().rsplit("/questions/", 1)[-1].strip("/")
        original = None
        if raw:
            try:
                original = access.access_question(request.user, raw)
            except NotFound:
                raise InvalidInput(_("The original must be a question you can read.")) from None
        actions.do_mark_duplicate(question, original, acting_user=request.user)

    if _try(request, do):
        messages.success(request, _("The question is marked as a duplicate.") if question.duplicate_of_id
                         else _("The question is no longer marked as a duplicate."))
    return redirect(_back(question.id))

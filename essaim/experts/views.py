"""Expertise pages: "who knows about…?", endorsing a colleague's skill, hiding an inferred area,
asking people to answer a question, and the choice to be asked. Thin: parse, call access /
queries / actions, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from essaim.accounts.access import access_user
from essaim.accounts.views import attempt, back
from essaim.core.errors import EssaimError, Forbidden, InvalidInput, NotFound
from essaim.search.query import QueryError

from . import actions, ranking
from .access import can_endorse
from .forms import ExpertSearchForm, RoutingForm

RESULTS = 20  # people on the experts page
EVIDENCE_SHOWN = 3
ROUTE_FIELD_CAP = 20  # `people` values read from one form


# ---------------------------------------------------------------------------------------------
# Who knows about…?


def evidence_note(ev) -> str:
    """What a piece of evidence is, in a few words: "Accepted answer", "Answer, 3 votes", ..."""
    if ev.kind == "answer":
        if ev.accepted:
            return _("Accepted answer")
        return ngettext("Answer, %(count)d vote", "Answer, %(count)d votes", ev.score) % {"count": ev.score}
    return {"question": _("Question"), "post": _("Post"), "comment": _("Comment")}.get(ev.kind, "")


def skill_url(name: str) -> str:
    return f"{reverse('accounts:directory')}?{urlencode({'skill': name})}"


def expert_card(expert, *, evidence: int = EVIDENCE_SHOWN) -> dict:
    """One person as the experts pages show them: their evidence as links with a note."""
    found = [ev for ev in expert.evidence if ev.kind != "skill"][:evidence]
    return {
        "user": expert.user, "answers": expert.answers, "accepted": expert.accepted,
        "evidence": [{"title": ev.title or _("(no title)"), "url": ev.url, "note": evidence_note(ev)} for ev in found],
        "skills": [{"name": ev.title, "url": skill_url(ev.title), "endorsements": ev.endorsements}
                   for ev in expert.evidence if ev.kind == "skill"],
    }


@login_required
@require_GET
def find(request):
    viewer = request.user
    form = ExpertSearchForm(request.GET or None, viewer=viewer)
    context = {"form": form, "q": "", "experts": None}
    status = 200
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"].strip()
        context["q"] = q
        if q:
            try:
                found = ranking.find_experts(viewer, q, community_ids=form.community_ids(), limit=RESULTS)
            except QueryError as exc:
                form.add_error("q", exc.message)
                status = 422
            else:
                context["experts"] = [expert_card(e) for e in found]
    elif form.is_bound:
        status = 422
    return render(request, "experts/find.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Endorsements and hidden areas (from the profile page)


def _profile_url(person) -> str:
    return reverse("accounts:profile", args=[person.id]) + "#expertise"


@require_POST
@login_required
def endorse(request, user_id, skill):
    person = access_user(request.user, user_id, include_inactive=False)
    if not can_endorse(request.user, person) and person.id != request.user.id:
        raise NotFound()
    try:
        attempt(request, lambda: actions.do_endorse(person, skill, acting_user=request.user),
                _("You endorse %(name)s for “%(skill)s”.") % {"name": person.display_name, "skill": skill})
    except Forbidden as exc:  # one's own skills
        messages.error(request, exc.message)
    return back(request, _profile_url(person))


@require_POST
@login_required
def unendorse(request, user_id, skill):
    person = access_user(request.user, user_id)
    attempt(request, lambda: actions.do_withdraw_endorsement(person, skill, acting_user=request.user),
            _("Your endorsement of %(name)s for “%(skill)s” is withdrawn.")
            % {"name": person.display_name, "skill": skill})
    return back(request, _profile_url(person))


@require_POST
@login_required
def hide_area(request):
    me = request.user
    area = " ".join(str(request.POST.get("area", "")).split())[:60]
    hidden = request.POST.get("hidden", "1") != "0"
    done = (_("“%(area)s” no longer shows on your profile.") if hidden
            else _("“%(area)s” shows on your profile again.")) % {"area": area}
    attempt(request, lambda: actions.do_hide_area(me, area, acting_user=me, hidden=hidden), done)
    return back(request, _profile_url(me))


# ---------------------------------------------------------------------------------------------
# Questions put to people


REFUSALS = {"asked": _lazy("Already asked"), "not_accepting": _lazy("Does not take questions"),
            "weekly_limit": _lazy("Cannot take more questions this week"),
            "cannot_read": _lazy("Cannot read this question"), "unavailable": _lazy("Cannot be asked")}


def suggestions_context(viewer, question) -> dict:
    """The question page's box, for those who may ask people to answer (the asker, moderators):
    who could answer (the viewer left out), and why someone cannot be asked now."""
    from .access import can_route
    from .queries import suggestions_for

    if not can_route(viewer, question):  # the asker and moderators only: a ranking costs a search
        return {"suggested": [], "can_route": False, "any_routable": False, "route_at_once": actions.ROUTE_AT_ONCE}
    cards = []
    for e in suggestions_for(viewer, question):
        if e.user.id == viewer.id:
            continue
        card = expert_card(e, evidence=1)
        card["routable"] = e.routable
        card["why_not"] = str(REFUSALS.get(e.refusal, "")) if e.refusal else ""
        cards.append(card)
    return {"suggested": cards, "can_route": bool(cards), "any_routable": any(c["routable"] for c in cards),
            "route_at_once": actions.ROUTE_AT_ONCE}


@require_POST
@login_required
def route_question(request, question_id):
    from essaim.questions.access import access_question

    question = access_question(request.user, question_id)
    back_url = reverse("questions:detail", args=[question.id]) + "#suggested-experts"
    people = request.POST.getlist("people")[:ROUTE_FIELD_CAP]
    if not people:
        messages.error(request, _("Choose the people to ask."))
        return redirect(back_url)
    try:
        routed = actions.do_route_question(question, people, acting_user=request.user)
    except InvalidInput as exc:  # too many people, or not ids; Forbidden is left to the error page
        messages.error(request, exc.message)
        return redirect(back_url)
    if routed:
        messages.success(request, ngettext("%(count)d person is asked to answer: they get a notification.",
                                           "%(count)d people are asked to answer: they get a notification.",
                                           len(routed)) % {"count": len(routed)})
    else:
        messages.info(request, _("Nobody could be asked: they do not take questions, reached their weekly limit "
                                 "or were asked already."))
    return redirect(back_url)


@require_POST
@login_required
def settings_routing(request):
    from essaim.notifications.views import settings_page

    me = request.user
    form = RoutingForm(request.POST)
    if form.is_valid():
        try:
            actions.do_set_routing(me, acting_user=me, accepts_questions=form.cleaned_data["accepts_questions"],
                                   weekly_limit=form.cleaned_data["weekly_limit"])
        except EssaimError as exc:
            form.add_error("weekly_limit" if exc.code == "invalid_weekly_limit" else None, exc.message)
        else:
            messages.success(request, _("Your choice about questions for you is saved."))
            return redirect(reverse("notifications:settings") + "#routing")
    return settings_page(request, routing_form=form, status=422)

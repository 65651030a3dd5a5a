"""The expertise pages as people use them: "who knows about…?", the profile's areas and endorsed
skills, the directory's area filter, people suggested on a question and asking them to answer,
and the choice to be asked (on the notification settings page). Forms work without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from essaim.accounts import actions as accounts
from essaim.core import jobs
from essaim.experts import actions as experts
from essaim.experts.models import Endorsement, HiddenArea, RoutedQuestion, RoutingPreference
from essaim.notifications.models import Kind, Notification
from essaim.questions import actions as questions

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def index() -> None:
    """What the job runner does after each change: the search index, then the expertise summaries."""
    jobs.run_pending(limit=10_000, kinds=["search.index"])
    jobs.run_pending(limit=10_000, kinds=["experts.index"])


def answered(world, place: str, title: str, *, asker=None, expert=None, body: str = "Here is how."):
    """A question in `place` (a community's visibility or "company") with an accepted answer."""
    asker = asker or world.outsider if place == "company" else asker or world.member
    expert = expert or world.owner
    community = None if place == "company" else world.community(place)
    question = questions.do_ask_question(asker, title, "Details please", community=community)
    answer = questions.do_answer_question(question, expert, body)
    questions.do_accept_answer(answer, acting_user=asker)
    return question


@pytest.fixture
def kubernetes(world):
    """The owner answered two Kubernetes questions (accepted), in the open community and All company."""
    q1 = answered(world, "open", "How do I restart a Kubernetes deployment?")
    q2 = answered(world, "company", "Kubernetes pods stuck in pending state", asker=world.member)
    index()
    return q1, q2


# --- who knows about…? --------------------------------------------------------------------------


def test_the_experts_page_lists_an_answerer_with_evidence(world, page_as, kubernetes):
    q1, _q2 = kubernetes
    response = page_as(world.outsider).get("/experts/", {"q": "kubernetes deployment"})
    body = text(response)
    assert response.status_code == 200
    assert f'href="/people/{world.owner.id}/"' in body and "Owner" in body
    assert "How do I restart a Kubernetes deployment?" in body
    assert f'href="/posts/{q1.id}/#answer-' in body
    assert "Accepted answer" in body
    assert re.search(r"2 answers\s*·\s*2 accepted", body)


def test_the_experts_page_without_words_explains_and_without_matches_says_so(world, page_as, kubernetes):
    client = page_as(world.member)
    empty = client.get("/experts/")
    assert empty.status_code == 200
    assert "How people are found" in text(empty) and 'name="q"' in text(empty)
    assert 'href="/experts/" aria-current="page"' in text(empty)  # the header link
    none = client.get("/experts/", {"q": "zeppelin"})
    assert none.status_code == 200 and "Nobody found for these words." in text(none)


def test_evidence_from_a_secret_community_never_shows_to_a_non_member(world, page_as):
    answered(world, "secret", "Quantum billing reconciliation?")
    index()
    hidden = text(page_as(world.outsider).get("/experts/", {"q": "quantum billing reconciliation"}))
    assert "Quantum billing reconciliation?" not in hidden
    assert f'href="/people/{world.owner.id}/"' not in hidden
    assert "Nobody found for these words." in hidden
    member = text(page_as(world.member).get("/experts/", {"q": "quantum billing reconciliation"}))
    assert "Quantum billing reconciliation?" in member and f'href="/people/{world.owner.id}/"' in member
    # Nor through the community list: a secret community is no choice for an outsider.
    refused = page_as(world.outsider).get("/experts/", {"q": "quantum", "community": world.secret.slug})
    assert refused.status_code == 422 and "Quantum billing" not in text(refused)


def test_the_community_choice_keeps_that_community_evidence(world, page_as, kubernetes):
    client = page_as(world.outsider)
    page = text(client.get("/experts/"))
    assert f'value="{world.open.slug}"' in page and f'value="{world.secret.slug}"' not in page
    assert f'value="{world.private.slug}"' not in page  # private and not a member: nothing to read there
    body = text(client.get("/experts/", {"q": "kubernetes", "community": world.open.slug}))
    assert "How do I restart a Kubernetes deployment?" in body
    assert "Kubernetes pods stuck in pending state" not in body


def test_a_too_long_query_is_a_form_error_not_a_crash(world, page_as):
    response = page_as(world.member).get("/experts/", {"q": "word " * 900})
    assert response.status_code == 422
    assert "at most 4000 characters" in text(response)
    nul = page_as(world.member).get("/experts/", {"q": "kube\x00rnetes"})
    assert nul.status_code == 422


def test_the_search_page_links_to_the_experts_page(world, page_as):
    body = text(page_as(world.member).get("/search/", {"q": "kubernetes"}))
    assert 'href="/experts/?q=kubernetes"' in body and "People who know about “kubernetes”" in body


def test_the_experts_page_needs_a_signed_in_member(world, page_as):
    response = page_as().get("/experts/", {"q": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- the profile: areas, hidden areas, skills and endorsements ---------------------------------


def test_the_profile_shows_areas_counts_and_skills(world, page_as, kubernetes):
    accounts.do_update_profile(world.owner, acting_user=world.owner, skills=["docker"])
    body = text(page_as(world.outsider).get(f"/people/{world.owner.id}/"))
    assert 'id="expertise"' in body
    assert '<a class="tag" href="/people/?area=kubernetes">kubernetes</a>' in body
    assert re.search(r"2 answers\s*·\s*2 accepted", body)
    assert '<a class="tag" href="/people/?skill=docker">docker</a>' in body
    assert ">Endorse<" in body and ">Hide<" not in body  # hiding is for the person themselves


def test_the_profile_counts_only_places_the_viewer_may_read(world, page_as):
    answered(world, "secret", "Quantum billing reconciliation?")
    index()
    outsider = text(page_as(world.outsider).get(f"/people/{world.owner.id}/"))
    assert "quantum" not in outsider.lower() and "1 answer" not in outsider
    member = text(page_as(world.member).get(f"/people/{world.owner.id}/"))
    assert "/people/?area=quantum" in member and "1 answer" in member


def test_hide_and_show_an_area_on_ones_own_profile(world, page_as, kubernetes):
    owner = page_as(world.owner)
    mine = text(owner.get(f"/people/{world.owner.id}/"))
    assert ">Hide<" in mine and 'action="/settings/expertise/hide"' in mine
    response = owner.post("/settings/expertise/hide", {"area": "Kubernetes", "hidden": "1"})
    assert response.status_code in (302, 303) and response["Location"] == f"/people/{world.owner.id}/#expertise"
    assert HiddenArea.objects.filter(user=world.owner, key="kubernetes").exists()
    others = text(page_as(world.outsider).get(f"/people/{world.owner.id}/"))
    assert "/people/?area=kubernetes" not in others
    directory = text(page_as(world.outsider).get("/people/", {"area": "kubernetes"}))
    assert f'href="/people/{world.owner.id}/"' not in directory
    mine = text(owner.get(f"/people/{world.owner.id}/"))
    assert "Hidden from your profile" in mine and ">Show<" in mine
    owner.post("/settings/expertise/hide", {"area": "kubernetes", "hidden": "0"})
    assert not HiddenArea.objects.filter(user=world.owner).exists()
    assert "/people/?area=kubernetes" in text(page_as(world.outsider).get(f"/people/{world.owner.id}/"))


def test_hiding_acts_on_ones_own_areas_only(world, page_as, kubernetes):
    response = page_as(world.outsider).post("/settings/expertise/hide", {"area": "kubernetes", "hidden": "1"})
    assert response["Location"] == f"/people/{world.outsider.id}/#expertise"
    assert not HiddenArea.objects.filter(user=world.owner).exists()
    assert "/people/?area=kubernetes" in text(page_as(world.member).get(f"/people/{world.owner.id}/"))
    empty = page_as(world.owner).post("/settings/expertise/hide", {"area": "   ", "hidden": "1"})
    assert empty.status_code == 302 and "Name an area." in flashed(empty)
    assert not HiddenArea.objects.filter(user=world.owner).exists()


def test_endorse_and_withdraw_a_skill(world, page_as):
    accounts.do_update_profile(world.owner, acting_user=world.owner, skills=["data science", "docker"])
    client = page_as(world.member)
    page = text(client.get(f"/people/{world.owner.id}/"))
    assert f'action="/people/{world.owner.id}/skills/data%20science/endorse"' in page
    response = client.post(f"/people/{world.owner.id}/skills/data%20science/endorse")
    assert response.status_code in (302, 303) and response["Location"] == f"/people/{world.owner.id}/#expertise"
    assert Endorsement.objects.filter(user=world.owner, endorser=world.member, skill__name="data science").exists()
    page = text(client.get(f"/people/{world.owner.id}/"))
    assert "1 endorsement" in page and f'<a href="/people/{world.member.id}/">Member</a>' in page
    assert f'action="/people/{world.owner.id}/skills/data%20science/unendorse"' in page
    assert "Withdraw endorsement" in page
    client.post(f"/people/{world.owner.id}/skills/data%20science/endorse")  # twice: still one
    assert Endorsement.objects.count() == 1
    client.post(f"/people/{world.owner.id}/skills/data%20science/unendorse")
    assert not Endorsement.objects.exists()
    missing = client.post(f"/people/{world.owner.id}/skills/cobol/endorse")
    assert missing.status_code == 404


def test_one_cannot_endorse_oneself_and_the_page_says_so(world, page_as):
    accounts.do_update_profile(world.owner, acting_user=world.owner, skills=["docker"])
    client = page_as(world.owner)
    assert ">Endorse<" not in text(client.get(f"/people/{world.owner.id}/"))
    response = client.post(f"/people/{world.owner.id}/skills/docker/endorse")
    assert response.status_code == 302
    assert "You cannot endorse your own skills." in flashed(response)
    assert not Endorsement.objects.exists()


def test_endorsing_a_deactivated_or_hidden_person_is_not_found(world, page_as):
    accounts.do_update_profile(world.owner, acting_user=world.owner, skills=["docker"])
    accounts.do_deactivate_user(world.owner, acting_user=world.admin)
    assert page_as(world.member).post(f"/people/{world.owner.id}/skills/docker/endorse").status_code == 404
    assert page_as(world.member).post(f"/people/{world.stranger.id}/skills/docker/endorse").status_code == 404
    assert not Endorsement.objects.exists()


def test_endorsing_needs_the_csrf_token(world):
    from django.test import Client

    accounts.do_update_profile(world.owner, acting_user=world.owner, skills=["docker"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    assert client.post(f"/people/{world.owner.id}/skills/docker/endorse").status_code == 403
    assert not Endorsement.objects.exists()


# --- the directory ------------------------------------------------------------------------------


def test_the_directory_filters_by_area(world, page_as, kubernetes):
    client = page_as(world.outsider)
    page = text(client.get("/people/"))
    assert 'name="area"' in page and '<datalist id="areas">' in page and '<option value="kubernetes">' in page
    names = set(re.findall(r'<a href="/people/\d+/"><strong>([^<]+)</strong></a>',
                           text(client.get("/people/", {"area": "Kubernetes"}))))
    assert "Owner" in names and names <= {"Owner", "Member"}  # who answered (and perhaps who asked)
    nobody = text(client.get("/people/", {"area": "zeppelin"}))
    assert "Nobody matches these filters." in nobody


# --- a question's suggested people, and asking them -------------------------------------------


@pytest.fixture
def asked(world, kubernetes):
    """Member asks a new Kubernetes question in the open community."""
    return questions.do_ask_question(world.member, "Kubernetes deployment rollback fails",
                                     "The deployment does not come back", community=world.open)


def route(client, question, *people):
    return client.post(f"/questions/{question.id}/route", {"people": [p.id for p in people]})


def test_the_question_page_suggests_people_who_could_answer(world, page_as, asked):
    body = text(page_as(world.member).get(f"/questions/{asked.id}/"))
    assert "People who could answer" in body and f'href="/people/{world.owner.id}/"' in body
    assert "Does not take questions" in body and 'name="people"' not in body  # not opted in
    other = text(page_as(world.outsider).get(f"/questions/{asked.id}/"))  # not the asker: no box at all
    assert "People who could answer" not in other and "Does not take questions" not in other
    moderator = text(page_as(world.moderator).get(f"/questions/{asked.id}/"))  # moderators may route
    assert "People who could answer" in moderator
    alone = questions.do_ask_question(world.member, "Zeppelin maintenance", "Anyone?", community=world.open)
    assert "People who could answer" not in text(page_as(world.member).get(f"/questions/{alone.id}/"))


def test_asking_routes_to_opted_in_people_only_and_notifies_them(world, page_as, asked):
    answered(world, "open", "Kubernetes deployment strategies", expert=world.moderator)
    index()
    experts.do_set_routing(world.owner, acting_user=world.owner, accepts_questions=True)
    client = page_as(world.member)
    body = text(client.get(f"/questions/{asked.id}/"))
    assert f'id="route-{world.owner.id}"' in body and f'id="route-{world.moderator.id}"' not in body
    assert "Ask them to answer" in body
    response = route(client, asked, world.owner, world.moderator)
    assert response.status_code == 302 and response["Location"] == f"/questions/{asked.id}/#suggested-experts"
    assert "1 person is asked to answer: they get a notification." in flashed(response)
    assert list(RoutedQuestion.objects.values_list("expert_id", flat=True)) == [world.owner.id]
    note = Notification.objects.get(recipient=world.owner, kind=Kind.QUESTION_ROUTED)
    assert note.post_id == asked.id and note.actor_id == world.member.id
    assert not Notification.objects.filter(recipient=world.moderator, kind=Kind.QUESTION_ROUTED).exists()
    assert "Already asked" in text(client.get(f"/questions/{asked.id}/"))
    again = route(client, asked, world.owner)
    assert any("Nobody could be asked" in m for m in flashed(again)) and RoutedQuestion.objects.count() == 1
    listing = text(page_as(world.owner).get("/notifications/"))
    assert "Member asked you to answer a question" in listing


def test_the_weekly_limit_is_respected(world, page_as, asked):
    experts.do_set_routing(world.owner, acting_user=world.owner, accepts_questions=True, weekly_limit=1)
    client = page_as(world.member)
    assert "1 person is asked to answer: they get a notification." in flashed(route(client, asked, world.owner))
    second = questions.do_ask_question(world.member, "Kubernetes deployment quota", "Limits?", community=world.open)
    body = text(client.get(f"/questions/{second.id}/"))
    assert "Cannot take more questions this week" in body and f'id="route-{world.owner.id}"' not in body
    response = route(client, second, world.owner)
    assert any("Nobody could be asked" in m for m in flashed(response))
    assert RoutedQuestion.objects.filter(expert=world.owner).count() == 1
    assert Notification.objects.filter(recipient=world.owner, kind=Kind.QUESTION_ROUTED).count() == 1


def test_only_the_asker_may_route_and_bad_input_changes_nothing(world, page_as, asked):
    experts.do_set_routing(world.owner, acting_user=world.owner, accepts_questions=True)
    refused = route(page_as(world.outsider), asked, world.owner)
    assert refused.status_code == 403
    client = page_as(world.member)
    none = client.post(f"/questions/{asked.id}/route", {})
    assert none.status_code == 302 and "Choose the people to ask." in flashed(none)
    garbage = client.post(f"/questions/{asked.id}/route", {"people": ["x"]})
    assert garbage.status_code == 302 and "Name people by their ids." in flashed(garbage)
    many = client.post(f"/questions/{asked.id}/route", {"people": [world.owner.id, 9001, 9002, 9003]})
    assert "Ask at most 3 people at once." in flashed(many)
    hidden = questions.do_ask_question(world.owner, "Secret question", "x", community=world.secret)
    assert route(page_as(world.outsider), hidden, world.owner).status_code == 404
    assert not RoutedQuestion.objects.exists()


# --- the choice to be asked -------------------------------------------------------------------


def test_the_routing_settings_save_and_refuse_bad_input(world, page_as):
    client = page_as(world.owner)
    page = text(client.get("/settings/notifications/"))
    assert "Questions for you" in page and 'action="/settings/routing"' in page
    assert "Let people ask me to answer questions that match my expertise" in page
    assert "0 questions put to you this week." in page
    response = client.post("/settings/routing", {"accepts_questions": "on", "weekly_limit": "2"})
    assert response.status_code == 302 and response["Location"] == "/settings/notifications/#routing"
    pref = RoutingPreference.objects.get(user=world.owner)
    assert (pref.accepts_questions, pref.weekly_limit) == (True, 2)
    page = text(client.get("/settings/notifications/"))
    assert re.search(r'name="accepts_questions"[^>]*checked', page)
    assert '<option value="2" selected>' in page

    bad = client.post("/settings/routing", {"accepts_questions": "", "weekly_limit": "9"})
    assert bad.status_code == 422 and "The weekly limit is between 1 and 5." in text(bad)
    not_a_number = client.post("/settings/routing", {"weekly_limit": "many"})
    assert not_a_number.status_code == 422
    pref.refresh_from_db()
    assert (pref.accepts_questions, pref.weekly_limit) == (True, 2)

    client.post("/settings/routing", {"weekly_limit": "3"})  # unchecked: no more questions
    pref.refresh_from_db()
    assert (pref.accepts_questions, pref.weekly_limit) == (False, 3)


def test_the_notification_settings_offer_a_channel_for_routed_questions(world, page_as):
    client = page_as(world.member)
    assert 'name="channel-question_routed"' in text(client.get("/settings/notifications/"))

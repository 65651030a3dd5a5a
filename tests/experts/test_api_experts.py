"""The experts API: who knows about X, expertise profiles, endorsements, routing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from essaim.accounts import actions as accounts
from essaim.experts import actions
from essaim.experts.models import Endorsement, RoutedQuestion, RoutingPreference
from essaim.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def test_experts_endpoint_ranks_people_with_openable_evidence(world, thread, api_as):
    question, _ = thread("company", "How do we restore a Kafka topic from backup?",
                         answers=[(world.owner, "Replay the Kafka topic from the S3 backup with the restore tool.", 2,
                                   True)])
    thread("secret", "Kafka restore for project zorblax",
           answers=[(world.moderator, "The zorblax Kafka restore is manual.", 3, True)])
    response = api_as(world.outsider).get("experts", q="kafka restore backup")
    assert response.status_code == 200, response.content
    items = response.json_body["items"]
    assert [i["person"]["handle"] for i in items][:1] == ["owner"]
    assert all(i["person"]["handle"] != "moderator" for i in items)
    first = items[0]
    assert first["score"] == pytest.approx(1.0) and first["answers"] == 1 and first["accepted"] == 1
    assert first["evidence"][0]["kind"] == "answer" and first["evidence"][0]["post_id"] == str(question.id)
    assert first["source_id"] is None
    text = response.content.decode()
    assert "zorblax" not in text
    member = api_as(world.member).get("experts", q="kafka restore zorblax").json_body["items"]
    assert "moderator" in [i["person"]["handle"] for i in member]


def test_experts_endpoint_refuses_bad_input_clearly(world, api_as):
    client = api_as(world.member)
    for params, code in [({}, "missing_query"), ({"q": "  "}, "missing_query"), ({"q": "x" * 4001}, "query_too_long"),
                         ({"q": "kafka", "limit": "0"}, "invalid_limit"), ({"q": "kafka", "limit": "51"},
                                                                           "invalid_limit"),
                         ({"q": "kafka", "limit": "ten"}, "invalid_limit"), ({"q": "a\x00b"}, "invalid_query")]:
        response = client.get("experts", **params)
        assert response.status_code == 400, (params, response.content)
        assert response.json_body["error"]["code"] == code
    # a community the viewer cannot read is missing, by id or slug
    assert client.get("experts", q="kafka", community=str(world.secret.id)).status_code == 200
    outsider = api_as(world.outsider)
    assert outsider.get("experts", q="kafka", community=str(world.secret.id)).status_code == 404
    assert outsider.get("experts", q="kafka", community="secret-club").status_code == 404
    assert outsider.get("experts", q="kafka", community="private-club").status_code == 404
    assert api_as(None).get("experts", q="kafka").status_code == 401


def test_community_filter_keeps_that_community_only(world, thread, api_as):
    thread("open", "Grafana dashboard for the latency SLO?",
           answers=[(world.owner, "Use the Grafana SLO dashboard template.", 0, False)])
    thread("company", "Grafana alert routing?", answers=[(world.moderator, "Grafana alerts go to the on-call.", 0,
                                                          False)])
    client = api_as(world.outsider)
    both = [i["person"]["handle"] for i in client.get("experts", q="grafana").json_body["items"]]
    assert {"owner", "moderator"} <= set(both)
    only = [i["person"]["handle"] for i in client.get("experts", q="grafana", community="open-club").json_body["items"]]
    assert "owner" in only and "moderator" not in only


def test_imported_people_carry_their_source_id(world, thread, api_as):
    person = accounts.do_create_placeholder_user(world.network, display_name="Imported Ida", source="site",
                                                 source_id="4242")
    from essaim.communities.actions import do_add_member

    do_add_member(world.open, person, acting_user=world.owner, quiet=True)
    thread("open", "What is a quorum read?", answers=[(person, "A quorum read asks a majority of replicas.", 1,
                                                       False)])
    items = api_as(world.outsider).get("experts", q="quorum read replicas").json_body["items"]
    assert items[0]["source_id"] == "4242" and items[0]["person"]["is_placeholder"] is True


def test_expertise_profile_endorsements_and_hidden_areas(world, thread, api_as):
    accounts.do_update_profile(world.owner, acting_user=world.owner, skills=["ansible", "Go"])
    thread("company", "Ansible vault rotation?", answers=[(world.owner, "Rotate with ansible-vault rekey.", 1, True)],
           topics=["ansible"])
    member = api_as(world.member)
    created = member.post(f"users/{world.owner.id}/skills/ansible/endorsement")
    assert created.status_code == 201
    again = member.post(f"users/{world.owner.id}/skills/Ansible/endorsement")
    assert again.status_code == 200 and Endorsement.objects.count() == 1
    skills = {s["name"]: s for s in again.json_body["skills"]}
    assert skills["ansible"]["endorsements"] == 1 and skills["ansible"]["endorsed_by_me"] is True
    assert skills["ansible"]["endorsers"][0]["handle"] == "member"
    assert member.post(f"users/{world.owner.id}/skills/cobol/endorsement").status_code == 404  # not declared
    own = api_as(world.owner).post(f"users/{world.owner.id}/skills/ansible/endorsement")
    assert own.status_code == 403 and own.json_body["error"]["code"] == "own_skill"
    assert api_as(world.stranger).post(f"users/{world.owner.id}/skills/ansible/endorsement").status_code in (401, 404)
    profile = api_as(world.outsider).get(f"users/{world.owner.id}/expertise").json_body
    assert "ansible" in [a["key"] for a in profile["areas"]] and profile["routing"] is None
    assert profile["answers"] == 1 and profile["accepted"] == 1
    hidden = api_as(world.owner).call("put", "me/expertise/hidden", {"area": "Ansible"})
    assert hidden.status_code == 200
    assert [a["hidden"] for a in hidden.json_body["areas"] if a["key"] == "ansible"] == [True]
    assert hidden.json_body["routing"]["accepts_questions"] is False
    assert "ansible" not in [a["key"] for a in api_as(world.outsider).get(
        f"users/{world.owner.id}/expertise").json_body["areas"]]
    bad = api_as(world.owner).call("put", "me/expertise/hidden", {"area": ""})
    assert bad.status_code == 422
    withdrawn = member.delete(f"users/{world.owner.id}/skills/ansible/endorsement")
    assert withdrawn.status_code == 200 and Endorsement.objects.count() == 0


def test_endorsing_a_deactivated_person_is_missing(world, api_as):
    accounts.do_update_profile(world.owner, acting_user=world.owner, skills=["ansible"])
    accounts.do_deactivate_user(world.owner, acting_user=world.admin)
    assert api_as(world.member).post(f"users/{world.owner.id}/skills/ansible/endorsement").status_code == 404
    assert Endorsement.objects.count() == 0


def test_routing_settings(world, api_as):
    client = api_as(world.owner)
    assert client.get("me/routing").json_body == {"accepts_questions": False, "weekly_limit": 3,
                                                   "routed_this_week": 0}
    ok = client.call("put", "me/routing", {"accepts_questions": True, "weekly_limit": 2})
    assert ok.status_code == 200 and ok.json_body["accepts_questions"] is True and ok.json_body["weekly_limit"] == 2
    for body in ({"weekly_limit": 9}, {"weekly_limit": 0}, {"accepts_questions": "yes"}, {"other": 1}):
        bad = client.call("put", "me/routing", body)
        assert bad.status_code == 422, body
    pref = RoutingPreference.objects.get(user=world.owner)
    assert (pref.accepts_questions, pref.weekly_limit) == (True, 2)


def _opt_in(user, limit=3):
    actions.do_set_routing(user, acting_user=user, accepts_questions=True, weekly_limit=limit)


def test_suggestions_and_routing_respect_opt_in_and_permissions(world, thread, api_as):
    thread("company", "How do I size the Redis cluster?",
           answers=[(world.owner, "Size the Redis cluster by peak memory plus headroom.", 2, True),
                    (world.moderator, "Redis cluster sizing: measure memory first.", 1, False),
                    (world.outsider, "Redis cluster memory sizing guide in the wiki.", 0, False)])
    _opt_in(world.owner)
    _opt_in(world.outsider)
    from essaim.questions import actions as qa

    question = qa.do_ask_question(world.requester, "Redis cluster sizing for the new service?", "How much memory?")
    suggestions = api_as(world.requester).get(f"questions/{question.id}/experts").json_body["items"]
    by_handle = {s["person"]["handle"]: s for s in suggestions}
    assert "requester" not in by_handle
    assert by_handle["owner"]["routable"] is True and by_handle["moderator"]["routable"] is False
    routed = api_as(world.requester).post(f"questions/{question.id}/route",
                                          {"people": [str(world.owner.id), str(world.moderator.id)]})
    assert routed.status_code == 200 and routed.json_body["routed"] == [str(world.owner.id)]
    note = Notification.objects.get(kind=Kind.QUESTION_ROUTED)
    assert note.recipient_id == world.owner.id and note.post_id == question.id and note.actor_id == world.requester.id
    again = api_as(world.requester).post(f"questions/{question.id}/route", {"people": [str(world.owner.id)]})
    assert again.json_body["routed"] == []  # asked already
    # Only the asker (or a moderator) may route; too many people at once is refused.
    assert api_as(world.member).post(f"questions/{question.id}/route",
                                     {"people": [str(world.outsider.id)]}).status_code == 403
    too_many = api_as(world.requester).post(f"questions/{question.id}/route",
                                            {"people": [str(world.admin.id), str(world.member.id),
                                                        str(world.outsider.id), str(world.owner.id)]})
    assert too_many.status_code == 422
    assert RoutedQuestion.objects.count() == 1


def test_a_question_is_never_routed_to_someone_who_cannot_read_it(world, thread, api_as):
    _opt_in(world.outsider)
    from essaim.questions import actions as qa

    secret = qa.do_ask_question(world.member, "Zorblax data room access?", "Who grants it?", community=world.secret)
    routed = api_as(world.member).post(f"questions/{secret.id}/route", {"people": [str(world.outsider.id)]})
    assert routed.status_code == 200 and routed.json_body["routed"] == []
    assert not Notification.objects.filter(recipient=world.outsider).exists()
    assert api_as(world.outsider).get(f"questions/{secret.id}/experts").status_code == 404


def test_weekly_limit_caps_routed_questions(world, api_as):
    from django.utils import timezone

    from essaim.questions import actions as qa

    _opt_in(world.owner, limit=2)
    asked = []
    for i in range(4):
        q = qa.do_ask_question(world.member, f"Question number {i} about billing?", "Details.")
        asked.append(api_as(world.member).post(f"questions/{q.id}/route", {"people": [str(world.owner.id)]})
                     .json_body["routed"])
    assert asked == [[str(world.owner.id)]] * 2 + [[]] * 2
    assert Notification.objects.filter(recipient=world.owner, kind=Kind.QUESTION_ROUTED).count() == 2
    # A week later, there is room again.
    RoutedQuestion.objects.update(created_at=timezone.now() - timedelta(days=8))
    q = qa.do_ask_question(world.member, "Another billing question?", "Details.")
    assert api_as(world.member).post(f"questions/{q.id}/route",
                                     {"people": [str(world.owner.id)]}).json_body["routed"] == [str(world.owner.id)]


def test_deactivated_and_placeholder_people_are_not_routed(world, api_as):
    from essaim.questions import actions as qa

    _opt_in(world.owner)
    accounts.do_deactivate_user(world.owner, acting_user=world.admin)
    q = qa.do_ask_question(world.member, "Anyone for the cafeteria menu?", "Details.")
    assert api_as(world.member).post(f"questions/{q.id}/route",
                                     {"people": [str(world.owner.id)]}).json_body["routed"] == []


def test_the_experts_endpoint_costs_the_same_queries_for_one_or_many_people(world, thread, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> tuple[int, int]:
        client = api_as(world.outsider)
        client.get("experts", q="zeta sensor")  # the session and network lookups, once
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("experts", q="zeta sensor")
        return len(ctx.captured_queries), len(response.json_body["items"])

    accounts.do_update_profile(world.owner, acting_user=world.owner, skills=["sensors", "zeta"])
    thread("company", "Zeta sensor calibration?", answers=[(world.owner, "Zeta sensor calibration steps.", 0, False)])
    few, one = count()
    for i in range(8):
        person = accounts.do_create_user(world.network, email=f"p{i}@acme.test", display_name=f"P {i}")
        accounts.do_update_profile(person, acting_user=person, skills=[f"skill{i}", "sensors"])
        thread("company", f"Zeta sensor drift {i}?", answers=[(person, f"Zeta sensor drift fix {i}.", 0, False)])
    many, nine = count()
    assert (one, nine) == (1, 9) or nine > one
    assert many == few


def test_a_suggested_person_who_cannot_read_the_question_is_not_routable(world, thread, api_as):
    _opt_in(world.outsider)
    thread("company", "Zorblax billing export format?",
           answers=[(world.outsider, "The zorblax billing export is a CSV with one row per invoice.", 2, True)])
    from essaim.questions import actions as qa

    question = qa.do_ask_question(world.member, "Zorblax billing export for the club?", "Which format?",
                                  community=world.private)
    items = api_as(world.member).get(f"questions/{question.id}/experts").json_body["items"]
    outsider = [i for i in items if i["person"]["handle"] == "outsider"]
    assert outsider and outsider[0]["routable"] is False and outsider[0]["asked"] is False


def test_an_unreadable_community_filter_reveals_nothing(world, thread):
    from essaim.experts.ranking import find_experts

    thread("secret", "Zorblax payroll export?", answers=[(world.owner, "Zorblax payroll export runs nightly.", 2,
                                                          True)])
    thread("company", "Payroll export schedule?", answers=[(world.owner, "The payroll export runs nightly.", 0,
                                                            False)])
    # Called directly with a community the viewer may not read: no evidence, no counts from it.
    found = find_experts(world.outsider, "payroll export", community_ids=[world.secret.id])
    assert found == []
    for method in ("answers", "essaim"):
        owner = [e for e in find_experts(world.outsider, "payroll export", method=method) if e.user == world.owner]
        assert [(e.answers, e.accepted) for e in owner] == [(1, 0)]

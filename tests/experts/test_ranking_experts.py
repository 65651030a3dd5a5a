"""Who knows about X: ranking from evidence, permissions, skills, incremental summaries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.experts import actions
from essaim.experts.models import Expertise, ExpertiseArea
from essaim.experts.queries import areas_of, people_with_area, profile_of
from essaim.experts.ranking import find_experts
from essaim.questions import actions as qa
from essaim.stream.access import can_read_post
from essaim.stream.models import Post


pytestmark = pytest.mark.django_db


def names(experts) -> list[str]:
    return [e.user.handle for e in experts]


def test_the_person_who_answered_ranks_first_with_evidence(world, thread):
    thread("company", "How do I rotate the Kubernetes cluster certificates?",
           answers=[(world.owner, "Use kubeadm certs renew on every control plane node, then restart kubelet.", 2,
                     True)])
    thread("company", "Where is the holiday calendar?", answers=[(world.moderator, "On the intranet home page.", 0,
                                                                  False)])
    found = find_experts(world.outsider, "kubernetes certificates expired")
    assert names(found)[:1] == ["owner"]
    assert "moderator" not in names(found)
    evidence = found[0].evidence
    assert evidence and evidence[0].kind == "answer" and evidence[0].accepted
    assert "Kubernetes" in evidence[0].title and evidence[0].url.startswith("/posts/")


def test_french_questions_find_french_answers(world, thread):
    thread("company", "Comment déployer l'application sur le serveur de recette ?",
           answers=[(world.owner, "Il faut lancer le déploiement depuis la chaîne d'intégration continue.", 1,
                     False)])
    thread("company", "Which printer should I use on floor two?",
           answers=[(world.moderator, "The one next to the kitchen.", 0, False)])
    assert names(find_experts(world.outsider, "déploiement serveur recette"))[:1] == ["owner"]
    assert names(find_experts(world.outsider, "deployer recette"))[:1] == ["owner"]  # no accents, other forms
    assert names(find_experts(world.outsider, "printer"))[:1] == ["moderator"]


def test_quality_ranks_an_accepted_upvoted_answer_above_a_plain_one(world, thread):
    thread("company", "How do we configure the VPN split tunnel?",
           answers=[(world.owner, "Edit the VPN profile and enable split tunnel for the office ranges.", 0, False),
                    (world.moderator, "Edit the VPN profile and enable split tunnel for the office ranges.", 3,
                     True)])
    assert names(find_experts(world.outsider, "vpn split tunnel"))[:2] == ["moderator", "owner"]


def test_secret_evidence_neither_shows_nor_changes_the_ranking(world, thread, settle):
    # Both answer in the open; owner also answered in the secret community, on the same subject.
    thread("company", "How is the payroll export scheduled?",
           answers=[(world.moderator, "The payroll export runs nightly from the scheduler.", 0, False)])
    thread("company", "Can the payroll export be rerun?",
           answers=[(world.owner, "Yes, rerun the payroll export from the admin console.", 0, False)])
    def seen(experts):  # the ranking and its evidence (scores move a little: word statistics are network-wide)
        return [(e.user.handle, e.answers, [(ev.kind, ev.id) for ev in e.evidence]) for e in experts]

    before = seen(find_experts(world.outsider, "payroll export"))
    _q, secret_answers = thread(
        "secret", "Payroll export for the merger: zorblax codename",
        answers=[(world.owner, "The payroll export for zorblax runs separately, payroll export twice.", 5, True),
                 (world.owner, "Payroll export details for zorblax are in the deal room.", 0, False)],
        asker=world.member)
    outsider = find_experts(world.outsider, "payroll export")
    assert seen(outsider) == before  # unchanged for outsiders
    for e in outsider:
        assert all("zorblax" not in ev.title for ev in e.evidence)
        assert all(can_read_post(world.outsider, Post.objects.get(pk=ev.post_id)) for ev in e.evidence if ev.post_id)
        if e.user.handle == "owner":
            assert e.answers == 1  # only the open answer is counted
    assert find_experts(world.outsider, "zorblax") == []
    member_view = find_experts(world.member, "zorblax")
    assert names(member_view)[:1] == ["owner"]
    assert any("zorblax" in ev.title for ev in member_view[0].evidence)
    # The profile's areas follow the same rule.
    assert all("zorblax" not in a.key for a in areas_of(world.outsider, world.owner))
    assert any("zorblax" in a.key for a in areas_of(world.member, world.owner))
    assert not people_with_area(world.outsider, "zorblax").exists()
    assert profile_of(world.outsider, world.owner).answers == 1
    assert profile_of(world.member, world.owner).answers == 3


def test_removed_member_stops_seeing_secret_evidence_at_once(world, thread):
    thread("secret", "How is zorblax deployed?", answers=[(world.owner, "Zorblax deploys from the vault.", 0,
                                                           False)])
    assert names(find_experts(world.member, "zorblax"))[:1] == ["owner"]
    communities.do_remove_member(world.secret, world.member, acting_user=world.owner)
    assert find_experts(world.member, "zorblax") == []


def test_deactivated_people_are_never_suggested(world, thread):
    thread("company", "How do I renew the TLS wildcard certificate?",
           answers=[(world.owner, "Order the wildcard TLS renewal from the provider portal.", 2, True),
                    (world.moderator, "The TLS wildcard certificate is renewed through the portal.", 0, False)])
    assert "owner" in names(find_experts(world.outsider, "tls wildcard certificate"))
    accounts.do_deactivate_user(world.owner, acting_user=world.admin)
    found = names(find_experts(world.outsider, "tls wildcard certificate"))
    assert "owner" not in found and found[:1] == ["moderator"]


def test_declared_and_endorsed_skills_find_people(world, thread):
    accounts.do_update_profile(world.owner, acting_user=world.owner, skills=["terraform"])
    accounts.do_update_profile(world.moderator, acting_user=world.moderator, skills=["terraform"])
    actions.do_endorse(world.moderator, "terraform", acting_user=world.member)
    actions.do_endorse(world.moderator, "Terraform", acting_user=world.outsider)
    found = find_experts(world.requester, "who knows terraform?")
    assert names(found)[:2] == ["moderator", "owner"]
    skill = [ev for ev in found[0].evidence if ev.kind == "skill"]
    assert skill and skill[0].title == "terraform" and skill[0].endorsements == 2
    # An endorsement by a deactivated colleague no longer counts.
    accounts.do_deactivate_user(world.member, acting_user=world.admin)
    found = find_experts(world.requester, "terraform")
    assert [ev.endorsements for ev in found[0].evidence if ev.kind == "skill"] == [1]


def test_summaries_follow_answers_votes_acceptance_and_deletion(world, thread, settle):
    question, (answer,) = thread("open", "How do I reset the build cache?",
                                 answers=[(world.owner, "Run the cache purge job from the CI settings.", 0, False)])
    row = Expertise.objects.get(user=world.owner, community=world.open)
    assert (row.answers, row.accepted) == (1, 0) and row.answer_clock is not None
    qa.do_accept_answer(answer, acting_user=question.author)
    settle()
    assert Expertise.objects.get(user=world.owner, community=world.open).accepted == 1
    qa.do_vote(world.moderator, 1, answer=answer)
    settle()
    assert Expertise.objects.get(user=world.owner, community=world.open).upvotes == 1
    assert ExpertiseArea.objects.filter(user=world.owner, community=world.open, key="cache").exists()
    qa.do_delete_answer(answer, acting_user=world.owner)
    settle()
    assert not Expertise.objects.filter(user=world.owner, answers__gt=0).exists()
    assert find_experts(world.outsider, "build cache purge") == [] or "owner" not in names(
        find_experts(world.outsider, "build cache purge"))


def test_rolled_back_answer_changes_no_summary(world, thread, settle):
    question, _ = thread("company", "Where are the brand guidelines?")
    with pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            qa.do_answer_question(question, world.owner, "In the brand portal.")
            raise RuntimeError("interrupted")
    settle()
    assert not Expertise.objects.filter(user=world.owner).exists()


def test_hidden_area_leaves_the_profile_not_the_evidence(world, thread):
    thread("company", "How do I tune PostgreSQL autovacuum?",
           answers=[(world.owner, "Lower autovacuum_vacuum_scale_factor on the busy tables.", 1, True)],
           topics=["postgresql"])
    assert "postgresql" in [a.key for a in areas_of(world.outsider, world.owner)]
    actions.do_hide_area(world.owner, "PostgreSQL", acting_user=world.owner)
    assert "postgresql" not in [a.key for a in areas_of(world.outsider, world.owner)]
    assert [a.hidden for a in areas_of(world.owner, world.owner, include_hidden=True) if a.key == "postgresql"] == [True]
    assert not people_with_area(world.outsider, "postgresql").exists()
    assert names(find_experts(world.outsider, "postgresql autovacuum"))[:1] == ["owner"]
    with pytest.raises(Exception):
        actions.do_hide_area(world.owner, "postgresql", acting_user=world.moderator)


def test_query_count_does_not_grow_with_the_evidence(world, thread):
    def count(text):
        with CaptureQueriesContext(connection) as ctx:
            find_experts(world.outsider, text)
        return len(ctx.captured_queries)

    thread("company", "How to calibrate the zeta sensor?", answers=[(world.owner, "Zeta sensor calibration.", 0,
                                                                      False)])
    few = count("zeta sensor")
    people = [accounts.do_create_user(world.network, email=f"helper{i}@acme.test", display_name=f"Helper {i}")
              for i in range(12)]
    for i, person in enumerate(people):
        thread("company", f"Zeta sensor drift number {i}?", answers=[(person, f"Zeta sensor drift fix {i}.", 1,
                                                                      i % 2 == 0)])
    assert count("zeta sensor") == few


def test_bulk_posts_are_summarised(world, settle):
    from essaim.stream.actions import do_bulk_create_posts

    do_bulk_create_posts(world.owner, [("Quarterly forecast model in the shared drive.", None)] * 3)
    settle()
    assert Expertise.objects.get(user=world.owner, community=None).posts == 3
    assert names(find_experts(world.outsider, "forecast model"))[:1] == ["owner"]

"""The demo network: realistic, deterministic, and made only of things the rules allow."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from essaim import demo
from essaim.accounts import actions as accounts
from essaim.accounts.models import Follow, Organization, User
from essaim.communities.models import Community, JoinRequest, Membership, Role
from essaim.core import text
from essaim.core.models import Name
from essaim.notifications.models import Kind, Notification
from essaim.stream.models import Comment, Post, PostMention, PostTopic, PostVersion, Reaction, TopicFollow

# ---------------------------------------------------------------- the data itself, without a database


def test_people_are_unique_and_spread_over_six_departments_and_two_organizations():
    everyone = [demo.ADMIN, *demo.PEOPLE]
    assert 55 <= len(everyone) <= 70
    handles = [demo.handle_for(p[0], p[1]) for p in everyone]
    assert len(set(handles)) == len(handles)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", h) for h in handles)
    assert {p[2] for p in everyone} == {"Engineering", "Sales", "Marketing", "Finance", "HR", "Operations"}
    assert {p[5] for p in everyone} == {"Acme Industries", "Nord Logistique"}
    assert {"Paris", "Lyon", "Lille", "Montréal", "London"} <= {p[4] for p in everyone}


def test_communities_refer_to_real_people_and_every_text_fills_in():
    handles = {demo.handle_for(p[0], p[1]) for p in [demo.ADMIN, *demo.PEOPLE]}
    for space in demo.SPACES:
        assert {space.owner, *space.moderators, *space.extra} <= handles, space.key
    assert {s.visibility for s in demo.SPACES} == {"open", "private", "secret"}
    assert set(demo.TEXTS) == {s.key for s in demo.SPACES} | {"all"}
    values = dict(m="@a", m2="@b", day="lundi", client="X", n=3, pct=90, score=80, digit=1, year=2025, years=3,
                  admin="@c")
    templates = [t for texts in demo.TEXTS.values() for _lang, t in texts] + [t for _l, t in demo.PROFILE_TEXTS]
    templates += [t for *_d, t in demo.RECENT] + [t for _d, t in demo.ANNOUNCEMENTS]
    templates += [t for _d, t in demo.COMMUNITY_ANNOUNCEMENTS.values()]
    templates += [t for texts in (*demo.COMMENTS.values(), *demo.REPLIES.values()) for t in texts]
    for template in templates:
        filled = template.format(**values)
        assert len(filled) < text.MAX_BODY and "{" not in filled


# ---------------------------------------------------------------- the loaded network


@pytest.fixture
def loaded(db):
    network = accounts.do_create_network(demo.DEMO_NETWORK_NAME, demo.DEMO_NETWORK_SLUG)
    assert not demo.is_loaded(network)
    summary = demo.load(network)
    assert demo.is_loaded(network)
    return network, summary


def _fingerprint(network) -> tuple[Counter, Counter, Counter]:
    posts = Counter(Post.objects.filter(network=network).values_list(
        "author__handle", "community__slug", "profile_user__handle", "body", "announcement", "pinned"))
    comments = Counter(Comment.objects.filter(network=network).values_list(
        "author__handle", "post__body", "parent__author__handle", "body"))
    reactions = Counter(Reaction.objects.filter(network=network).values_list(
        "user__handle", "post__body", "comment__body", "kind"))
    return posts, comments, reactions


def test_demo_is_realistic_and_the_same_every_time(loaded):
    network, summary = loaded
    now = timezone.now()
    people = User.objects.filter(network=network)
    assert summary["people"] == people.count() == 60

    # People: profiles filled in, everyone can sign in with the demo password.
    admin = people.get(email=demo.DEMO_ADMIN_EMAIL)
    assert admin.is_admin and admin.handle == "claire.dubois"
    assert authenticate(None, email=demo.DEMO_ADMIN_EMAIL, password=demo.DEMO_PASSWORD, network=network) == admin
    assert people.filter(is_admin=True).count() == 1
    assert len(set(people.values_list("department", flat=True))) == 6
    assert set(Organization.objects.filter(network=network).values_list("name", flat=True)) == {
        "Acme Industries", "Nord Logistique"}
    assert not people.filter(job_title="").exists() and not people.filter(location="").exists()
    assert not people.filter(bio="").exists() and not people.filter(skills=None).exists()
    assert Follow.objects.filter(network=network).values("follower").distinct().count() == 60
    assert TopicFollow.objects.filter(network=network).count() >= 60

    # Communities of each visibility, with owners and moderators.
    communities = Community.objects.filter(network=network)
    assert 8 <= communities.count() <= 14
    assert Counter(communities.values_list("visibility", flat=True)).keys() == {"open", "private", "secret"}
    for community in communities:
        assert Membership.objects.filter(community=community, role=Role.OWNER).exists()
        assert community.member_count == Membership.objects.filter(community=community).count() >= 4
    assert Membership.objects.filter(community__network=network, role=Role.MODERATOR).count() >= 5
    # The partner's people only take part in the community shared with them.
    partner = people.filter(organization__name="Nord Logistique")
    assert partner.count() >= 4
    assert set(Membership.objects.filter(user__in=partner).values_list("community__visibility", flat=True)) == {
        "private"}
    assert Membership.objects.filter(user__in=partner).values("community").distinct().count() == 1
    # Administrators do not see inside secret communities they have not joined: the demo shows it.
    secret_posts = Post.objects.filter(network=network, community__visibility="secret")
    assert secret_posts.exists()
    assert not Post.objects.visible_to(admin).filter(pk__in=secret_posts).exists()

    requests = Counter(JoinRequest.objects.filter(network=network).values_list("status", flat=True))
    assert requests["pending"] >= 3 and requests["approved"] >= 1 and requests["denied"] >= 1

    # A few hundred posts over the past 60 days, in French and in English.
    posts = Post.objects.filter(network=network)
    assert 200 <= posts.count() == summary["posts"] <= 400
    oldest = posts.order_by("created_at").first().created_at
    newest = posts.order_by("-created_at").first().created_at
    assert now - timedelta(days=61) <= oldest <= now - timedelta(days=45)
    assert now - timedelta(days=2) <= newest <= now
    assert len({p.created_at.date() for p in posts}) >= 30
    bodies = list(posts.values_list("body", flat=True))
    french = sum(bool(re.search(r"\b(les|des|pour|est|merci)\b", b, re.I)) for b in bodies)
    english = sum(bool(re.search(r"\b(the|and|for|please|thanks)\b", b, re.I)) for b in bodies)
    assert french >= 60 and english >= 60
    assert len(set(bodies)) >= 0.8 * len(bodies)  # repeated texts are filled in differently
    assert posts.filter(community=None, profile_user=None).count() >= 20  # All company
    assert posts.filter(profile_user__isnull=False).count() >= 10
    assert posts.filter(pinned=True, community=None).count() == 1  # the latest network-wide announcement
    assert posts.filter(announcement=True, community__isnull=False).exists()
    assert PostVersion.objects.filter(network=network).count() >= 5

    # Every @name in a post or comment is a real person or community of the demo, and links.
    names = set(Name.objects.filter(network=network).values_list("name", flat=True))
    for body in bodies + list(Comment.objects.filter(network=network).values_list("body", flat=True)):
        assert set(text.find_handles(body)) <= names, body
    assert PostMention.objects.filter(post__network=network).count() >= 80
    assert posts.filter(html__contains='class="mention"').count() >= 80
    assert PostTopic.objects.filter(post__network=network).count() >= 150

    # Conversations: comments after their post, replies after what they answer, reactions.
    comments = Comment.objects.filter(network=network).select_related("post", "parent")
    assert comments.count() == summary["comments"] >= 300
    replies = [c for c in comments if c.parent_id]
    assert len(replies) >= 50
    assert all(c.post.created_at < c.created_at <= now for c in comments)
    assert all(r.parent.created_at < r.created_at and r.parent.parent_id is None for r in replies)
    for post in posts.exclude(comment_count=0)[:50]:
        assert post.comment_count == Comment.objects.filter(post=post).count()
    reactions = Reaction.objects.filter(network=network)
    assert reactions.count() == summary["reactions"] >= 600
    assert len(set(reactions.values_list("kind", flat=True))) >= 4
    assert reactions.filter(comment__isnull=False).exists()

    # Notifications follow from all of this; recent ones are still unread.
    notifications = Notification.objects.filter(network=network)
    assert set(notifications.values_list("kind", flat=True)) == set(Kind.values)
    unread = notifications.filter(read_at__isnull=True)
    assert 20 <= unread.count() < notifications.count() / 2
    assert unread.filter(recipient=admin).exists()
    assert unread.filter(kind=Kind.JOIN_REQUEST).exists()  # owners still have requests to decide

    # Deterministic: loaded again elsewhere, the same people say the same things (only dates move).
    again = accounts.do_create_network("Acme bis", "acme-bis", domain="bis.example.test")
    assert demo.load(again) == summary
    assert _fingerprint(again) == _fingerprint(network)


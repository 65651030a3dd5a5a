"""Two networks on one instance: neither ever sees anything of the other."""

from __future__ import annotations

import pytest

from essaim.accounts import access as account_access
from essaim.accounts import actions as accounts
from essaim.accounts.models import User
from essaim.communities import access as community_access
from essaim.communities import actions as communities
from essaim.communities.models import Community, Role
from essaim.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from essaim.notifications.models import Notification
from essaim.notifications.queries import notifications_for, unread_count
from essaim.stream import access as stream_access
from essaim.stream import actions as stream
from essaim.stream import queries
from essaim.stream.models import Post, Topic


@pytest.fixture
def twins(world):
    """globex gets the same handles, slugs and topics as acme, with its own people and posts."""
    g_owner = accounts.do_create_user(world.other_network, email="owner@globex.test", display_name="G Owner",
                                      handle="owner")
    g_member = accounts.do_create_user(world.other_network, email="member@globex.test", display_name="G Member",
                                       handle="member")
    g_clubs = {}
    for visibility in ("open", "private", "secret"):
        c = communities.do_create_community(g_owner, name=f"G {visibility}", visibility=visibility,
                                            slug=f"{visibility}-club")
        communities.do_add_member(c, g_member, acting_user=g_owner)
        g_clubs[visibility] = c
    g_posts = [
        stream.do_create_post(g_owner, "globex #shared news @member", community=g_clubs["open"]),
        stream.do_create_post(g_owner, "globex secret #shared", community=g_clubs["secret"]),
        stream.do_create_post(g_member, "globex all company #shared"),
        stream.do_create_post(g_owner, "globex wall #shared", profile_user=g_member),
        stream.do_create_post(world.stranger, "stranger's #shared"),
    ]
    a_posts = [
        stream.do_create_post(world.owner, "acme #shared news @member", community=world.open),
        stream.do_create_post(world.owner, "acme secret #shared", community=world.secret),
        stream.do_create_post(world.member, "acme all company #shared"),
        stream.do_create_post(world.owner, "acme wall #shared", profile_user=world.member),
    ]
    return {"owner": g_owner, "member": g_member, "clubs": g_clubs, "posts": g_posts, "acme_posts": a_posts}


def test_handles_and_slugs_repeat_across_networks_but_not_within_one(world, twins):
    assert twins["owner"].handle == world.owner.handle == "owner"
    assert twins["clubs"]["open"].slug == world.open.slug == "open-club"
    with pytest.raises(Conflict):
        accounts.do_create_user(world.network, email="other@acme.test", display_name="Other", handle="owner")
    with pytest.raises(Conflict):
        communities.do_create_community(world.owner, name="Again", slug="open-club")


def test_person_handles_and_community_slugs_share_one_name_space(world):
    with pytest.raises(Conflict):
        communities.do_create_community(world.owner, name="Member club", slug="member")
    assert not Community.objects.filter(network=world.network, name="Member club").exists()
    with pytest.raises(Conflict):
        accounts.do_create_user(world.network, email="x@acme.test", display_name="X", handle="secret-club")
    with pytest.raises(Conflict):
        accounts.do_update_profile(world.outsider, acting_user=world.outsider, handle="private-club")
    assert User.objects.get(pk=world.outsider.pk).handle == "outsider"
    # In globex both names are free.
    g_admin = accounts.do_create_user(world.other_network, email="a@globex.test", display_name="A", is_admin=True)
    assert communities.do_create_community(g_admin, name="Member club", slug="member").slug == "member"


def test_a_generated_community_slug_avoids_taken_names(world):
    c = communities.do_create_community(world.owner, name="Member")
    assert c.slug != "member" and c.slug.startswith("member")


def test_lists_never_cross_networks(world, twins):
    g_ids = {p.id for p in twins["posts"]}
    for viewer in (world.admin, world.owner, world.member, world.outsider):
        assert not g_ids & set(Post.objects.visible_to(viewer).values_list("id", flat=True))
        assert not g_ids & {p.id for p in queries.home_feed(viewer, limit=100).items}
        assert not g_ids & {p.id for p in queries.all_company_feed(viewer, limit=100).items}
        assert set(Community.objects.visible_to(viewer).values_list("network_id", flat=True)) == {world.network.id}
        assert set(User.objects.visible_to(viewer).values_list("network_id", flat=True)) == {world.network.id}
    a_ids = {p.id for p in twins["acme_posts"]}
    for viewer in (world.stranger, twins["owner"], twins["member"]):
        assert not a_ids & set(Post.objects.visible_to(viewer).values_list("id", flat=True))
        assert not a_ids & {p.id for p in queries.home_feed(viewer, limit=100).items}
        assert set(Community.objects.visible_to(viewer).values_list("network_id", flat=True)) == {
            world.other_network.id}
        assert world.member not in User.objects.visible_to(viewer)


def test_topics_of_the_same_name_are_separate(world, twins):
    acme_topic = Topic.objects.get(network=world.network, name="shared")
    globex_topic = Topic.objects.get(network=world.other_network, name="shared")
    assert acme_topic != globex_topic
    assert {p.network_id for p in queries.topic_feed(world.owner, acme_topic, limit=100).items} == {world.network.id}
    # Handing someone the other network's topic shows them nothing of it.
    assert queries.topic_feed(world.owner, globex_topic).items == []
    assert queries.topic_feed(twins["owner"], acme_topic).items == []
    assert len(queries.topic_feed(twins["owner"], globex_topic).items) == 5


def test_profile_and_community_feeds_never_cross(world, twins):
    assert queries.profile_feed(world.owner, twins["member"]).items == []
    assert queries.community_feed(world.owner, twins["clubs"]["open"]).items == []
    assert queries.profile_feed(twins["owner"], world.member).items == []


def test_access_functions_refuse_the_other_network(world, twins):
    for g_post in twins["posts"]:
        with pytest.raises(NotFound):
            stream_access.access_post(world.admin, g_post.id)
    for a_post in twins["acme_posts"]:
        with pytest.raises(NotFound):
            stream_access.access_post(twins["owner"], a_post.id)
    for club in twins["clubs"].values():
        with pytest.raises(NotFound):
            community_access.access_community(world.admin, club.id)
    # The same slug names the community of the viewer's own network.
    assert community_access.access_community_by_slug(world.admin, "OPEN-CLUB") == world.open
    assert community_access.access_community_by_slug(twins["member"], "open-club") == twins["clubs"]["open"]
    assert community_access.access_community_by_slug(twins["member"], "secret-club") == twins["clubs"]["secret"]
    with pytest.raises(NotFound):
        community_access.access_community_by_slug(world.admin, "secret-club")
    with pytest.raises(NotFound):
        community_access.access_community(world.stranger, world.open.id)
    with pytest.raises(NotFound):
        account_access.access_user(world.member, twins["member"].id)
    with pytest.raises(NotFound):
        account_access.access_user(world.stranger, world.member.id)
    comment = stream.do_create_comment(twins["posts"][0], twins["member"], "globex comment")
    with pytest.raises(NotFound):
        stream_access.access_comment(world.admin, comment.id)


def test_mentions_resolve_within_the_network(world, twins):
    # "@member" in each network reached its own member only.
    assert list(twins["posts"][0].mentions.all()) == [twins["member"]]
    assert list(twins["acme_posts"][0].mentions.all()) == [world.member]
    assert {n.network_id for n in Notification.objects.filter(recipient=world.member)} == {world.network.id}


def test_notifications_stay_in_their_network(world, twins):
    g_items = notifications_for(twins["member"], limit=100).items
    assert g_items and {n.network_id for n in g_items} == {world.other_network.id}
    for viewer in (world.member, world.owner, world.admin):
        assert {n.network_id for n in notifications_for(viewer, limit=100).items} <= {world.network.id}
    before = unread_count(world.member)
    stream.do_create_post(twins["owner"], "@member again", community=twins["clubs"]["open"])
    assert unread_count(world.member) == before


def test_cross_network_writes_are_refused(world, twins):
    with pytest.raises(NotFound):
        communities.do_join_community(twins["member"], world.open)
    with pytest.raises(NotFound):
        communities.do_add_member(world.open, twins["member"], role=Role.MEMBER, acting_user=world.owner)
    with pytest.raises(Forbidden):
        stream.do_create_comment(twins["acme_posts"][0], twins["member"], "hi")
    with pytest.raises(Forbidden):
        stream.do_add_reaction(twins["member"], "like", post=twins["acme_posts"][0])
    with pytest.raises(InvalidInput):
        accounts.do_follow_user(twins["member"], world.member)


def test_a_session_of_another_network_means_nothing_here(world, client):
    """The stranger signed in on globex is anonymous on acme's host."""
    client.force_login(world.stranger)
    response = client.get("/api/v1/me", HTTP_HOST="testserver")
    assert response.status_code == 401
    assert b"stranger" not in response.content.lower()


def test_an_administrator_of_another_network_can_do_nothing_here_even_through_the_actions(world):
    """Pages and the API stop them at the access check; the actions refuse too (CLI, importers)."""
    g_admin = accounts.do_create_user(world.other_network, email="boss@globex.test", display_name="Boss",
                                      is_admin=True)
    company = stream.do_create_post(world.admin, "acme news", announcement=True)
    profile = stream.do_create_post(world.member, "on a wall", profile_user=world.outsider)
    comment = stream.do_create_comment(company, world.member, "a comment")
    for post in (company, profile):
        assert not stream_access.can_delete_post(g_admin, post)
        with pytest.raises(Forbidden):
            stream.do_delete_post(post, acting_user=g_admin)
    with pytest.raises(Forbidden):
        stream.do_set_pinned(company, False, acting_user=g_admin)
    with pytest.raises(Forbidden):
        stream.do_delete_comment(comment, acting_user=g_admin)
    assert Post.objects.filter(pk__in=[company.pk, profile.pk], deleted_at__isnull=True).count() == 2
    assert Post.objects.get(pk=company.pk).pinned
    with pytest.raises(Forbidden):
        accounts.do_set_admin(world.member, True, acting_user=g_admin)
    with pytest.raises(Forbidden):
        accounts.do_reactivate_user(world.member, acting_user=g_admin)
    with pytest.raises(Forbidden):
        accounts.do_deactivate_user(world.member, acting_user=g_admin)
    with pytest.raises(Forbidden):
        accounts.do_create_token(world.member, scopes=["read"], acting_user=g_admin)
    token, _raw = accounts.do_create_token(world.member, scopes=["read"], acting_user=world.member)
    with pytest.raises(Forbidden):
        accounts.do_revoke_token(token, acting_user=g_admin)
    member = User.objects.get(pk=world.member.pk)
    assert not member.is_admin and member.is_active
    assert not member.api_tokens.filter(revoked_at__isnull=False).exists()

"""Who reads which post, and what writing, editing and deleting a post does."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from essaim.accounts import actions as accounts
from essaim.core.errors import Forbidden, InvalidInput, NotFound
from essaim.notifications.models import Kind, Notification
from essaim.stream import access, queries
from essaim.stream import actions as stream
from essaim.stream.models import Post, PostMention, PostTopic, PostVersion, Topic

# Who reads a live post, per place (the post is written by `member`; the profile is the outsider's).
# Administrators get no special view inside private or secret communities they have not joined;
# a pending request gives nothing; another network and anonymous visitors see nothing.
READERS = {
    "open": {"admin", "owner", "moderator", "member", "requester", "outsider"},
    "private": {"owner", "moderator", "member"},
    "secret": {"owner", "moderator", "member"},
    "company": {"admin", "owner", "moderator", "member", "requester", "outsider"},
    "profile": {"admin", "owner", "moderator", "member", "requester", "outsider"},
}
PERSONAS = ("admin", "owner", "moderator", "member", "requester", "outsider", "stranger", "anonymous")
CELLS = [(place, name) for place in READERS for name in PERSONAS]


@pytest.mark.parametrize("place,name", CELLS)
def test_who_reads_a_post(world, post_in, who, place, name):
    post = post_in(place, f"Hello from {place}")
    viewer = who(name)
    expected = name in READERS[place]
    assert access.can_read_post(viewer, post) is expected
    assert Post.objects.visible_to(viewer).filter(pk=post.pk).exists() is expected
    if expected:
        assert access.access_post(viewer, post.id) == post
    else:
        with pytest.raises(NotFound) as err:
            access.access_post(viewer, post.id)
        assert (err.value.code, err.value.message, err.value.details) == ("not_found", "Not found.", None)


@pytest.mark.parametrize("place,name", CELLS)
def test_nobody_reads_a_deleted_post(world, post_in, who, place, name):
    post = post_in(place)
    stream.do_delete_post(post, acting_user=world.member)
    viewer = who(name)
    assert not access.can_read_post(viewer, post)
    assert not Post.objects.visible_to(viewer).filter(pk=post.pk).exists()
    with pytest.raises(NotFound):
        access.access_post(viewer, post.id)


def test_missing_and_malformed_ids_are_not_found(world):
    for bad in (0, 10**12, "abc", None, "1; drop table", 2**70):
        with pytest.raises(NotFound):
            access.access_post(world.member, bad)


def test_a_deactivated_person_reads_nothing(world, post_in):
    post = post_in("open")
    accounts.do_deactivate_user(world.outsider, acting_user=world.admin)
    with pytest.raises(NotFound):
        access.access_post(world.outsider, post.id)
    assert not Post.objects.visible_to(world.outsider).exists()


# --- deleting ------------------------------------------------------------------------------------


def test_a_deleted_post_leaves_every_feed(world, post_in):
    post = post_in("open", "Soon gone #gone")
    stream.do_delete_post(post, acting_user=world.member)
    topic = Topic.objects.get(name="gone")
    for viewer in (world.member, world.owner, world.outsider):
        assert post not in queries.home_feed(viewer).items
        assert post not in queries.community_feed(viewer, world.open).items
        assert post not in queries.profile_feed(viewer, world.member).items
        assert post not in queries.topic_feed(viewer, topic).items
    # Soft: the row stays, with who deleted it.
    row = Post.objects.get(pk=post.pk)
    assert row.deleted_at is not None and row.deleted_by == world.member


@pytest.mark.parametrize("deleter", ["owner", "moderator"])
def test_moderators_delete_others_posts(world, post_in, deleter):
    post = post_in("private", "Off topic")
    stream.do_delete_post(post, acting_user=getattr(world, deleter))
    with pytest.raises(NotFound):
        access.access_post(world.member, post.id)


@pytest.mark.parametrize("deleter", ["member", "outsider", "requester"])
def test_others_cannot_delete_a_post(world, post_in, deleter):
    post = post_in("open", "Mine", author=world.moderator)
    with pytest.raises(Forbidden):
        stream.do_delete_post(post, acting_user=getattr(world, deleter))
    assert access.access_post(world.member, post.id) == post


def test_an_administrator_deletes_an_all_company_post_and_a_profile_owner_one_on_their_profile(world, post_in):
    company = post_in("company")
    profile = post_in("profile")
    with pytest.raises(Forbidden):
        stream.do_delete_post(company, acting_user=world.outsider)
    stream.do_delete_post(company, acting_user=world.admin)
    stream.do_delete_post(profile, acting_user=world.outsider)
    assert not Post.objects.visible_to(world.member).filter(pk__in=[company.pk, profile.pk]).exists()


# --- editing -------------------------------------------------------------------------------------


def test_edits_keep_earlier_versions(world, post_in):
    post = post_in("open", "First draft")
    stream.do_edit_post(post, "Second draft", acting_user=world.member)
    stream.do_edit_post(post, "Final **text**", acting_user=world.member)
    post.refresh_from_db()
    assert post.body == "Final **text**" and "<strong>text</strong>" in post.html and post.edited_at
    versions = list(PostVersion.objects.filter(post=post).order_by("id").values_list("body", flat=True))
    assert versions == ["First draft", "Second draft"]
    # Saving the same text again makes no new version.
    stream.do_edit_post(post, "Final **text**", acting_user=world.member)
    assert PostVersion.objects.filter(post=post).count() == 2


@pytest.mark.parametrize("editor", ["owner", "moderator", "admin", "outsider"])
def test_only_the_author_edits(world, post_in, editor):
    post = post_in("open", "Original")
    with pytest.raises(Forbidden):
        stream.do_edit_post(post, "Changed", acting_user=getattr(world, editor))
    post.refresh_from_db()
    assert post.body == "Original"
    assert not PostVersion.objects.filter(post=post).exists()


def test_versions_are_for_the_author_and_moderators(world, post_in):
    post = post_in("open")
    assert access.can_see_versions(world.member, post)
    assert access.can_see_versions(world.moderator, post)
    assert access.can_see_versions(world.owner, post)
    assert not access.can_see_versions(world.outsider, post)


def test_an_edit_with_a_bad_body_changes_nothing(world, post_in):
    post = post_in("open", "Keep me")
    for body in ("", "   ", "x" * 20_001):
        with pytest.raises(InvalidInput):
            stream.do_edit_post(post, body, acting_user=world.member)
    post.refresh_from_db()
    assert post.body == "Keep me" and post.edited_at is None
    assert not PostVersion.objects.filter(post=post).exists()


# --- where one may post, announcements -----------------------------------------------------------


@pytest.mark.parametrize("name", ["outsider", "requester", "admin"])
def test_only_members_post_in_a_community(world, name):
    with pytest.raises(Forbidden):
        stream.do_create_post(getattr(world, name), "Hi", community=world.private)
    with pytest.raises(Forbidden):
        stream.do_create_post(getattr(world, name), "Hi", community=world.open)
    assert not Post.objects.exists()


def test_nobody_posts_across_networks(world):
    with pytest.raises(Forbidden):
        stream.do_create_post(world.stranger, "Hi", community=world.open)
    with pytest.raises(Forbidden):
        stream.do_create_post(world.stranger, "Hi", profile_user=world.member)
    assert not Post.objects.exists()


def test_announcements_all_company_by_administrators_only(world):
    post = stream.do_create_post(world.admin, "Office closed Friday", announcement=True)
    assert post.announcement and post.pinned
    for name in ("owner", "moderator", "member"):
        with pytest.raises(Forbidden):
            stream.do_create_post(getattr(world, name), "Me too", announcement=True)
    assert Post.objects.filter(announcement=True).count() == 1


def test_announcements_in_a_community_by_its_owners_only(world):
    post = stream.do_create_post(world.owner, "Meeting moved", community=world.private, announcement=True)
    assert post.pinned
    for name in ("moderator", "member"):
        with pytest.raises(Forbidden):
            stream.do_create_post(getattr(world, name), "Me too", community=world.private, announcement=True)
    # Administrators announce only where they belong.
    with pytest.raises(Forbidden):
        stream.do_create_post(world.admin, "Hello", community=world.private, announcement=True)
    assert Post.objects.filter(announcement=True).count() == 1


def test_an_announcement_is_pinned_on_top_of_the_feed(world, post_in):
    announcement = stream.do_create_post(world.owner, "Read me first", community=world.open, announcement=True)
    later = post_in("open", "Newer but ordinary")
    assert later.created_at >= announcement.created_at
    for page in (queries.community_feed(world.outsider, world.open), queries.home_feed(world.member)):
        assert page.items[0] == announcement


def test_no_announcement_on_a_profile(world):
    with pytest.raises(InvalidInput):
        stream.do_create_post(world.admin, "Hi", profile_user=world.member, announcement=True)
    assert not Post.objects.exists()


def test_all_company_announcements_only_blocks_everyone_but_administrators(world):
    accounts.do_update_network_settings(world.network, acting_user=world.admin, all_company_announcements_only=True)
    member = type(world.member).objects.get(pk=world.member.pk)
    with pytest.raises(Forbidden) as err:
        stream.do_create_post(member, "Hello everyone")
    assert err.value.code == "announcements_only"
    assert not Post.objects.exists()
    # Communities and profiles stay open to them; administrators still post.
    stream.do_create_post(member, "Hello club", community=world.open)
    stream.do_create_post(member, "Hello you", profile_user=world.outsider)
    admin = type(world.admin).objects.get(pk=world.admin.pk)
    stream.do_create_post(admin, "Hello everyone", announcement=True)
    assert Post.objects.count() == 3


def test_a_post_goes_to_one_place(world):
    with pytest.raises(InvalidInput):
        stream.do_create_post(world.member, "Hi", community=world.open, profile_user=world.outsider)
    assert not Post.objects.exists()


# --- body ----------------------------------------------------------------------------------------


def test_a_body_over_twenty_thousand_characters_is_refused_and_nothing_is_written(world):
    with pytest.raises(InvalidInput) as err:
        stream.do_create_post(world.member, "@owner #topic " + "x" * 20_000, community=world.open)
    assert err.value.code == "too_long" and err.value.status == 422
    assert not Post.objects.exists()
    assert not Topic.objects.exists()
    assert not Notification.objects.filter(kind=Kind.MENTION).exists()


def test_exactly_twenty_thousand_characters_is_fine(world):
    post = stream.do_create_post(world.member, "é" * 20_000, community=world.open)
    assert len(Post.objects.get(pk=post.pk).body) == 20_000


@pytest.mark.parametrize("body", ["", "   \n\t ", "\x00", 42, None])
def test_an_empty_or_non_text_body_is_refused(world, body):
    with pytest.raises(InvalidInput):
        stream.do_create_post(world.member, body, community=world.open)
    assert not Post.objects.exists()


@pytest.mark.parametrize("attack", [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "[click](javascript:alert(1))",
    "<iframe src=//evil.example></iframe>",
    "<b onmouseover=alert(1)>bold</b>",
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
])
def test_script_injection_is_kept_as_source_and_rendered_harmless(world, attack):
    post = stream.do_create_post(world.member, f"Look {attack}", community=world.open)
    post.refresh_from_db()
    assert post.body == f"Look {attack}"
    html = post.html.lower()
    for bad in ("<script", "<img", "<iframe", "<svg", "<style"):
        assert bad not in html
    # Inside the tags that remain: no script URL, no event handler (as text, it is only text).
    for tag in re.findall(r"<[^>]*>", html):
        assert "javascript:" not in tag
        assert not re.search(r"\bon[a-z]+\s*=", tag)


def test_the_allowed_html_subset_survives(world):
    body = ('<abbr title="Réseau social d\'entreprise">RSE</abbr> <q cite="https://example.com">quote</q> '
            '<del datetime="2024-01-01">old</del> <a href="https://example.com" title="t">link</a>')
    html = stream.do_create_post(world.member, body, community=world.open).html
    assert '<abbr title="Réseau social d\'entreprise">RSE</abbr>' in html
    assert '<q cite="https://example.com">' in html
    assert '<del datetime="2024-01-01">' in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize("body", ["Bravo 🎉👍🏽", "مرحبا بالعالم", "e\u0301te\u0301 — déjà", "שלום @member"])
def test_unicode_bodies_are_stored_as_written(world, body):
    post = stream.do_create_post(world.member, body, community=world.open)
    assert Post.objects.get(pk=post.pk).body == body


# --- mentions ------------------------------------------------------------------------------------


def test_a_mentioned_person_who_cannot_read_the_post_is_not_told(world, notes):
    post = stream.do_create_post(world.owner, "@outsider @requester @netadmin @member please look",
                                 community=world.private)
    assert notes(world.outsider, Kind.MENTION) == []
    assert notes(world.requester, Kind.MENTION) == []
    assert notes(world.admin, Kind.MENTION) == []
    told = notes(world.member, Kind.MENTION)
    assert len(told) == 1 and told[0].post_id == post.id and told[0].actor_id == world.owner.id


def test_a_mention_tells_once_even_when_repeated_or_re_saved(world, notes):
    post = stream.do_create_post(world.owner, "@member @member @MEMBER look", community=world.open)
    stream.do_edit_post(post, "@member look again", acting_user=world.owner)
    assert len(notes(world.member, Kind.MENTION)) == 1
    assert list(PostMention.objects.filter(post=post).values_list("user_id", flat=True)) == [world.member.id]


def test_mentioning_oneself_tells_nobody(world, notes):
    stream.do_create_post(world.owner, "Note to @owner", community=world.open)
    assert notes(world.owner, Kind.MENTION) == []


def test_a_mention_added_by_an_edit_tells_the_new_person(world, notes):
    post = stream.do_create_post(world.owner, "Hello", community=world.open)
    stream.do_edit_post(post, "Hello @outsider", acting_user=world.owner)
    assert len(notes(world.outsider, Kind.MENTION)) == 1


def test_a_mention_links_the_person(world):
    post = stream.do_create_post(world.owner, "Thanks @member!", community=world.open)
    assert f'href="{reverse("accounts:profile", args=[world.member.id])}"' in post.html
    assert post.mentions.get() == world.member


def test_a_community_slug_mention_links_the_community(world, notes):
    post = stream.do_create_post(world.member, "See @open-club for details", community=world.open)
    assert f'href="{reverse("communities:detail", args=[world.open.id])}"' in post.html
    assert not PostMention.objects.filter(post=post).exists()
    assert not Notification.objects.filter(kind=Kind.MENTION).exists()


def test_a_handle_of_another_network_is_plain_text(world, notes):
    post = stream.do_create_post(world.member, "Hi @stranger", community=world.open)
    assert 'class="mention"' not in post.html
    assert notes(world.stranger) == []


def test_mentions_inside_code_are_ignored(world, notes):
    post = stream.do_create_post(world.owner, "Run `ping @member` and\n\n```\n@member\n```", community=world.open)
    assert notes(world.member, Kind.MENTION) == []
    assert 'class="mention"' not in post.html


# --- topics --------------------------------------------------------------------------------------


def test_topics_are_lower_cased_with_accents_kept(world):
    post = stream.do_create_post(world.member, "Bienvenue #Équipe #RSE #rse", community=world.open)
    assert sorted(Topic.objects.filter(network=world.network).values_list("name", flat=True)) == ["rse", "équipe"]
    assert sorted(post.topics.values_list("name", flat=True)) == ["rse", "équipe"]
    assert f'href="{reverse("stream:topic", args=["équipe"])}"' in post.html


def test_the_topic_feed_shows_only_what_the_viewer_may_read(world, post_in):
    public = post_in("open", "#launch day")
    hidden = post_in("private", "#Launch plans")
    company = post_in("company", "#launch for all")
    post_in("open", "no topic here")
    topic = Topic.objects.get(name="launch")
    assert queries.topic_feed(world.member, topic).items == [company, hidden, public]
    assert queries.topic_feed(world.outsider, topic).items == [company, public]
    assert queries.topic_feed(world.stranger, topic).items == []


def test_editing_a_post_moves_it_between_topics(world, post_in):
    post = post_in("open", "#alpha")
    stream.do_edit_post(post, "#beta", acting_user=world.member)
    alpha, beta = Topic.objects.get(name="alpha"), Topic.objects.get(name="beta")
    assert queries.topic_feed(world.member, alpha).items == []
    assert queries.topic_feed(world.member, beta).items == [post]
    assert PostTopic.objects.filter(post=post).count() == 1


def test_following_a_topic_brings_its_posts_home(world, post_in):
    post = post_in("company", "about #kayak", author=world.owner)
    other = stream.do_create_post(world.owner, "#kayak trip", profile_user=world.moderator)
    assert other not in queries.home_feed(world.outsider).items
    stream.do_follow_topic(world.outsider, "#Kayak")
    assert queries.home_feed(world.outsider).items[:2] == [other, post]
    stream.do_unfollow_topic(world.outsider, "kayak")
    assert other not in queries.home_feed(world.outsider).items


def test_a_bad_topic_name_is_refused(world):
    for bad in ("", "two words", "#", "a/b"):
        with pytest.raises(InvalidInput):
            stream.do_follow_topic(world.member, bad)


# --- home feed -----------------------------------------------------------------------------------


def test_home_feed_holds_my_communities_all_company_people_i_follow_and_my_profile(world, post_in):
    mine = post_in("private", "club news")
    company = post_in("company", "all company", author=world.owner)
    to_me = stream.do_create_post(world.owner, "on my wall", profile_user=world.member)
    by_followed = stream.do_create_post(world.outsider, "on someone's wall", profile_user=world.requester)
    not_mine = stream.do_create_post(world.requester, "on another wall", profile_user=world.outsider)
    accounts.do_follow_user(world.member, world.outsider)
    items = queries.home_feed(world.member).items
    assert {mine, company, to_me, by_followed} <= set(items)
    assert not_mine not in items
    assert queries.home_feed(AnonymousUser()).items == []


def test_feeds_page_with_a_cursor_newest_first(world, post_in):
    posts = [post_in("open", f"post {i}") for i in range(5)]
    first = queries.community_feed(world.member, world.open, limit=2)
    assert first.items == [posts[4], posts[3]]
    second = queries.community_feed(world.member, world.open, limit=2, cursor=first.next_cursor)
    assert second.items == [posts[2], posts[1]]
    third = queries.community_feed(world.member, world.open, limit=2, cursor=second.next_cursor)
    assert third.items == [posts[0]] and third.next_cursor is None


@pytest.mark.parametrize("kwargs", [{"limit": 0}, {"limit": 101}, {"cursor": "garbage"}, {"cursor": "W10"}])
def test_a_bad_limit_or_cursor_is_refused(world, kwargs):
    with pytest.raises(InvalidInput):
        queries.home_feed(world.member, **kwargs)


def test_a_secret_community_mentioned_by_its_name_is_not_linked(world):
    from essaim.stream import actions as stream_actions

    post = stream_actions.do_create_post(world.owner, "See @secret-club and @open-club", community=world.open)
    assert f'href="/communities/{world.secret.id}/"' not in post.html
    assert "@secret-club" in post.html
    assert f'href="/communities/{world.open.id}/"' in post.html


def test_no_reaction_on_a_deleted_comment(world):
    import pytest as _pytest

    from essaim.core.errors import Forbidden
    from essaim.stream import actions as stream_actions

    post = stream_actions.do_create_post(world.owner, "Post", community=world.open)
    comment = stream_actions.do_create_comment(post, world.member, "Comment")
    stream_actions.do_delete_comment(comment, acting_user=world.member)
    comment.refresh_from_db()
    with _pytest.raises(Forbidden):
        stream_actions.do_add_reaction(world.owner, "like", comment=comment)

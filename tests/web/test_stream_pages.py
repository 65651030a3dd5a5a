"""The stream pages (feeds, composer, post, comments, reactions, versions, topics, autocomplete),
used as a person would without JavaScript: GET a page, POST its forms, follow the redirect."""

from __future__ import annotations

import re

import pytest

from essaim.core.models import Activity
from essaim.stream import actions
from essaim.stream.models import Comment, Post, PostVersion, Reaction, TopicFollow

from essaim.accounts import actions as accounts


def make_user(network, handle: str, **kwargs):
    kwargs.setdefault("display_name", handle.title())
    return accounts.do_create_user(network, email=f"{handle}@{network.slug}.test", handle=handle,
                                   password="correct horse battery staple", **kwargs)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def articles(response) -> list[str]:
    return re.findall(r'<article class="card post[^"]*" id="post-(\d+)"', text(response))


def without_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text(response))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def assert_no_inline_code(response) -> None:
    body = text(response)
    assert not INLINE_SCRIPT.search(body), INLINE_SCRIPT.search(body).group(0)
    assert not INLINE_HANDLER.search(body), INLINE_HANDLER.search(body).group(0)
    assert not STYLE_ATTR.search(body), STYLE_ATTR.search(body).group(0)
    assert "<style" not in body


# Shell, feeds and composer

def test_anonymous_visitors_are_sent_to_sign_in(world, page_as):
    post = actions.do_create_post(world.member, "Hello everyone")
    for url in ["/", "/all/", f"/posts/{post.id}/", "/topics/news/", "/posts/new/"]:
        response = page_as().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_someone_from_another_network_is_a_stranger_here(world, page_as):
    post = actions.do_create_post(world.member, "Acme-only hello")
    response = page_as(world.stranger).get(f"/posts/{post.id}/")
    assert response.status_code == 302  # their session means nothing on Acme: sign in
    response = page_as(world.stranger, host="globex.test").get(f"/posts/{post.id}/")
    assert response.status_code == 404
    assert "Acme-only hello" not in text(response)


def test_home_page_shell_composer_and_feed(world, page_as):
    actions.do_create_post(world.member, "Quarterly figures are in", community=world.private)
    response = page_as(world.member).get("/")
    assert response.status_code == 200
    body = text(response)
    assert '<html lang="en"' in body
    assert 'id="main"' in body and 'class="skip-link" href="#main"' in body
    assert "Acme" in body  # the network name in the header
    for href in ['href="/"', 'href="/all/"', 'href="/communities/"', 'href="/people/"', 'href="/notifications/"',
                 f'href="/people/{world.member.id}/"', 'href="/settings/profile/"', 'action="/logout/"']:
        assert href in body
    assert "Quarterly figures are in" in body
    # The composer offers All company and the viewer's communities, no announcement for a plain member.
    assert 'name="body"' in body and "data-autocomplete" in body
    assert '<option value="">All company</option>' in body
    for c in (world.open, world.private, world.secret):
        assert f'<option value="{c.id}">{c.name}</option>' in body
    assert 'name="announcement"' not in body
    assert_no_inline_code(response)


def test_composer_offers_announcements_to_owners_and_admins_only(world, page_as):
    assert 'name="announcement"' in text(page_as(world.owner).get("/"))
    assert 'name="announcement"' in text(page_as(world.admin).get("/"))
    assert 'name="announcement"' not in text(page_as(world.outsider).get("/"))


def test_composer_hides_all_company_when_restricted_to_announcements(world, page_as):
    world.network.all_company_announcements_only = True
    world.network.save()
    body = text(page_as(world.member).get("/"))
    assert "All company</option>" not in body
    assert f'<option value="{world.open.id}">' in body


def test_anonymous_header_shows_only_sign_in(world, page_as):
    response = page_as().get("/login/")
    if response.status_code != 200:
        pytest.skip("the sign-in page is not there yet")
    body = text(response)
    assert 'href="/login/"' in body
    assert 'href="/notifications/"' not in body and 'action="/logout/"' not in body


def test_pinned_announcements_come_first_and_are_marked(world, page_as):
    announcement = actions.do_create_post(world.admin, "Office closed on Friday", announcement=True)
    later = actions.do_create_post(world.member, "A newer, ordinary post")
    response = page_as(world.outsider).get("/")
    assert articles(response)[:2] == [str(announcement.id), str(later.id)]
    head = text(response).split(f'id="post-{later.id}"')[0]
    assert "Pinned" in head and "Announcement" in head


def test_older_posts_link_walks_the_feed(world, page_as):
    for i in range(25):
        actions.do_create_post(world.member, f"Post number {i}")
    client = page_as(world.member)
    first = client.get("/")
    assert len(articles(first)) == 20
    link = re.search(r'rel="next" href="([^"]+)"', text(first)).group(1).replace("&amp;", "&")
    assert "Older posts" in text(first)
    second = client.get(link)
    assert second.status_code == 200
    assert len(articles(second)) == 5
    assert not set(articles(first)) & set(articles(second))
    assert 'rel="next"' not in text(second)
    assert "Post number 0" in text(second)


def test_a_broken_cursor_is_a_clear_error_not_a_crash(world, page_as):
    response = page_as(world.member).get("/?cursor=not-a-cursor")
    assert response.status_code == 422
    assert "Something went wrong" in text(response) or "could not be processed" in text(response)


def test_all_company_feed_has_only_all_company_posts(world, page_as):
    actions.do_create_post(world.member, "For the whole company")
    actions.do_create_post(world.member, "Only for the open club", community=world.open)
    actions.do_create_post(world.owner, "On a profile", profile_user=world.member)
    response = page_as(world.outsider).get("/all/")
    body = text(response)
    assert response.status_code == 200
    assert "For the whole company" in body
    assert "Only for the open club" not in body and "On a profile" not in body


def test_empty_home_feed_explains_itself(world, page_as):
    response = page_as(world.outsider).get("/")
    assert 'class="empty"' in text(response)


# Creating posts

def test_posting_without_javascript_redirects_back_with_a_message(world, page_as):
    client = page_as(world.member)
    response = client.post("/posts/new/", {"body": "Shipping **today** #release", "community": world.private.id,
                                           "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    post = Post.objects.get(body="Shipping **today** #release")
    assert post.community_id == world.private.id and post.author_id == world.member.id
    page = client.get("/")
    assert "Your post is published." in text(page)
    assert "<strong>today</strong>" in text(page)
    assert 'href="/topics/release/"' in text(page)


def test_posting_without_next_goes_to_the_post(world, page_as):
    response = page_as(world.member).post("/posts/new/", {"body": "To All company", "community": ""})
    post = Post.objects.get(body="To All company")
    assert response["Location"] == f"/posts/{post.id}/"
    assert post.community_id is None and post.profile_user_id is None


def test_posting_on_a_profile(world, page_as):
    page_as(world.member).post("/posts/new/", {"body": "Welcome aboard!", "profile_user": world.outsider.id})
    post = Post.objects.get(body="Welcome aboard!")
    assert post.profile_user_id == world.outsider.id
    assert "profile" in text(page_as(world.outsider).get(f"/posts/{post.id}/"))


def test_an_unsafe_next_is_ignored(world, page_as):
    response = page_as(world.member).post("/posts/new/", {"body": "Hi", "next": "https://evil.example/"})
    assert response["Location"] == f"/posts/{Post.objects.get(body='Hi').id}/"


def test_owner_announcement_in_their_community(world, page_as):
    page_as(world.owner).post("/posts/new/", {"body": "Read the charter", "community": world.open.id,
                                              "announcement": "1"})
    post = Post.objects.get(body="Read the charter")
    assert post.announcement and post.pinned


@pytest.mark.parametrize("case", ["too_long", "empty", "not_member", "secret_target", "garbage_target",
                                  "huge_target", "foreign_profile", "both_targets", "member_announces"])
def test_posting_errors_keep_the_typed_text(world, page_as, case):
    marker = "Précieux brouillon 🐝 مرحبا"
    data = {"body": marker, "community": "", "next": "/"}
    user = world.member
    if case == "too_long":
        data["body"] = marker + "x" * 20_001
        expected, status = "too long", 422
    elif case == "empty":
        data["body"] = "   "
        expected, status = "Write something first.", 422
    elif case == "not_member":
        user = world.outsider
        data["community"] = world.open.id
        expected, status = "Join the community to post in it.", 403
    elif case == "secret_target":
        user = world.outsider
        data["community"] = world.secret.id
        expected, status = "does not exist or you cannot post there", 422
    elif case == "garbage_target":
        data["community"] = "abc"
        expected, status = "Choose where to post", 422
    elif case == "huge_target":
        data["community"] = "9" * 30
        expected, status = "Choose where to post", 422
    elif case == "foreign_profile":
        data["profile_user"] = world.stranger.id
        expected, status = "does not exist or you cannot post there", 422
    elif case == "both_targets":
        data["community"], data["profile_user"] = world.open.id, world.outsider.id
        expected, status = "not both", 422
    else:
        data["announcement"] = "1"
        expected, status = "Only administrators and community owners make announcements.", 403
    response = page_as(user).post("/posts/new/", data)
    assert response.status_code == status
    body = text(response)
    assert expected in body
    if case != "empty":
        assert marker in body  # nothing lost
    assert 'role="alert"' in body
    if user == world.outsider:
        assert "Secret Club" not in body
    assert not Post.objects.exists()


def test_failed_community_post_keeps_the_community_selected(world, page_as):
    response = page_as(world.member).post("/posts/new/", {"body": "x" * 20_001, "community": world.private.id})
    assert f'<option value="{world.private.id}" selected>' in text(response)


def test_compose_page_get(world, page_as):
    response = page_as(world.member).get("/posts/new/")
    assert response.status_code == 200 and 'name="body"' in text(response)


def test_injected_html_is_shown_harmlessly(world, page_as):
    page_as(world.member).post("/posts/new/", {
        "body": 'Hi <script>alert(1)</script><img src=x onerror="alert(2)"> <a href="javascript:alert(3)">x</a>'
                ' <b style="color:red">bold</b>'})
    post = Post.objects.get()
    response = page_as(world.outsider).get(f"/posts/{post.id}/")
    assert_no_inline_code(response)
    assert "javascript:" not in text(response)
    assert "<b>bold</b>" in text(response)


# The post page

def test_post_page_for_readers_and_404_for_others(world, page_as):
    for visibility in ("private", "secret"):
        post = actions.do_create_post(world.member, f"Confidential {visibility} plan",
                                      community=world.community(visibility))
        ok = page_as(world.member).get(f"/posts/{post.id}/")
        assert ok.status_code == 200 and f"Confidential {visibility} plan" in text(ok)
        assert_no_inline_code(ok)
        for viewer in (world.outsider, world.requester, world.admin):
            missing = page_as(viewer).get("/posts/999999/")
            denied = page_as(viewer).get(f"/posts/{post.id}/")
            assert denied.status_code == 404
            assert "Confidential" not in text(denied)
            assert without_tokens(denied) == without_tokens(missing)  # invisible is indistinguishable from missing
            assert "Club" not in text(denied)


def test_open_community_post_is_readable_by_everyone_in_the_network(world, page_as):
    post = actions.do_create_post(world.member, "Open news", community=world.open)
    assert page_as(world.outsider).get(f"/posts/{post.id}/").status_code == 200


def test_deleted_posts_are_gone(world, page_as):
    post = actions.do_create_post(world.member, "Soon gone")
    actions.do_delete_post(post, acting_user=world.member)
    response = page_as(world.member).get(f"/posts/{post.id}/")
    assert response.status_code == 404 and "Soon gone" not in text(response)


def test_viewing_a_post_records_an_activity_row(world, page_as):
    post = actions.do_create_post(world.member, "Count me", community=world.open)
    page_as(world.outsider).get(f"/posts/{post.id}/")
    row = Activity.objects.get(verb=Activity.Verb.VIEW)
    assert (row.user_id, row.object_type, row.object_id, row.community_id, row.network_id) == (
        world.outsider.id, Activity.Object.POST, post.id, world.open.id, world.network.id)
    page_as(world.outsider).get("/posts/999999/")
    assert Activity.objects.filter(verb=Activity.Verb.VIEW).count() == 1  # no row for a 404


# Comments

def test_comment_and_reply_without_javascript(world, page_as):
    post = actions.do_create_post(world.owner, "Ideas for the offsite?", community=world.private)
    client = page_as(world.member)
    response = client.post(f"/posts/{post.id}/comments/", {"body": "A boat trip"})
    top = Comment.objects.get(body="A boat trip")
    assert response.status_code == 302 and response["Location"] == f"/posts/{post.id}/#comment-{top.id}"
    client.post(f"/posts/{post.id}/comments/", {"body": "Seasick here", "parent": top.id})
    reply = Comment.objects.get(body="Seasick here")
    assert reply.parent_id == top.id
    page_as(world.owner).post(f"/posts/{post.id}/comments/", {"body": "Reply to the reply", "parent": reply.id})
    assert Comment.objects.get(body="Reply to the reply").parent_id == top.id  # one level only
    body = text(client.get(f"/posts/{post.id}/"))
    assert "Your comment is published." in body
    replies = body.split('class="replies"')[1].split("</ol>")[0]
    assert "Seasick here" in replies and "Reply to the reply" in replies and "A boat trip" not in replies
    assert "3 comments" in body


@pytest.mark.parametrize("case", ["too_long", "foreign_parent", "missing_parent", "huge_parent"])
def test_comment_errors_keep_the_typed_text(world, page_as, case):
    post = actions.do_create_post(world.owner, "Thread", community=world.open)
    other = actions.do_create_post(world.owner, "Other thread", community=world.open)
    other_comment = actions.do_create_comment(other, world.owner, "elsewhere")
    marker = "Mon commentaire précieux"
    data = {"body": marker}
    if case == "too_long":
        data["body"] = marker + "y" * 20_001
    elif case == "foreign_parent":
        data["parent"] = other_comment.id
    elif case == "huge_parent":
        data["parent"] = "9" * 40
    else:
        data["parent"] = 999999
    response = page_as(world.member).post(f"/posts/{post.id}/comments/", data)
    assert response.status_code == 422
    assert marker in text(response)
    assert 'role="alert"' in text(response)
    assert not Comment.objects.filter(body__startswith=marker).exists()


def test_outsiders_cannot_comment_on_private_posts(world, page_as):
    post = actions.do_create_post(world.member, "Members only", community=world.private)
    response = page_as(world.outsider).post(f"/posts/{post.id}/comments/", {"body": "let me in"})
    assert response.status_code == 404 and "Members only" not in text(response)
    assert not Comment.objects.exists()


def test_edit_and_delete_comments(world, page_as):
    post = actions.do_create_post(world.owner, "Thread", community=world.open)
    comment = actions.do_create_comment(post, world.member, "Frist")
    client = page_as(world.member)
    assert "Frist" in text(client.get(f"/comments/{comment.id}/edit/"))
    response = client.post(f"/comments/{comment.id}/edit/", {"body": "First"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "First"
    assert page_as(world.outsider).post(f"/comments/{comment.id}/edit/", {"body": "Hacked"}).status_code == 403
    assert page_as(world.outsider).post(f"/comments/{comment.id}/delete/").status_code == 403
    # the community moderator removes it
    response = page_as(world.moderator).post(f"/comments/{comment.id}/delete/")
    assert response.status_code == 302
    assert "First" not in text(page_as(world.member).get(f"/posts/{post.id}/"))


# Reactions

def test_reaction_toggles_without_javascript(world, page_as):
    post = actions.do_create_post(world.owner, "React to me", community=world.open)
    client = page_as(world.member)
    response = client.post(f"/posts/{post.id}/react/", {"kind": "celebrate", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert Reaction.objects.filter(post=post, user=world.member, kind="celebrate").exists()
    body = text(client.get(f"/posts/{post.id}/"))
    assert re.search(r'value="celebrate" aria-pressed="true"', body)
    client.post(f"/posts/{post.id}/react/", {"kind": "celebrate"})
    assert not Reaction.objects.filter(post=post).exists()


def test_reaction_toggle_answers_json_for_the_script(world, page_as):
    post = actions.do_create_post(world.owner, "React to me", community=world.open)
    actions.do_add_reaction(world.owner, "like", post=post)
    client = page_as(world.member)
    response = client.post(f"/posts/{post.id}/react/", {"kind": "like"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {"kind": "like", "reacted": True, "reactions": {"like": 2}, "my_reactions": ["like"]}
    response = client.post(f"/posts/{post.id}/react/", {"kind": "like"}, HTTP_ACCEPT="application/json")
    assert response.json()["reactions"] == {"like": 1} and response.json()["my_reactions"] == []
    bad = client.post(f"/posts/{post.id}/react/", {"kind": "angry"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_reaction"


def test_unknown_reaction_kind_without_javascript(world, page_as):
    post = actions.do_create_post(world.owner, "React to me", community=world.open)
    client = page_as(world.member)
    response = client.post(f"/posts/{post.id}/react/", {"kind": "<script>"}, follow=True)
    assert response.status_code == 200 and "Unknown reaction" in text(response)
    assert not Reaction.objects.exists()


def test_reacting_to_invisible_posts_is_not_found(world, page_as):
    post = actions.do_create_post(world.member, "Secret stuff", community=world.secret)
    response = page_as(world.outsider).post(f"/posts/{post.id}/react/", {"kind": "like"})
    assert response.status_code == 404 and "Secret stuff" not in text(response)
    response = page_as(world.outsider).post(f"/posts/{post.id}/react/", {"kind": "like"},
                                            HTTP_ACCEPT="application/json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert not Reaction.objects.exists()


def test_comment_reaction_toggle(world, page_as):
    post = actions.do_create_post(world.owner, "Thread", community=world.open)
    comment = actions.do_create_comment(post, world.owner, "Nice")
    client = page_as(world.member)
    client.post(f"/comments/{comment.id}/react/", {"kind": "insightful"})
    assert Reaction.objects.filter(comment=comment, kind="insightful").count() == 1
    response = client.post(f"/comments/{comment.id}/react/", {"kind": "insightful"}, HTTP_ACCEPT="application/json")
    assert response.json()["reacted"] is False and not Reaction.objects.exists()


def test_reaction_forms_use_get_only_for_nothing(world, page_as):
    post = actions.do_create_post(world.owner, "Thread", community=world.open)
    assert page_as(world.member).get(f"/posts/{post.id}/react/").status_code == 405


# Editing, versions, deleting, pinning

def test_author_edits_and_keeps_versions(world, page_as):
    post = actions.do_create_post(world.member, "First draft", community=world.open)
    client = page_as(world.member)
    form = client.get(f"/posts/{post.id}/edit/")
    assert form.status_code == 200 and "First draft" in text(form)
    response = client.post(f"/posts/{post.id}/edit/", {"body": "Second draft"})
    assert response.status_code == 302 and response["Location"] == f"/posts/{post.id}/"
    page = text(client.get(f"/posts/{post.id}/"))
    assert "Second draft" in page and f'href="/posts/{post.id}/versions/">edited' in page
    versions = client.get(f"/posts/{post.id}/versions/")
    assert versions.status_code == 200 and "First draft" in text(versions) and "Second draft" in text(versions)
    assert PostVersion.objects.filter(post=post).count() == 1


def test_versions_for_author_and_moderators_only(world, page_as):
    post = actions.do_create_post(world.member, "Original wording", community=world.open)
    actions.do_edit_post(post, "New wording", acting_user=world.member)
    assert page_as(world.moderator).get(f"/posts/{post.id}/versions/").status_code == 200
    denied = page_as(world.outsider).get(f"/posts/{post.id}/versions/")
    assert denied.status_code == 403 and "Original wording" not in text(denied)
    page = text(page_as(world.outsider).get(f"/posts/{post.id}/"))
    assert "edited" in page and "/versions/" not in page


def test_only_the_author_edits(world, page_as):
    post = actions.do_create_post(world.member, "Mine", community=world.open)
    for user in (world.outsider, world.owner):
        assert page_as(user).get(f"/posts/{post.id}/edit/").status_code == 403
        assert page_as(user).post(f"/posts/{post.id}/edit/", {"body": "Theirs"}).status_code == 403
    post.refresh_from_db()
    assert post.body == "Mine"
    assert "/edit/" not in text(page_as(world.outsider).get(f"/posts/{post.id}/"))


def test_edit_errors_keep_the_typed_text(world, page_as):
    post = actions.do_create_post(world.member, "Mine", community=world.open)
    marker = "Almost lost text"
    response = page_as(world.member).post(f"/posts/{post.id}/edit/", {"body": marker + "z" * 20_001})
    assert response.status_code == 422 and marker in text(response)
    post.refresh_from_db()
    assert post.body == "Mine"


def test_delete_post_by_author_and_moderator(world, page_as):
    post = actions.do_create_post(world.member, "Delete me", community=world.open)
    assert page_as(world.outsider).post(f"/posts/{post.id}/delete/").status_code == 403
    response = page_as(world.member).post(f"/posts/{post.id}/delete/", {"next": f"/posts/{post.id}/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert page_as(world.member).get(f"/posts/{post.id}/").status_code == 404
    other = actions.do_create_post(world.member, "Rule breaker", community=world.open)
    assert page_as(world.moderator).post(f"/posts/{other.id}/delete/").status_code == 302
    assert Post.objects.filter(deleted_at__isnull=True).count() == 0
    assert page_as(world.member).get(f"/posts/{other.id}/delete/").status_code == 405


def test_delete_form_asks_for_confirmation(world, page_as):
    post = actions.do_create_post(world.member, "Delete me", community=world.open)
    body = text(page_as(world.member).get(f"/posts/{post.id}/"))
    assert re.search(rf'action="/posts/{post.id}/delete/" data-confirm="[^"]+"', body)


def test_pin_and_unpin_announcements(world, page_as):
    post = actions.do_create_post(world.owner, "Charter", community=world.open, announcement=True)
    client = page_as(world.owner)
    assert "Unpin" in text(client.get(f"/posts/{post.id}/"))
    assert client.post(f"/posts/{post.id}/pin/", {"pinned": "0"}).status_code == 302
    post.refresh_from_db()
    assert not post.pinned
    assert page_as(world.member).post(f"/posts/{post.id}/pin/", {"pinned": "1"}).status_code == 403
    post.refresh_from_db()
    assert not post.pinned
    client.post(f"/posts/{post.id}/pin/", {"pinned": "1"})
    post.refresh_from_db()
    assert post.pinned


# Topics

def test_topic_page_shows_visible_posts_and_follows(world, page_as):
    actions.do_create_post(world.member, "Open #Roadmap review", community=world.open)
    actions.do_create_post(world.member, "Private #roadmap numbers", community=world.private)
    member_page = text(page_as(world.member).get("/topics/roadmap/"))
    assert "Open" in member_page and "Private" in member_page and "numbers" in member_page
    client = page_as(world.outsider)
    response = client.get("/topics/roadmap/")
    assert response.status_code == 200
    assert "review" in text(response) and "numbers" not in text(response)
    assert_no_inline_code(response)
    response = client.post("/topics/roadmap/follow/")
    assert response.status_code == 302 and response["Location"] == "/topics/roadmap/"
    assert TopicFollow.objects.filter(user=world.outsider, topic__name="roadmap").exists()
    assert 'aria-pressed="true"' in text(client.get("/topics/roadmap/"))
    client.post("/topics/roadmap/follow/")
    assert not TopicFollow.objects.filter(user=world.outsider).exists()


def test_topic_page_for_a_topic_nobody_used_yet(world, page_as):
    response = page_as(world.member).get("/topics/brand-new/")
    assert response.status_code == 200 and 'class="empty"' in text(response)
    page_as(world.member).post("/topics/brand-new/follow/")
    assert TopicFollow.objects.filter(topic__name="brand-new").exists()


def test_invalid_topic_names_are_not_found(world, page_as):
    assert page_as(world.member).get("/topics/no%20spaces/").status_code == 404
    assert page_as(world.member).post("/topics/%3Cb%3E/follow/").status_code == 404


# Autocomplete

def test_autocomplete_people_and_communities(world, page_as):
    make_user(world.network, "memo", display_name="Zed Memory")
    client = page_as(world.member)
    items = client.get("/autocomplete/", {"q": "@mem"}).json()["items"]
    assert {"name": "member", "label": "Member", "kind": "person"} in items
    assert {"name": "memo", "label": "Zed Memory", "kind": "person"} in items
    items = client.get("/autocomplete/", {"q": "mem"}).json()["items"]  # last name prefix too
    assert any(i["name"] == "memo" for i in items)
    items = client.get("/autocomplete/", {"q": "secret"}).json()["items"]
    assert items == [{"name": "secret-club", "label": "Secret Club", "kind": "community"}]
    assert client.get("/autocomplete/", {"q": ""}).json() == {"items": []}


def test_autocomplete_never_leaks_secret_communities_or_strangers(world, page_as):
    make_user(world.other_network, "secretive")
    for user in (world.outsider, world.requester, world.admin):
        client = page_as(user)
        names = [i["name"] for i in client.get("/autocomplete/", {"q": "s"}).json()["items"]]
        assert "secret-club" not in names
        assert "stranger" not in names and "secretive" not in names
        names = [i["name"] for i in client.get("/autocomplete/", {"q": "Secret"}).json()["items"]]
        assert names == []
    items = page_as(world.outsider).get("/autocomplete/", {"q": "priv"}).json()["items"]
    assert "private-club" in [i["name"] for i in items]  # private communities are listed, secret ones not
    anonymous = page_as().get("/autocomplete/", {"q": "m"})
    assert anonymous.status_code == 404 and "items" not in anonymous.json()


def test_autocomplete_returns_at_most_eight(world, page_as):
    for i in range(12):
        make_user(world.network, f"dev{i}")
    items = page_as(world.member).get("/autocomplete/", {"q": "dev"}).json()["items"]
    assert len(items) == 8


def test_autocomplete_survives_odd_input(world, page_as):
    for q in ["%", "_", "'; drop table", "é" * 500, "@@", "\u202e"]:
        response = page_as(world.member).get("/autocomplete/", {"q": q})
        assert response.status_code == 200 and isinstance(response.json()["items"], list)


# Security headers and static files

def test_pages_carry_a_content_security_policy(world, page_as):
    response = page_as(world.member).get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_stylesheet_and_modules_are_served(world, page_as):
    client = page_as(world.member)
    body = text(client.get("/"))
    for path in re.findall(r'(?:href|src)="(/static/[^"]+)"', body):
        assert client.get(path).status_code == 200, path
    assert 'type="module"' in body
    for module in ("essaim.js", "util.js", "confirm.js", "reactions.js", "autocomplete.js"):
        response = client.get(f"/static/essaim/{module}")
        assert response.status_code == 200, module
        source = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"eval(" not in source and b"innerHTML" not in source


# Query counts: a page costs the same for a few items as for many

def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_feed_pages_cost_the_same_for_1_and_20_posts(world, page_as):
    client = page_as(world.member)
    client.get("/")  # the network is looked up once per process, then cached (/healthz does not look it up)
    places = [{"community": world.open}, {"community": world.private}, {"profile_user": world.outsider}, {}]
    actions.do_create_post(world.owner, "First #topic @member")  # in every feed measured
    few = {url: _queries(client, url) for url in ("/", "/all/", "/topics/topic/")}
    for i in range(19):
        post = actions.do_create_post(world.owner, f"Post {i} #topic @member", **places[i % 4])
        actions.do_add_reaction(world.member, "like", post=post)
    many = {url: _queries(client, url) for url in ("/", "/all/", "/topics/topic/")}
    assert many == few


def test_post_page_costs_the_same_for_1_and_20_comments(world, page_as):
    post = actions.do_create_post(world.owner, "Thread", community=world.private)
    first = actions.do_create_comment(post, world.member, "first")
    client = page_as(world.moderator)
    client.get("/")
    few = _queries(client, f"/posts/{post.id}/")
    for i in range(19):
        comment = actions.do_create_comment(post, world.owner if i % 2 else world.member, f"c{i}",
                                            parent=first if i % 3 == 0 else None)
        actions.do_add_reaction(world.moderator, "like", comment=comment)
    assert _queries(client, f"/posts/{post.id}/") == few

"""The permission matrix of the web pages: every page and form of issue 2 x every role x every
visibility. Same roles, order and placeholders as the API matrix (test_api_matrix.py); forms that
succeed answer with a redirect (302). Error pages (403, 404) carry no private text either.
"""

from __future__ import annotations

import re

import pytest
from matrix_world import (AUTHOR, HOSTS, MODERATE, MODERATORS, OWNER, OWNER_OF_READABLE, PARTICIPANTS, READ, ROLES,
                          SEE,
                          VISIBILITIES, check_cell, check_no_private_text, each_row, expand, fill, page_call,
                          same, succeeding_with)

SEE_302 = succeeding_with(SEE, "302")
READ_302 = succeeding_with(READ, "302")
OWNER_302 = succeeding_with(OWNER, "302")
MODERATORS_302 = succeeding_with(MODERATORS, "302")
AUTHOR_302 = succeeding_with(AUTHOR, "302")
MODERATE_302 = succeeding_with(MODERATE, "302")
PIN_302 = succeeding_with(OWNER_OF_READABLE, "302")
ALL = same("200 200 200 200 200 200 200")
NETWORK = same("404 200 200 200 200 200 200")

PAGES = [
    # label, method, path, form data, shows, expected statuses by visibility
    ("community", "GET", "/communities/{c}/", None, ("name", "desc", "post"), SEE),
    ("community-edit", "GET", "/communities/{c}/edit/", None, (), OWNER),
    ("community-save", "POST", "/communities/{c}/edit/",
     {"name": "Renamed", "description": "Changed", "visibility": "{v}", "slug": ""}, (), OWNER_302),
    # Joining, leaving and withdrawing answer with a redirect and a message, even when refused.
    ("join", "POST", "/communities/{c}/join/", {}, (), SEE_302),
    ("leave", "POST", "/communities/{c}/leave/", {}, (), SEE_302),
    ("cancel-request", "POST", "/communities/{c}/cancel-request/", {}, (), SEE_302),
    ("members", "GET", "/communities/{c}/members/", None, (), READ),
    ("member-add", "POST", "/communities/{c}/members/add/", {"who": "newcomer", "role": "member"}, (),
     MODERATORS_302),
    ("member-role", "POST", "/communities/{c}/members/{peer}/role/", {"role": "moderator"}, (), OWNER_302),
    ("member-remove", "POST", "/communities/{c}/members/{peer}/remove/", {}, (), MODERATORS_302),
    ("requests", "GET", "/communities/{c}/requests/", None, (), MODERATORS),
    ("request-approve", "POST", "/communities/{c}/requests/{rq}/approve/", {}, (), MODERATORS_302),
    ("request-deny", "POST", "/communities/{c}/requests/{rq}/deny/", {}, (), MODERATORS_302),
    ("post", "GET", "/posts/{p}/", None, ("post", "comment", "reply"), READ),
    ("post-edit", "GET", "/posts/{p}/edit/", None, (), AUTHOR),
    ("post-save", "POST", "/posts/{p}/edit/", {"body": "Edited"}, (), AUTHOR_302),
    ("post-delete", "POST", "/posts/{p}/delete/", {}, (), MODERATE_302),
    ("versions", "GET", "/posts/{p}/versions/", None, (), MODERATE),
    ("pin", "POST", "/posts/{p}/pin/", {"pinned": "1"}, (), PIN_302),
    ("comment-create", "POST", "/posts/{p}/comments/", {"body": "Me too"}, (), READ_302),
    ("reply-create", "POST", "/posts/{p}/comments/", {"body": "Me too", "parent": "{k}"}, (), READ_302),
    ("post-react", "POST", "/posts/{p}/react/", {"kind": "like"}, (), READ_302),
    ("comment-edit", "GET", "/comments/{k}/edit/", None, (), AUTHOR),
    ("comment-save", "POST", "/comments/{k}/edit/", {"body": "Edited"}, (), AUTHOR_302),
    ("comment-delete", "POST", "/comments/{k}/delete/", {}, (), MODERATE_302),
    ("comment-react", "POST", "/comments/{k}/react/", {"kind": "like"}, (), READ_302),
    # The composer: someone who may not post there gets the form back with the reason (403), and a
    # place they may not see is answered like a place that does not exist (422).
    ("post-create", "POST", "/posts/new/", {"body": "New", "community": "{c}"}, (), {
        "open": "422 403 403 302 302 302 403",
        "private": "422 403 403 302 302 302 403",
        "secret": "422 422 422 302 302 302 422"}),
    ("announce", "POST", "/posts/new/", {"body": "News", "community": "{c}", "announcement": "on"}, (), {
        "open": "422 403 403 403 403 302 403",
        "private": "422 403 403 403 403 302 403",
        "secret": "422 422 422 403 403 302 422"}),
    # Lists and feeds: 200 for everyone, with only what they may read.
    ("home", "GET", "/", None, (), ALL),
    ("all-company", "GET", "/all/", None, (), ALL),
    ("communities", "GET", "/communities/", None, ("name",), ALL),
    ("topic", "GET", "/topics/matrix/", None, ("post",), ALL),
    ("notifications", "GET", "/notifications/", None, (), ALL),
    ("mark-read", "POST", "/notifications/read/", {"id": "{n}"}, (), same("302 302 302 302 302 302 302")),
    # Following a notification is for its recipient only (it leads to the post).
    ("notification", "GET", "/notifications/{n}/", None, (), same("404 404 404 302 404 404 404")),
    ("people", "GET", "/people/", None, (), ALL),
    ("profile", "GET", "/people/{member}/", None, ("post",), NETWORK),
    ("follow", "POST", "/people/{member}/follow/", {}, (), same("404 302 302 302 302 302 302")),
    ("unfollow", "POST", "/people/{member}/unfollow/", {}, (), same("404 302 302 302 302 302 302")),
    ("topic-follow", "POST", "/topics/matrix/follow/", {}, (), same("302 302 302 302 302 302 302")),
    # Direct messages: {cv} is the group of member, owner and peer; everyone else gets 404, admin included.
    ("messages", "GET", "/messages/", None, (), ALL),
    ("message-new-form", "GET", "/messages/new/", None, (), ALL),
    # Writing to the newcomer: unknown in the stranger's network (the form comes back, 422).
    ("message-new", "POST", "/messages/new/", {"to": "@newcomer", "title": "", "body": "Hi"}, (),
     same("422 302 302 302 302 302 302")),
    ("conversation", "GET", "/messages/{cv}/", None, (), PARTICIPANTS),
    ("message-send", "POST", "/messages/{cv}/send/", {"body": "Hi"}, (), succeeding_with(PARTICIPANTS, "302")),
    ("conversation-leave", "POST", "/messages/{cv}/leave/", {}, (), succeeding_with(PARTICIPANTS, "302")),
    ("conversation-mute", "POST", "/messages/{cv}/mute/", {"muted": "1"}, (), succeeding_with(PARTICIPANTS, "302")),
    ("conversation-add", "POST", "/messages/{cv}/participants/", {"who": "@newcomer"}, (),
     succeeding_with(PARTICIPANTS, "302")),
    ("conversation-rename", "POST", "/messages/{cv}/rename/", {"title": "Renamed"}, (),
     succeeding_with(PARTICIPANTS, "302")),
    # Questions: {q} is the member's question, {a} the owner's answer. Refusals the reader may know
    # about (own vote, not the asker) come back as a message after the redirect.
    ("questions", "GET", "/questions/", None, ("question",), ALL),
    ("questions-unanswered", "GET", "/questions/?tab=unanswered", None, (), ALL),
    ("ask-form", "GET", "/questions/ask/", None, (), ALL),
    ("ask", "POST", "/questions/ask/", {"title": "New?", "body": "x", "community": "{c}"}, (), {
        "open": "422 403 403 302 302 302 403",
        "private": "422 403 403 302 302 302 403",
        "secret": "422 422 422 302 302 302 422"}),
    ("question", "GET", "/questions/{q}/", None, ("question", "answer"), READ),
    ("community-questions", "GET", "/communities/{c}/questions/", None, ("question",), READ),
    ("answer-create", "POST", "/questions/{q}/answer/", {"body": "Me"}, (), READ_302),
    ("question-vote", "POST", "/questions/{q}/vote/", {"value": "1"}, (), READ_302),
    ("question-comment", "POST", "/questions/{q}/comment/", {"body": "Which?"}, (), READ_302),
    ("question-duplicate", "POST", "/questions/{q}/duplicate/", {"question_id": ""}, (), READ_302),
    ("answer-vote", "POST", "/questions/answers/{a}/vote/", {"value": "1"}, (), READ_302),
    ("answer-accept", "POST", "/questions/answers/{a}/accept/", {"accepted": "1"}, (), READ_302),
    ("answer-comment", "POST", "/questions/answers/{a}/comment/", {"body": "Thanks"}, (), READ_302),
    ("answer-delete", "POST", "/questions/answers/{a}/delete/", {}, (), READ_302),
]


@pytest.mark.django_db
@pytest.mark.parametrize("method,path,data,shows,visibility,role,status", expand(PAGES))
def test_pages_matrix(mw, method, path, data, shows, visibility, role, status):
    ids = mw.ids(visibility)
    response = page_call(mw, role, method, fill(path, ids), fill(data, ids))
    check_cell(response, status, role, visibility, shows)
    if status == 302:
        assert "/login/" not in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "stranger-here"])
def test_without_a_session_of_this_network_every_page_sends_to_sign_in(mw, who):
    """Nobody signed in, or the stranger's globex session on acme's host: sign in first, nothing shown."""
    login_as = mw.users["stranger"] if who == "stranger-here" else None
    for route, response in each_row(mw, PAGES, lambda method, path, data: page_call(
            mw, None, method, path, data, host=HOSTS["acme"], login_as=login_as)):
        assert response.status_code == 302 and "/login/" in response["Location"], route
        check_no_private_text(response, "stranger")


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_the_notifications_page_lists_only_my_own(mw, role, visibility):
    ids = mw.ids(visibility)
    response = page_call(mw, role, "GET", "/notifications/")
    assert (f'href="/notifications/{ids["n"]}/"' in response.content.decode()) is (role == "member")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_missing_object_and_a_hidden_one_get_the_same_page(mw, role):
    """The secret community's post, for those who may not read it, looks exactly like no post."""
    ids = mw.ids("secret")
    hidden = page_call(mw, role, "GET", f"/posts/{ids['p']}/")
    missing = page_call(mw, role, "GET", "/posts/999999999/")
    assert missing.status_code == 404
    if hidden.status_code == 404:
        def normalise(response):
            text = response.content.decode()
            return re.sub(r'(nonce|csrfmiddlewaretoken|value)="[^"]*"', "", text)

        assert normalise(hidden) == normalise(missing)
    else:
        assert role in ("member", "moderator", "owner")

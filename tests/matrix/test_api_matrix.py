"""The permission matrix of the REST API: every route of issue 2 x every role x every visibility.

Each row gives the expected status for the roles, in this order:
    stranger (another network)  outsider  requester (pending)  member  moderator  owner  admin
`{c}` is the community of that visibility, `{p}` the member's post in it, `{k}` the member's
comment on it, `{rq}` the requester's pending request, `{peer}` another plain member, `{newcomer}`
someone in no community, `{n}` the member's notification of a reply. Whatever the status, no
response carries text its viewer may not read; `shows` names text that a 200 must carry exactly
when the viewer may read it. A 404 is always the same body, whether missing or hidden.
"""

from __future__ import annotations

import pytest
from matrix_world import (AUTHOR, HOSTS, MODERATE, MODERATORS, OWNER, PARTICIPANTS, READ, ROLES, SEE, VISIBILITIES,
                          api_call,
                          check_cell, check_no_private_text, each_row, expand, fill, marker, same,
                          succeeding_with)

from essaim.stream.models import Post

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "details": None}}

READ_201 = succeeding_with(READ, "201")
DELETE = succeeding_with(MODERATE, "204")

ROUTES = [
    # label, method, path, body, shows, expected statuses by visibility
    # Communities
    ("community", "GET", "/api/v1/communities/{c}", None, ("name", "desc"), SEE),
    ("community-create", "POST", "/api/v1/communities", {"name": "New club", "visibility": "{v}"}, (),
     same("201 201 201 201 201 201 201")),
    ("community-patch", "PATCH", "/api/v1/communities/{c}", {"description": "Changed"}, (), OWNER),
    ("join", "POST", "/api/v1/communities/{c}/join", {}, (), {
        "open": "404 200 200 409 409 409 200",
        "private": "404 200 409 409 409 409 200",
        "secret": "404 404 404 409 409 409 404"}),
    # Non-members leave nothing (409), a requester withdraws the request, the last owner stays.
    ("leave", "POST", "/api/v1/communities/{c}/leave", None, (), {
        "open": "404 409 200 200 200 409 409",
        "private": "404 409 200 200 200 409 409",
        "secret": "404 404 404 200 200 409 404"}),
    ("members", "GET", "/api/v1/communities/{c}/members", None, (), READ),
    ("member-add", "POST", "/api/v1/communities/{c}/members", {"user_id": "{newcomer}", "role": "member"}, (),
     succeeding_with(MODERATORS, "201")),
    ("member-role", "PATCH", "/api/v1/communities/{c}/members/{peer}", {"role": "moderator"}, (), OWNER),
    ("member-remove", "DELETE", "/api/v1/communities/{c}/members/{peer}", None, (),
     succeeding_with(MODERATORS, "204")),
    ("requests", "GET", "/api/v1/communities/{c}/requests", None, (), MODERATORS),
    ("request-approve", "POST", "/api/v1/communities/{c}/requests/{rq}/approve", None, (), MODERATORS),
    ("request-deny", "POST", "/api/v1/communities/{c}/requests/{rq}/deny", None, (), MODERATORS),
    # Posts
    ("community-feed", "GET", "/api/v1/communities/{c}/feed", None, ("post", "mention"), READ),
    ("post-create", "POST", "/api/v1/posts", {"body": "New", "community_id": "{c}"}, (), {
        "open": "404 403 403 201 201 201 403",
        "private": "404 404 404 201 201 201 404",
        "secret": "404 404 404 201 201 201 404"}),
    ("announce", "POST", "/api/v1/posts", {"body": "News", "community_id": "{c}", "announcement": True}, (), {
        "open": "404 403 403 403 403 201 403",
        "private": "404 404 404 403 403 201 404",
        "secret": "404 404 404 403 403 201 404"}),
    ("post", "GET", "/api/v1/posts/{p}", None, ("post",), READ),
    ("post-edit", "PATCH", "/api/v1/posts/{p}", {"body": "Edited"}, (), AUTHOR),
    ("post-delete", "DELETE", "/api/v1/posts/{p}", None, (), DELETE),
    ("versions", "GET", "/api/v1/posts/{p}/versions", None, (), MODERATE),
    ("comments", "GET", "/api/v1/posts/{p}/comments", None, ("comment", "reply"), READ),
    ("comment-create", "POST", "/api/v1/posts/{p}/comments", {"body": "Me too"}, (), READ_201),
    ("reply-create", "POST", "/api/v1/posts/{p}/comments", {"body": "Me too", "parent_id": "{k}"}, (), READ_201),
    ("post-react", "POST", "/api/v1/posts/{p}/reactions", {"kind": "like"}, (), READ),
    ("post-unreact", "DELETE", "/api/v1/posts/{p}/reactions/like", None, (), READ),
    ("comment-edit", "PATCH", "/api/v1/comments/{k}", {"body": "Edited"}, (), AUTHOR),
    ("comment-delete", "DELETE", "/api/v1/comments/{k}", None, (), DELETE),
    ("comment-react", "POST", "/api/v1/comments/{k}/reactions", {"kind": "like"}, (), READ),
    ("comment-unreact", "DELETE", "/api/v1/comments/{k}/reactions/like", None, (), READ),
    # Lists: everyone gets 200, with only what they may read in it.
    ("home-feed", "GET", "/api/v1/feed", None, (), same("200 200 200 200 200 200 200")),
    ("all-company", "GET", "/api/v1/feed/all", None, (), same("200 200 200 200 200 200 200")),
    # Search: everyone signed in may search; what comes back is filtered (tests/search).
    ("search", "GET", "/api/v1/search?q=matrix", None, (), same("200 200 200 200 200 200 200")),
    ("search-suggest", "GET", "/api/v1/search/suggest?q=matrix", None, (), same("200 200 200 200 200 200 200")),
    ("posts", "GET", "/api/v1/posts", None, (), same("200 200 200 200 200 200 200")),
    ("communities", "GET", "/api/v1/communities", None, ("name",), same("200 200 200 200 200 200 200")),
    ("profile-feed", "GET", "/api/v1/users/{member}/feed", None, ("post",), same("404 200 200 200 200 200 200")),
    ("topic-feed", "GET", "/api/v1/topics/matrix/feed", None, ("post",), same("200 200 200 200 200 200 200")),
    ("notifications", "GET", "/api/v1/notifications", None, (), same("200 200 200 200 200 200 200")),
    ("unread", "GET", "/api/v1/notifications/unread_count", None, (), same("200 200 200 200 200 200 200")),
    # Live updates: a community's new posts, as its feed; the header's counters.
    ("new-count", "GET", "/api/v1/feed/new_count?feed=community:{c}&after=0", None, (), READ),
    ("counters", "GET", "/api/v1/me/counters", None, (), same("200 200 200 200 200 200 200")),
    # Notification settings: one's own; a community's level for its members; muting a readable thread.
    ("notification-settings", "GET", "/api/v1/me/notification-settings", None, (),
     same("200 200 200 200 200 200 200")),
    ("notification-settings-put", "PUT", "/api/v1/me/notification-settings", {"digest": "weekly"}, (),
     same("200 200 200 200 200 200 200")),
    ("notification-level", "PUT", "/api/v1/communities/{c}/notification-level", {"level": "all"}, (), {
        "open": "404 403 403 200 200 200 403", "private": "404 403 403 200 200 200 403",
        "secret": "404 404 404 200 200 200 404"}),
    ("mute", "POST", "/api/v1/posts/{p}/mute", None, (), READ),
    ("unmute", "DELETE", "/api/v1/posts/{p}/mute", None, (), READ),
    ("mark-read", "POST", "/api/v1/notifications/read", {"ids": ["{n}"]}, (), same("200 200 200 200 200 200 200")),
    ("mark-all-read", "POST", "/api/v1/notifications/read", {"all": True}, (), same("200 200 200 200 200 200 200")),
    ("me", "GET", "/api/v1/me", None, (), same("200 200 200 200 200 200 200")),
    ("people", "GET", "/api/v1/users", None, (), same("200 200 200 200 200 200 200")),
    ("person", "GET", "/api/v1/users/{member}", None, (), same("404 200 200 200 200 200 200")),
    # Following oneself is refused.
    ("follow", "POST", "/api/v1/users/{member}/follow", None, (), same("404 200 200 422 200 200 200")),
    ("unfollow", "DELETE", "/api/v1/users/{member}/follow", None, (), same("404 200 200 200 200 200 200")),
    ("topic-follow", "POST", "/api/v1/topics/matrix/follow", None, (), same("200 200 200 200 200 200 200")),
    ("topic-unfollow", "DELETE", "/api/v1/topics/matrix/follow", None, (), same("200 200 200 200 200 200 200")),
    # Direct messages: {cv} is the group of member, owner and peer; everyone else gets 404, admin included.
    ("conversations", "GET", "/api/v1/conversations", None, (), same("200 200 200 200 200 200 200")),
    ("conversations-unread", "GET", "/api/v1/conversations/unread_count", None, (),
     same("200 200 200 200 200 200 200")),
    # Starting one with the newcomer: unknown in the stranger's network.
    ("conversation-start", "POST", "/api/v1/conversations", {"participant_ids": ["{newcomer}"]}, (),
     same("422 201 201 201 201 201 201")),
    ("conversation", "GET", "/api/v1/conversations/{cv}", None, (), PARTICIPANTS),
    ("conversation-rename", "PATCH", "/api/v1/conversations/{cv}", {"title": "Renamed"}, (), PARTICIPANTS),
    ("messages", "GET", "/api/v1/conversations/{cv}/messages", None, (), PARTICIPANTS),
    ("message-send", "POST", "/api/v1/conversations/{cv}/messages", {"body": "Hi"}, (),
     succeeding_with(PARTICIPANTS, "201")),
    ("conversation-read", "POST", "/api/v1/conversations/{cv}/read", {}, (), PARTICIPANTS),
    ("conversation-leave", "POST", "/api/v1/conversations/{cv}/leave", None, (), PARTICIPANTS),
    ("conversation-mute", "POST", "/api/v1/conversations/{cv}/mute", {"muted": True}, (), PARTICIPANTS),
    ("conversation-add", "POST", "/api/v1/conversations/{cv}/participants", {"participant_ids": ["{newcomer}"]}, (),
     PARTICIPANTS),
    # Questions: {q} is the member's question in the community, {a} the owner's answer to it.
    ("questions", "GET", "/api/v1/questions", None, (), same("200 200 200 200 200 200 200")),
    ("question-ask", "POST", "/api/v1/questions", {"title": "New?", "body": "x", "community_id": "{c}"}, (), {
        "open": "404 403 403 201 201 201 403",
        "private": "404 404 404 201 201 201 404",
        "secret": "404 404 404 201 201 201 404"}),
    ("question", "GET", "/api/v1/questions/{q}", None, ("question", "answer"), READ),
    ("community-questions", "GET", "/api/v1/communities/{c}/questions?filter=recent", None, ("question",), READ),
    ("answer-create", "POST", "/api/v1/questions/{q}/answers", {"body": "Me"}, (), READ_201),
    ("question-comment", "POST", "/api/v1/questions/{q}/comments", {"body": "Which?"}, (), READ_201),
    ("answer-comment", "POST", "/api/v1/answers/{a}/comments", {"body": "Thanks"}, (), READ_201),
    # Nobody votes on their own: the member asked, the owner answered.
    ("question-vote", "POST", "/api/v1/questions/{q}/vote", {"value": 1}, (), {
        "open": "404 200 200 403 200 200 200", "private": "404 404 404 403 200 200 404",
        "secret": "404 404 404 403 200 200 404"}),
    ("answer-vote", "POST", "/api/v1/answers/{a}/vote", {"value": 1}, (), {
        "open": "404 200 200 200 200 403 200", "private": "404 404 404 200 200 403 404",
        "secret": "404 404 404 200 200 403 404"}),
    # The asker (member) and who moderates the community accept and mark duplicates.
    ("answer-accept", "POST", "/api/v1/answers/{a}/accept", None, (), MODERATE),
    ("question-duplicate", "POST", "/api/v1/questions/{q}/duplicate_of", {"question_id": None}, (), MODERATE),
    # Expert finding: anyone may ask; a community filter needs its content readable.
    ("experts", "GET", "/api/v1/experts?q=matrix", None, (), same("200 200 200 200 200 200 200")),
    ("experts-in", "GET", "/api/v1/experts?q=matrix&community={c}", None, (), READ),
    ("expertise", "GET", "/api/v1/users/{member}/expertise", None, (), same("404 200 200 200 200 200 200")),
    # The member declared no skill "matrix": missing for others; nobody endorses themselves.
    ("endorse", "POST", "/api/v1/users/{member}/skills/matrix/endorsement", None, (),
     same("404 404 404 403 404 404 404")),
    ("endorse-withdraw", "DELETE", "/api/v1/users/{member}/skills/matrix/endorsement", None, (),
     same("404 404 404 404 404 404 404")),
    ("hide-area", "PUT", "/api/v1/me/expertise/hidden", {"area": "matrix"}, (), same("200 200 200 200 200 200 200")),
    ("routing", "GET", "/api/v1/me/routing", None, (), same("200 200 200 200 200 200 200")),
    ("routing-put", "PUT", "/api/v1/me/routing", {"accepts_questions": True}, (), same("200 200 200 200 200 200 200")),
    ("question-experts", "GET", "/api/v1/questions/{q}/experts", None, (), READ),
    # The asker (member) and who moderates the community ask people to answer.
    ("question-route", "POST", "/api/v1/questions/{q}/route", {"people": ["{peer}"]}, (), MODERATE),
]


@pytest.mark.django_db
@pytest.mark.parametrize("method,path,body,shows,visibility,role,status", expand(ROUTES))
def test_api_matrix(mw, method, path, body, shows, visibility, role, status):
    ids = mw.ids(visibility)
    response = api_call(mw, role, method, fill(path, ids), fill(body, ids))
    check_cell(response, status, role, visibility, shows)
    if status == 404:
        assert response.json() == NOT_FOUND


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "stranger-here"])
def test_without_credentials_of_this_network_every_route_says_401(mw, who):
    """Nobody signed in, or the stranger's globex token used on acme's host: 401, and nothing shown."""
    role = None if who == "anonymous" else "stranger"
    for route, response in each_row(mw, ROUTES, lambda method, path, body: api_call(
            mw, role, method, path, body, host=HOSTS["acme"])):
        assert response.status_code == 401, route
        check_no_private_text(response, "stranger")


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_a_notification_is_seen_and_marked_only_by_its_recipient(mw, role, visibility):
    ids = mw.ids(visibility)
    listed = api_call(mw, role, "GET", "/api/v1/notifications?limit=100").json()["items"]
    assert (str(ids["n"]) in {n["id"] for n in listed}) is (role == "member")
    marked = api_call(mw, role, "POST", "/api/v1/notifications/read", {"ids": [str(ids["n"])]}).json()
    assert marked == {"marked": 1 if role == "member" else 0}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_mentions_reached_only_those_who_may_read(mw, role):
    """The owner's post in each community mentions everyone; only readers were told, and only they
    list it."""
    listed = api_call(mw, role, "GET", "/api/v1/notifications?limit=100").json()["items"]
    mention_posts = {n["post_id"] for n in listed if n["kind"] == "mention"}
    for v in VISIBILITIES:
        mention = Post.objects.get(community=mw.places[v].community, body__contains=marker("mention", v))
        expected = role in ("admin", "outsider", "requester", "member") and (v == "open" or role == "member")
        assert (str(mention.id) in mention_posts) is expected, v


@pytest.mark.django_db
def test_every_issue_route_is_in_the_matrix(mw):
    """The matrix covers every route the API publishes (a new route needs a row)."""
    spec = api_call(mw, "member", "GET", "/api/v1/openapi.json").json()
    published = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    covered = {(method, path.split("?")[0].replace("/{c}", "/{community_id}").replace("/{p}", "/{post_id}")
                .replace("/{k}", "/{comment_id}").replace("/{rq}", "/{request_id}")
                .replace("/{member}", "/{user_id}").replace("/{peer}", "/{user_id}")
                .replace("/like", "/{kind}").replace("/matrix/", "/{name}/")
                .replace("/{cv}", "/{conversation_id}").replace("/{q}", "/{question_id}")
                .replace("/{a}", "/{answer_id}"))
               for _l, method, path, _b, _s, _e in ROUTES}
    # Not object-scoped: who I am, and changing my own profile.
    missing = published - covered - {("PATCH", "/api/v1/me")}
    assert not missing, sorted(missing)

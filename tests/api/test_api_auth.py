"""Who may call the API at all: sessions, bearer tokens and their scopes; the published description."""

from __future__ import annotations

import json

import pytest
from api_helpers import assert_error
from django.test import Client

from essaim.accounts import actions as accounts
from essaim.stream.models import Post

# Every operation of the API, with placeholders filled from the world fixture.
ROUTES = [
    ("get", "me"), ("patch", "me"),
    ("get", "users"), ("get", "users/{user}"), ("post", "users/{user}/follow"), ("delete", "users/{user}/follow"),
    ("get", "users/{user}/feed"),
    ("get", "communities"), ("post", "communities"), ("get", "communities/{community}"),
    ("patch", "communities/{community}"), ("post", "communities/{community}/join"),
    ("post", "communities/{community}/leave"), ("get", "communities/{community}/members"),
    ("post", "communities/{community}/members"), ("patch", "communities/{community}/members/{user}"),
    ("delete", "communities/{community}/members/{user}"), ("get", "communities/{community}/requests"),
    ("post", "communities/{community}/requests/{request}/approve"),
    ("post", "communities/{community}/requests/{request}/deny"), ("get", "communities/{community}/feed"),
    ("get", "feed"), ("get", "feed/all"), ("get", "topics/{topic}/feed"), ("post", "topics/{topic}/follow"),
    ("delete", "topics/{topic}/follow"),
    ("get", "posts"), ("post", "posts"), ("get", "posts/{post}"), ("patch", "posts/{post}"),
    ("delete", "posts/{post}"), ("get", "posts/{post}/versions"), ("get", "posts/{post}/comments"),
    ("post", "posts/{post}/comments"), ("patch", "comments/{comment}"), ("delete", "comments/{comment}"),
    ("post", "posts/{post}/reactions"), ("delete", "posts/{post}/reactions/{kind}"),
    ("post", "comments/{comment}/reactions"), ("delete", "comments/{comment}/reactions/{kind}"),
    ("get", "notifications"), ("post", "notifications/read"), ("get", "notifications/unread_count"),
    ("get", "me/notification-settings"), ("put", "me/notification-settings"),
    ("put", "communities/{community}/notification-level"), ("post", "posts/{post}/mute"),
    ("delete", "posts/{post}/mute"),
    ("get", "feed/new_count"), ("get", "me/counters"),
    ("get", "search"), ("get", "search/suggest"),
    ("get", "conversations"), ("post", "conversations"), ("get", "conversations/unread_count"),
    ("get", "conversations/{conversation}"), ("patch", "conversations/{conversation}"),
    ("get", "conversations/{conversation}/messages"), ("post", "conversations/{conversation}/messages"),
    ("post", "conversations/{conversation}/read"), ("post", "conversations/{conversation}/leave"),
    ("post", "conversations/{conversation}/mute"), ("post", "conversations/{conversation}/participants"),
    ("get", "questions"), ("post", "questions"), ("get", "questions/{question}"),
    ("post", "questions/{question}/answers"), ("post", "questions/{question}/vote"),
    ("post", "questions/{question}/duplicate_of"), ("post", "questions/{question}/comments"),
    ("get", "communities/{community}/questions"), ("post", "answers/{answer}/accept"),
    ("post", "answers/{answer}/vote"), ("post", "answers/{answer}/comments"),
    ("get", "experts"), ("get", "users/{user}/expertise"), ("post", "users/{user}/skills/{skill}/endorsement"),
    ("delete", "users/{user}/skills/{skill}/endorsement"), ("put", "me/expertise/hidden"), ("get", "me/routing"),
    ("put", "me/routing"), ("get", "questions/{question}/experts"), ("post", "questions/{question}/route"),
]

_PLACEHOLDERS = {"{user}": "{user_id}", "{community}": "{community_id}", "{request}": "{request_id}",
                 "{post}": "{post_id}", "{comment}": "{comment_id}", "{topic}": "{name}", "{kind}": "{kind}",
                 "{conversation}": "{conversation_id}", "{question}": "{question_id}", "{answer}": "{answer_id}", "{skill}": "{name}"}


def _documented(path: str) -> str:
    for ours, theirs in _PLACEHOLDERS.items():
        path = path.replace(ours, theirs)
    return "/api/v1/" + path


@pytest.fixture
def filled(world, make_post):
    from essaim.communities.models import JoinRequest
    from essaim.stream import actions as stream

    post = make_post("open", "Hello")
    comment = stream.do_create_comment(post, world.owner, "Hi")
    join_request = JoinRequest.objects.get(community=world.private, user=world.requester)
    from essaim.questions import actions as questions

    question = questions.do_ask_question(world.member, "Why?", "Because", community=world.open)
    answer = questions.do_answer_question(question, world.owner, "So")

    def fill(path: str) -> str:
        return (path.replace("{user}", str(world.member.id)).replace("{community}", str(world.open.id))
                .replace("{request}", str(join_request.id)).replace("{post}", str(post.id))
                .replace("{comment}", str(comment.id)).replace("{topic}", "news").replace("{kind}", "like")
                .replace("{conversation}", "1").replace("{question}", str(question.id))
                .replace("{answer}", str(answer.id)).replace("{skill}", "python"))

    return fill


def test_the_route_list_covers_the_published_api(world, client):
    schema = client.get("/api/v1/openapi.json").json()
    published = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert published == {(method, _documented(path)) for method, path in ROUTES}


@pytest.mark.parametrize("method,path", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_route_refuses_anonymous_callers(world, api_as, filled, method, path):
    before = Post.objects.count()
    response = api_as(None).call(method, filled(path), {} if method in ("post", "patch") else None)
    assert_error(response, 401, "unauthenticated")
    assert Post.objects.count() == before


def test_openapi_is_3_1_with_summaries_and_error_bodies(world, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            for status in ("401", "404", "422"):
                ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (method, path, status)
            assert {"TokenAuth", "SessionAuth"} == {name for option in operation["security"] for name in option}
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    post = schema["components"]["schemas"]["PostOut"]["properties"]
    assert {"id", "author", "community", "body", "html", "created_at", "edited_at", "comment_count", "reactions",
            "my_reactions", "mentions", "topics"} <= set(post)


def test_docs_page_renders_from_our_own_origin(world, client):
    import re

    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    # The page's scripts and styles come from this server (the Content-Security-Policy allows only 'self')
    # and none is inline.
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and all(src.startswith("/static/") for src in sources), sources
    assert not re.search(r"<script(?![^>]*(?:src=|application/json))[^>]*>", html)
    for src in sources:
        assert client.get(src).status_code == 200, src


class TestTokens:
    def test_read_token_reads_but_cannot_write(self, world, api_as, token_for):
        client = api_as(token=token_for(world.member, "read"))
        assert client.get("me").json_body["handle"] == "member"
        response = client.post("posts", {"body": "Not allowed"})
        assert_error(response, 403, "insufficient_scope")
        assert not Post.objects.filter(body="Not allowed").exists()
        assert_error(client.delete(f"users/{world.owner.id}/follow"), 403, "insufficient_scope")

    def test_write_token_writes_without_csrf(self, world, api_as, token_for):
        client = api_as(token=token_for(world.member, "write"))
        response = client.post("posts", {"body": "Written with a token"})
        assert response.status_code == 201
        assert response.json_body["author"]["id"] == str(world.member.id)

    def test_revoked_token_is_refused(self, world, api_as):
        token, raw = accounts.do_create_token(world.member, scopes=["read"], acting_user=world.member)
        client = api_as(token=raw)
        assert client.get("me").status_code == 200
        accounts.do_revoke_token(token, acting_user=world.member)
        assert_error(client.get("me"), 401, "unauthenticated")

    def test_deactivated_users_token_is_refused(self, world, api_as, token_for):
        raw = token_for(world.member, "read,write")
        accounts.do_deactivate_user(world.member, acting_user=world.admin)
        assert_error(api_as(token=raw).get("me"), 401)
        assert_error(api_as(token=raw).post("posts", {"body": "ghost"}), 401)

    def test_deactivated_users_session_is_refused(self, world, api_as):
        client = api_as(world.member)
        accounts.do_deactivate_user(world.member, acting_user=world.admin)
        assert_error(client.get("me"), 401)

    def test_unknown_token_is_refused(self, world, api_as):
        assert_error(api_as(token="ess_not-a-real-token").get("me"), 401, "unauthenticated")

    def test_token_only_works_on_its_own_network(self, world, api_as, token_for):
        raw = token_for(world.stranger, "read")
        assert_error(api_as(token=raw).get("me"), 401)  # acme's host
        response = api_as(token=raw, host="globex.test").get("me")
        assert response.status_code == 200 and response.json_body["handle"] == "stranger"

    def test_session_of_another_network_means_nothing(self, world, api_as):
        assert_error(api_as(world.stranger).get("me"), 401)


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    response = client.post("/api/v1/posts", json.dumps({"body": "csrf?"}), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert not Post.objects.filter(body="csrf?").exists()
    assert client.get("/api/v1/me").status_code == 200  # reading needs no token


def test_malformed_json_is_a_clear_400(world, api_as):
    response = api_as(world.member).post("posts", "{not json")
    assert_error(response, 400, "bad_request")


def test_huge_request_body_is_refused_without_a_500(world, api_as):
    response = api_as(world.member).post("posts", {"body": "x" * (6 * 1024 * 1024)})
    assert_error(response, 413, "too_large")
    assert not Post.objects.exists()


ODD_BODIES = ["[]", '"text"', "null", "123", '{"body": {"nested": 1}}', '{"kind": ["like"], "ids": {"a": 1}}',
              '{"name": null, "role": 7, "user_id": [1]}', '{"body": "\\u0000\\ud800"}']


@pytest.mark.parametrize("method,path", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_odd_input_never_breaks_a_route(world, api_as, filled, method, path):
    """Whatever arrives, the answer is a JSON status below 500."""
    client = api_as(world.owner)
    url = filled(path)
    attempts = []
    if method in ("post", "patch"):
        attempts = [client.call(method, url, raw) for raw in ODD_BODIES]
    else:
        attempts = [client.call(method, url, None, **params) for params in
                    ({"limit": "1e9"}, {"cursor": "\u00e9\u00e9"}, {"limit": "  "}, {"q": "\x00"})]
    for odd_id in ("0", "-1", "1.0", "%C3%A9", "99999999999999999999999"):
        attempts.append(client.call(method, api_path_with_id(url, odd_id),
                                    "{}" if method in ("post", "patch") else None))
    for response in attempts:
        assert response.status_code < 500, (response.status_code, response.content[:300])
        assert response["Content-Type"].startswith("application/json")


def api_path_with_id(url: str, odd: str) -> str:
    """The same route with its first numeric id replaced."""
    parts = url.split("/")
    for i, part in enumerate(parts):
        if part.isdigit():
            parts[i] = odd
            break
    return "/".join(parts)


@pytest.mark.parametrize("method,path,body", [
    ("post", "posts", {"body": "nul \u0000 inside"}),
    ("post", "posts", {"body": "half a pair \ud800"}),
    ("patch", "me", {"display_name": "Nul\u0000"}),
    ("patch", "me", {"skills": ["ok", "\u0000"]}),
    ("post", "communities", {"name": "Club\u0000"}),
    ("get", "users?q=a%00b", None),
    ("get", "communities?q=%00", None),
    ("get", "feed?cursor=%00", None),
])
def test_nul_and_broken_unicode_are_refused_on_both_databases(world, api_as, method, path, body):
    before = api_as(world.member).get("me").json_body
    response = api_as(world.member).call(method, path, body)
    assert_error(response, 422, "invalid")
    assert api_as(world.member).get("me").json_body == before
    assert not Post.objects.exists()


def test_nul_in_a_topic_name_is_just_an_unknown_topic(world, api_as):
    response = api_as(world.member).get("topics/a%00b/feed")
    assert response.status_code == 200 and response.json_body["items"] == []
    assert_error(api_as(world.member).post("topics/a%00b/follow"), 422, "invalid_topic")

"""The permission matrix world and its helpers.

Network "acme" (host acme.matrix) holds, for each visibility v in open/private/secret, a community
whose owner, moderator, member and peer belong to it, and which `requester` asked to join (while it
was private; it then took its visibility). In each: a post by member, a comment by member, an
owner's reply, and an owner's post mentioning everyone. Every piece of text carries a marker that
must never reach anyone not allowed to read it. "globex" (host globex.matrix) holds the stranger.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client, override_settings

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.communities.models import JoinRequest, Role
from essaim.notifications.models import Kind, Notification
from essaim.stream import actions as stream

VISIBILITIES = ("open", "private", "secret")
ROLES = ("stranger", "outsider", "requester", "member", "moderator", "owner", "admin")
MEMBERS = {"member", "moderator", "owner"}
HOSTS = {"acme": "acme.matrix", "globex": "globex.matrix"}

# Text kinds, and who may read them: the community's name and description (whoever may see the
# community), and its posts, comments and replies (whoever may read its content).
COMMUNITY_TEXT = ("name", "desc")
CONTENT_TEXT = ("post", "comment", "reply", "mention", "question", "answer")


def marker(kind: str, visibility: str) -> str:
    return f"mk{kind}{visibility}q7z"


PROFILE_MARKER = "mkprofileq7z"
# The direct-message group of member, owner and peer: its title and message reach them only.
DM_PARTICIPANTS = {"member", "owner"}
DM_MARKERS = ("mkdmtitleq7z", "mkdmmessageq7z")


def can_see(role: str, visibility: str) -> bool:
    return role != "stranger" and (visibility != "secret" or role in MEMBERS)


def can_read(role: str, visibility: str) -> bool:
    return role != "stranger" and (visibility == "open" or role in MEMBERS)


def forbidden_markers(role: str) -> list[str]:
    """Every marker this role must never receive, whatever the route."""
    out = [] if role != "stranger" else [PROFILE_MARKER]
    if role not in DM_PARTICIPANTS:
        out += list(DM_MARKERS)
    for v in VISIBILITIES:
        if not can_see(role, v):
            out += [marker(k, v) for k in COMMUNITY_TEXT]
        if not can_read(role, v):
            out += [marker(k, v) for k in CONTENT_TEXT]
    return out


def allowed(role: str, kind: str, visibility: str) -> bool:
    return can_see(role, visibility) if kind in COMMUNITY_TEXT else can_read(role, visibility)


@dataclass
class Place:
    community: object
    post: object
    comment: object
    reply: object
    request: object
    notification: object  # the member's notification of the owner's reply
    question: object = None  # the member's question, and the owner's answer to it
    answer: object = None


@dataclass
class MatrixWorld:
    users: dict
    tokens: dict
    places: dict
    newcomer: object
    peer: object
    profile_post: object
    networks: list = field(default_factory=list)
    sessions: dict = field(default_factory=dict)  # role -> session key, signed in once
    conversation: object = None  # the direct-message group of member, owner and peer

    def ids(self, visibility: str) -> dict:
        place = self.places[visibility]
        return {"c": place.community.id, "p": place.post.id, "k": place.comment.id, "rq": place.request.id,
                "n": place.notification.id, "member": self.users["member"].id, "peer": self.peer.id,
                "newcomer": self.newcomer.id, "v": visibility,
                "cv": self.conversation.id if self.conversation else 0,
                "q": place.question.id, "a": place.answer.id}


def build() -> MatrixWorld:
    acme = accounts.do_create_network("Acme Matrix", "acme-matrix", domain=HOSTS["acme"])
    globex = accounts.do_create_network("Globex Matrix", "globex-matrix", domain=HOSTS["globex"])

    def person(network, handle, **kw):
        return accounts.do_create_user(network, email=f"{handle}@{network.slug}.test", display_name=handle.title(),
                                       handle=handle, **kw)

    users = {
        "admin": person(acme, "netadmin", is_admin=True),
        "owner": person(acme, "owner"), "moderator": person(acme, "moderator"), "member": person(acme, "member"),
        "requester": person(acme, "requester"), "outsider": person(acme, "outsider"),
        "stranger": person(globex, "stranger"),
    }
    peer, newcomer = person(acme, "peer"), person(acme, "newcomer")
    places = {}
    for v in VISIBILITIES:
        owner = users["owner"]
        c = communities.do_create_community(owner, name=f"Club {v} {marker('name', v)}", slug=f"{v}-club",
                                            description=f"About {marker('desc', v)}", visibility="private")
        communities.do_add_member(c, users["moderator"], role=Role.MODERATOR, acting_user=owner)
        communities.do_add_member(c, users["member"], acting_user=owner)
        communities.do_add_member(c, peer, acting_user=owner)
        request = communities.do_join_community(users["requester"], c)
        assert isinstance(request, JoinRequest)
        if v != "private":
            communities.do_update_community(c, acting_user=owner, visibility=v)
        post = stream.do_create_post(users["member"], f"Post {marker('post', v)} #matrix", community=c)
        comment = stream.do_create_comment(post, users["member"], f"Comment {marker('comment', v)}")
        reply = stream.do_create_comment(post, owner, f"Reply {marker('reply', v)}", parent=comment)
        stream.do_create_post(owner, f"Mention {marker('mention', v)} @netadmin @outsider @requester @member",
                              community=c)
        notification = Notification.objects.get(recipient=users["member"], kind=Kind.REPLY, comment=reply)
        from essaim.questions import actions as questions

        question = questions.do_ask_question(users["member"], f"Question {marker('question', v)}?", "Details",
                                             community=c)
        answer = questions.do_answer_question(question, owner, f"Answer {marker('answer', v)}")
        places[v] = Place(c, post, comment, reply, request, notification, question, answer)
    profile_post = stream.do_create_post(users["owner"], f"Hello {PROFILE_MARKER}", profile_user=users["member"])
    tokens = {role: accounts.do_create_token(u, scopes=["read", "write"], acting_user=u)[1]
              for role, u in users.items()}
    world = MatrixWorld(users, tokens, places, newcomer, peer, profile_post, [acme, globex])
    from essaim.messaging import actions as messaging

    world.conversation = messaging.do_start_conversation(users["member"], [users["owner"].id, peer.id],
                                                         title=f"Team {DM_MARKERS[0]}")
    messaging.do_send_message(world.conversation, f"Psst {DM_MARKERS[1]}", acting_user=users["member"])
    # Sign everyone in once, and use every token once, so that cells do not pay for it each time.
    for role, user in users.items():
        client = Client(HTTP_HOST=host_of(role))
        client.force_login(user)
        world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        with override_settings(ALLOWED_HOSTS=list(HOSTS.values())):
            assert api_call(world, role, "GET", "/api/v1/me").status_code == 200
    return world


def host_of(role: str) -> str:
    return HOSTS["globex" if role == "stranger" else "acme"]


def api_call(mw: MatrixWorld, role: str | None, method: str, path: str, body=None, *, host: str | None = None):
    """A JSON call with the role's bearer token (None: no credentials), on the role's own host."""
    client = Client(HTTP_HOST=host or host_of(role or "outsider"))
    headers = {"Authorization": f"Bearer {mw.tokens[role]}"} if role else {}
    kwargs = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method.lower())(path, **kwargs)


def page_call(mw: MatrixWorld, role: str | None, method: str, path: str, data=None, *, host: str | None = None,
              login_as=None):
    """A page request signed in as the role (None: anonymous), on the role's own host."""
    client = Client(HTTP_HOST=host or host_of(role or "outsider"))
    if login_as is not None:
        client.force_login(login_as)
    elif role is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = mw.sessions[role]
    if method == "GET":
        return client.get(path)
    return client.post(path, data or {})


def fill(template, ids: dict):
    """Put ids into a path or a JSON body."""
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, dict):
        return {k: fill(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, ids) for v in template]
    return template


def expand(rows):
    """[(label, method, path, body, shows, {v: "s s s s s s s"})] -> pytest params, one per cell."""
    params = []
    for label, method, path, body, shows, by_visibility in rows:
        for v in VISIBILITIES:
            statuses = by_visibility[v].split()
            assert len(statuses) == len(ROLES), (label, v)
            for role, status in zip(ROLES, statuses):
                params.append(pytest.param(method, path, body, shows, v, role, int(status),
                                           id=f"{label}-{v}-{role}"))
    return params


def same(pattern: str) -> dict:
    return {v: pattern for v in VISIBILITIES}


def succeeding_with(pattern: dict, status: str) -> dict:
    """The same pattern where success is `status` (201, 204, 302) instead of 200."""
    return {v: s.replace("200", status) for v, s in pattern.items()}


# Status patterns that recur, roles in ROLES order: success (200) for those the rule lets through,
# 403 for those who see the object but may not do this, 404 for those who may not see it.
# Whoever may see the community (open and private ones are listed in the network).
SEE = {"open": "404 200 200 200 200 200 200", "private": "404 200 200 200 200 200 200",
       "secret": "404 404 404 200 200 200 404"}
# Whoever may read the community's content (members only, unless open).
READ = {"open": "404 200 200 200 200 200 200", "private": "404 404 404 200 200 200 404",
        "secret": "404 404 404 200 200 200 404"}
OWNER = {"open": "404 403 403 403 403 200 403", "private": "404 403 403 403 403 200 403",
         "secret": "404 404 404 403 403 200 404"}
MODERATORS = {"open": "404 403 403 403 200 200 403", "private": "404 403 403 403 200 200 403",
              "secret": "404 404 404 403 200 200 404"}
# The member wrote the post and the comment.
AUTHOR = {"open": "404 403 403 200 403 403 403", "private": "404 404 404 200 403 403 404",
          "secret": "404 404 404 200 403 403 404"}
# The author, moderators, and administrators where they can read (open communities).
MODERATE = {"open": "404 403 403 200 200 200 200", "private": "404 404 404 200 200 200 404",
            "secret": "404 404 404 200 200 200 404"}
# Owners (and administrators who belong), on a post they may read.
OWNER_OF_READABLE = {"open": "404 403 403 403 403 200 403", "private": "404 404 404 403 403 200 404",
                     "secret": "404 404 404 403 403 200 404"}
# A direct-message conversation: its current participants (member, owner), whatever the visibility.
PARTICIPANTS = same("404 404 404 200 404 200 404")


def each_row(mw: MatrixWorld, rows, call):
    """Every row of a table requested once through call(method, path, body), about the secret
    community: yields ((method, path), response)."""
    ids = mw.ids("secret")
    for _label, method, path, body, _shows, _expected in rows:
        yield (method, path), call(method, fill(path, ids), fill(body, ids))


def check_cell(response, status: int, role: str, visibility: str, shows) -> None:
    """The expected status; no text the role may not read; on 200, the `shows` text exactly when allowed."""
    assert response.status_code == status, response.content[:300]
    check_no_private_text(response, role)
    if status == 200:
        text = response.content.decode()
        for kind in shows:
            assert (marker(kind, visibility) in text) is allowed(role, kind, visibility), kind


def check_no_private_text(response, role: str) -> None:
    body = response.content.decode("utf-8", "replace")
    for m in forbidden_markers(role):
        assert m not in body, f"{role} received {m}"

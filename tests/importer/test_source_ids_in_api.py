"""Imported objects keep their source id in the API (people, posts and questions, comments), so
that evaluations map results back; our own objects answer null."""

from __future__ import annotations

import pytest

from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
from essaim.questions import actions as questions
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db


def test_source_ids_are_exposed_and_null_for_our_own(world, api_as):
    ghost = accounts.do_create_placeholder_user(world.network, display_name="Imported Ida", source="example.org",
                                                source_id="501")
    communities.do_join_community(ghost, world.open)
    asked = questions.do_ask_question(ghost, "How do I import?", "Body", community=world.open, source="example.org",
                                      source_id="7", license="CC BY-SA 4.0", quiet=True)
    said = stream.do_create_comment(asked, ghost, "Imported remark", source="example.org", source_id="9", quiet=True)
    ours = stream.do_create_post(world.member, "Written here", community=world.open)
    client = api_as(world.member)
    person = client.get(f"/api/v1/users/{ghost.id}").json_body
    assert person["source_id"] == "501" and person["is_placeholder"] is True
    assert client.get(f"/api/v1/users/{world.owner.id}").json_body["source_id"] is None
    post = client.get(f"/api/v1/posts/{asked.id}").json_body
    assert (post["kind"], post["title"], post["source_id"]) == ("question", "How do I import?", "7")
    assert client.get(f"/api/v1/posts/{ours.id}").json_body["source_id"] is None
    comments = client.get(f"/api/v1/posts/{asked.id}/comments").json_body["items"]
    assert [(c["id"], c["source_id"]) for c in comments] == [(str(said.id), "9")]
    question = client.get(f"/api/v1/questions/{asked.id}").json_body
    assert question["source_id"] == "7" and question["attribution"]["license"] == "CC BY-SA 4.0"

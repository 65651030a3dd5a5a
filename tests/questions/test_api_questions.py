"""The questions API: asking, answering, voting, accepting, duplicates, lists."""

from __future__ import annotations

import pytest

from essaim.accounts import actions as accounts
from essaim.questions import actions
from essaim.questions.models import Vote
from essaim.stream.models import Post

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "details": None}}

pytestmark = pytest.mark.django_db


def code(response):
    return ((response.json_body or {}).get("error") or {}).get("code")


def test_ask_and_read_a_question(world, api_as):
    client = api_as(world.member)
    response = client.post("questions", {"title": "How to book a room?", "body": "With **details**",
                                         "community_id": str(world.open.id), "topics": ["Rooms", "office"]})
    assert response.status_code == 201, response.content
    body = response.json_body
    assert body["title"] == "How to book a room?" and "<strong>details</strong>" in body["html"]
    assert body["topics"] == ["office", "rooms"] and body["community"]["id"] == str(world.open.id)
    assert body["source_id"] is None and body["attribution"] is None and body["answers"] == []
    got = api_as(world.outsider).get(f"questions/{body['id']}").json_body
    assert got["title"] == "How to book a room?" and got["score"] == 0 and got["answer_count"] == 0


def test_ask_in_all_company_without_community(world, api_as):
    response = api_as(world.outsider).post("questions", {"title": "Where is the cafeteria?", "body": "?"})
    assert response.status_code == 201 and response.json_body["community"] is None


@pytest.mark.parametrize("payload,status,error", [
    ({"title": "", "body": "x"}, 422, "empty_title"),
    ({"title": "   ", "body": "x"}, 422, "empty_title"),
    ({"title": "x" * 301, "body": "x"}, 422, "title_too_long"),
    ({"title": "Ok?", "body": ""}, 422, "empty_body"),
    ({"title": "Ok?", "body": "x", "topics": ["not a topic"]}, 422, "invalid_topic"),
    ({"title": "Ok?", "body": "x", "community_id": "999999"}, 404, "not_found"),
])
def test_ask_validation(world, api_as, payload, status, error):
    before = Post.objects.count()
    response = api_as(world.member).post("questions", payload)
    assert response.status_code == status and code(response) == error, response.content
    assert Post.objects.count() == before


def test_title_of_300_characters_is_fine(world, api_as):
    assert api_as(world.member).post("questions", {"title": "x" * 300, "body": "x"}).status_code == 201


def test_asking_where_one_is_not_a_member_is_refused(world, api_as):
    assert api_as(world.outsider).post("questions", {"title": "Q?", "body": "x",
                                                     "community_id": world.open.id}).status_code == 403
    assert api_as(world.outsider).post("questions", {"title": "Q?", "body": "x",
                                                     "community_id": world.secret.id}).json_body == NOT_FOUND


@pytest.mark.parametrize("place", ["private", "secret"])
def test_invisible_question_is_an_identical_404(world, api_as, question_in, place):
    question = question_in(place)
    answer = actions.do_answer_question(question, world.owner, "Like this")
    client = api_as(world.outsider)
    for method, path, body in [("get", f"questions/{question.id}", None),
                               ("post", f"questions/{question.id}/answers", {"body": "x"}),
                               ("post", f"questions/{question.id}/vote", {"value": 1}),
                               ("post", f"answers/{answer.id}/vote", {"value": 1}),
                               ("post", f"answers/{answer.id}/accept", {}),
                               ("post", f"questions/{question.id}/duplicate_of", {"question_id": None}),
                               ("get", "questions/999999999", None), ("post", "answers/999999999/vote", {"value": 1})]:
        response = client.call(method, path, body)
        assert response.status_code == 404 and response.json_body == NOT_FOUND, (method, path)
    listed = client.get("questions").json_body["items"]
    assert str(question.id) not in {q["id"] for q in listed}


def test_a_plain_post_is_not_a_question(world, api_as, post_in):
    post = post_in("open")
    assert api_as(world.member).get(f"questions/{post.id}").json_body == NOT_FOUND


def test_answer_vote_accept_flow(world, api_as, question_in):
    question = question_in("open")
    owner = api_as(world.owner)
    created = owner.post(f"questions/{question.id}/answers", {"body": "Use the **form**"})
    assert created.status_code == 201
    answer_id = created.json_body["id"]
    assert created.json_body["accepted"] is False and created.json_body["source_id"] is None
    other = api_as(world.moderator).post(f"questions/{question.id}/answers", {"body": "Ask HR"}).json_body["id"]
    # votes
    assert api_as(world.member).post(f"answers/{other}/vote", {"value": 1}).json_body == {"score": 1, "my_vote": 1}
    assert api_as(world.outsider).post(f"answers/{other}/vote", {"value": 1}).json_body["score"] == 2
    assert api_as(world.outsider).post(f"answers/{other}/vote", {"value": -1}).json_body["score"] == 0
    assert api_as(world.outsider).post(f"answers/{other}/vote", {"value": 0}).json_body["score"] == 1
    assert api_as(world.owner).post(f"questions/{question.id}/vote", {"value": 1}).json_body["score"] == 1
    # accept: the asker only (or moderators)
    refused = api_as(world.outsider).post(f"answers/{answer_id}/accept")
    assert refused.status_code == 403 and code(refused) == "not_asker"
    assert api_as(world.member).post(f"answers/{answer_id}/accept").json_body["accepted_answer_id"] == answer_id
    got = api_as(world.member).get(f"questions/{question.id}").json_body
    assert [a["id"] for a in got["answers"]] == [answer_id, other]  # accepted first, though less score
    assert got["answers"][0]["accepted"] is True and got["answers"][1]["my_vote"] == 1
    assert got["answer_count"] == 2 and got["score"] == 1
    # a moderator of the community may accept another one: it replaces the first
    assert api_as(world.moderator).post(f"answers/{other}/accept").json_body["accepted_answer_id"] == other


@pytest.mark.parametrize("value", [2, -2, "1", True, None, 1.0])
def test_vote_values_other_than_1_minus1_0_are_refused(world, api_as, question_in, value):
    question = question_in("open")
    response = api_as(world.owner).post(f"questions/{question.id}/vote", {"value": value})
    assert response.status_code in (400, 422), response.content
    assert not Vote.objects.exists()


def test_self_vote_is_refused(world, api_as, question_in):
    question = question_in("open")
    response = api_as(world.member).post(f"questions/{question.id}/vote", {"value": 1})
    assert response.status_code == 403 and code(response) == "own_content"
    answer = actions.do_answer_question(question, world.owner, "Mine")
    assert api_as(world.owner).post(f"answers/{answer.id}/vote", {"value": -1}).status_code == 403


def test_duplicates(world, api_as, question_in):
    original = question_in("open", "Original?")
    dup = question_in("open", "Same again?")
    secret = question_in("secret", "Hidden?")
    asker = api_as(world.member)
    itself = asker.post(f"questions/{dup.id}/duplicate_of", {"question_id": str(dup.id)})
    assert itself.status_code == 422 and code(itself) == "invalid_original"
    refused = api_as(world.outsider).post(f"questions/{dup.id}/duplicate_of", {"question_id": str(original.id)})
    assert refused.status_code == 403
    done = asker.post(f"questions/{dup.id}/duplicate_of", {"question_id": str(original.id)})
    assert done.status_code == 200 and done.json_body["duplicate_of_id"] == str(original.id)
    # the original must be readable by the actor: the owner of the community may, the outsider not
    unreadable = api_as(world.moderator).post(f"questions/{dup.id}/duplicate_of", {"question_id": "999999999"})
    assert unreadable.status_code == 422 and code(unreadable) == "invalid_original"
    assert api_as(world.member).post(f"questions/{dup.id}/duplicate_of",
                                     {"question_id": str(secret.id)}).status_code == 200
    cleared = asker.post(f"questions/{dup.id}/duplicate_of", {"question_id": None})
    assert cleared.json_body["duplicate_of_id"] is None


def test_unanswered_lists(world, api_as, question_in):
    answered = question_in("open", "Answered?")
    actions.do_answer_question(answered, world.owner, "Yes")
    dup = question_in("open", "Dup?")
    original = question_in("open", "Orig?")
    actions.do_mark_duplicate(dup, original, acting_user=world.member)
    question_in("secret", "Secret open?")
    company = question_in("company", "Company?")
    client = api_as(world.outsider)
    titles = [q["title"] for q in client.get("questions", filter="unanswered").json_body["items"]]
    assert titles == ["Company?", "Orig?"]
    titles = [q["title"] for q in client.get("questions").json_body["items"]]
    assert titles == ["Company?", "Orig?", "Dup?", "Answered?"]
    in_open = client.get(f"communities/{world.open.id}/questions", filter="unanswered").json_body["items"]
    assert [q["title"] for q in in_open] == ["Orig?"]
    assert client.get(f"communities/{world.secret.id}/questions").json_body == NOT_FOUND
    member_view = api_as(world.member).get(f"communities/{world.secret.id}/questions").json_body["items"]
    assert [q["title"] for q in member_view] == ["Secret open?"]
    assert str(company.id) in {q["id"] for q in client.get("questions", community="").json_body["items"]}
    assert client.get("questions", filter="bogus").status_code in (400, 422)


def test_lists_are_keyset_paginated(world, api_as, question_in):
    for i in range(5):
        question_in("open", f"Question {i}?")
    client = api_as(world.member)
    first = client.get("questions", limit=2).json_body
    second = client.get("questions", limit=2, cursor=first["next_cursor"]).json_body
    third = client.get("questions", limit=2, cursor=second["next_cursor"]).json_body
    titles = [q["title"] for page in (first, second, third) for q in page["items"]]
    assert titles == [f"Question {i}?" for i in (4, 3, 2, 1, 0)] and third["next_cursor"] is None


def test_topic_filter(world, api_as, question_in):
    question_in("open", "Tagged?", "About #Travel")
    question_in("open", "Other?", "Nothing")
    items = api_as(world.member).get("questions", topic="travel").json_body["items"]
    assert [q["title"] for q in items] == ["Tagged?"]
    assert api_as(world.member).get("questions", topic="unknown").json_body["items"] == []


def test_comments_on_question_and_answer(world, api_as, question_in):
    question = question_in("open")
    answer = actions.do_answer_question(question, world.owner, "Like so")
    client = api_as(world.moderator)
    assert client.post(f"questions/{question.id}/comments", {"body": "Which year?"}).status_code == 201
    assert client.post(f"answers/{answer.id}/comments", {"body": "Thanks"}).status_code == 201
    got = client.get(f"questions/{question.id}").json_body
    assert [c["body"] for c in got["comments"]] == ["Which year?"]
    assert [c["body"] for c in got["answers"][0]["comments"]] == ["Thanks"]


def test_imported_content_has_attribution(world, api_as):
    person = accounts.do_create_placeholder_user(world.network, display_name="Ada Import",
                                                 source="cardano.stackexchange.com", source_id="77")
    question = actions.do_ask_question(person, "Imported?", "Body", source="cardano.stackexchange.com",
                                       source_id="12", license="CC BY-SA 4.0", score=5, quiet=True)
    actions.do_answer_question(question, person, "Imported answer", source="cardano.stackexchange.com",
                               source_id="13", license="CC BY-SA 4.0", score=3, quiet=True)
    got = api_as(world.member).get(f"questions/{question.id}").json_body
    assert got["source_id"] == "12" and got["score"] == 5
    assert got["attribution"] == {"source": "cardano.stackexchange.com", "author_name": "Ada Import",
                                  "license": "CC BY-SA 4.0", "url": "https://cardano.stackexchange.com/q/12"}
    assert got["answers"][0]["attribution"]["url"] == "https://cardano.stackexchange.com/a/13"
    assert got["answers"][0]["score"] == 3


def test_read_only_token_reads_but_cannot_write(world, api_as, token_for, question_in):
    question = question_in("open")
    client = api_as(token=token_for(world.owner, "read"))
    assert client.get(f"questions/{question.id}").status_code == 200
    assert client.get("questions").status_code == 200
    for path, body in [("questions", {"title": "Q?", "body": "x"}),
                       (f"questions/{question.id}/answers", {"body": "x"}),
                       (f"questions/{question.id}/vote", {"value": 1})]:
        response = client.post(path, body)
        assert response.status_code == 403, path
    assert not Vote.objects.exists() and Post.objects.filter(kind="question").count() == 1


def test_anonymous_is_refused(world, api_as, question_in):
    question = question_in("open")
    assert api_as(None).get(f"questions/{question.id}").status_code == 401


def test_a_duplicate_never_reveals_an_original_its_reader_cannot_open(world, api_as, page_as):
    from essaim.questions import actions as qa

    original = qa.do_ask_question(world.owner, "Secret budget line?", "Details.", community=world.private)
    copy = qa.do_ask_question(world.owner, "Budget line?", "Same thing.", community=world.open)
    qa.do_mark_duplicate(copy, original, acting_user=world.owner)
    outsider_view = api_as(world.outsider).get(f"/api/v1/questions/{copy.id}").json_body
    assert outsider_view["duplicate_of_id"] is None
    member_view = api_as(world.member).get(f"/api/v1/questions/{copy.id}").json_body
    assert member_view["duplicate_of_id"] == str(original.id)
    page = page_as(world.outsider).get(f"/questions/{copy.id}/").content.decode()
    assert "Secret budget line?" not in page and "marked as a duplicate" in page
    assert "Secret budget line?" in page_as(world.member).get(f"/questions/{copy.id}/").content.decode()

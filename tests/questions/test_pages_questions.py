"""The question pages: lists, asking, a question with answers; forms work without JavaScript."""

from __future__ import annotations

import pytest

from essaim.notifications.models import Kind, Notification
from essaim.questions import actions
from essaim.questions.models import Vote
from essaim.stream.models import Comment, Post

pytestmark = pytest.mark.django_db


def test_questions_list_with_tabs(world, page_as, question_in):
    answered = question_in("open", "Answered one?")
    actions.do_answer_question(answered, world.owner, "Yes")
    question_in("open", "Open one?")
    question_in("secret", "Secret one?")
    client = page_as(world.outsider)
    html = client.get("/questions/").content.decode()
    assert "Answered one?" in html and "Open one?" in html and "Secret one?" not in html
    assert 'href="/questions/"' in html  # the header link
    html = client.get("/questions/?tab=unanswered").content.decode()
    assert "Answered one?" not in html and "Open one?" in html


def test_community_questions_tab(world, page_as, question_in):
    question_in("private", "Private one?")
    assert page_as(world.outsider).get(f"/communities/{world.private.id}/questions/").status_code == 404
    html = page_as(world.member).get(f"/communities/{world.private.id}/questions/").content.decode()
    assert "Private one?" in html
    assert f'href="/communities/{world.private.id}/questions/"' in page_as(world.member).get(
        f"/communities/{world.private.id}/").content.decode()


def test_ask_form(world, page_as):
    client = page_as(world.member)
    page = client.get("/questions/ask/")
    assert page.status_code == 200 and "similar.js" in page.content.decode()
    assert f'value="{world.open.id}"' in page.content.decode()
    response = client.post("/questions/ask/", {"title": "How?", "body": "Like *that*", "community": world.open.id,
                                               "topics": "travel budget"})
    question = Post.objects.get(kind="question")
    assert response.status_code == 302 and response["Location"] == f"/questions/{question.id}/"
    assert sorted(question.topics.values_list("name", flat=True)) == ["budget", "travel"]
    empty = client.post("/questions/ask/", {"title": "", "body": "x"})
    assert empty.status_code == 422 and "Give your question a title" in empty.content.decode()
    hidden = page_as(world.outsider).post("/questions/ask/", {"title": "Q?", "body": "x", "community": world.secret.id})
    assert hidden.status_code == 422 and Post.objects.count() == 1


def test_question_page_answer_vote_accept_comment_without_javascript(world, page_as, question_in):
    question = question_in("open")
    owner = page_as(world.owner)
    response = owner.post(f"/questions/{question.id}/answer/", {"body": "Use the **form**"})
    assert response.status_code == 302
    answer = question.answers.get()
    assert owner.post(f"/questions/{question.id}/vote/", {"value": "1"}).status_code == 302
    assert Vote.objects.get(post=question).value == 1
    asker = page_as(world.member)
    assert asker.post(f"/questions/answers/{answer.id}/vote/", {"value": "1"}).status_code == 302
    assert asker.post(f"/questions/answers/{answer.id}/accept/", {"accepted": "1"}).status_code == 302
    assert asker.post(f"/questions/answers/{answer.id}/comment/", {"body": "Thanks!"}).status_code == 302
    assert asker.post(f"/questions/{question.id}/comment/", {"body": "Edit: 2025"}).status_code == 302
    html = asker.get(f"/questions/{question.id}/").content.decode()
    assert "<strong>form</strong>" in html and "Accepted answer" in html and "Thanks!" in html
    assert "Edit: 2025" in html and "Unaccept" in html
    assert Comment.objects.filter(answer=answer).count() == 1
    assert Notification.objects.filter(kind=Kind.ANSWER, recipient=world.member).exists()
    # not the asker: no accept button, refused if tried
    html = page_as(world.outsider).get(f"/questions/{question.id}/").content.decode()
    assert "Accept this answer" not in html and "Unaccept" not in html
    page_as(world.outsider).post(f"/questions/answers/{answer.id}/accept/", {"accepted": "0"})
    question.refresh_from_db()
    assert question.accepted_answer_id == answer.id


def test_empty_answer_comes_back_with_the_error(world, page_as, question_in):
    question = question_in("open")
    response = page_as(world.owner).post(f"/questions/{question.id}/answer/", {"body": "  "})
    assert response.status_code == 422 and "Write something first" in response.content.decode()


def test_self_vote_is_a_message_not_an_error_page(world, page_as, question_in):
    question = question_in("open")
    response = page_as(world.member).post(f"/questions/{question.id}/vote/", {"value": "1"}, follow=True)
    assert response.status_code == 200 and "own question" in response.content.decode()
    assert not Vote.objects.exists()


def test_duplicate_notice_and_attribution(world, page_as, question_in):
    original = question_in("open", "The original?")
    dup = question_in("open", "The copy?")
    client = page_as(world.member)
    assert client.post(f"/questions/{dup.id}/duplicate/", {"question_id": f"/questions/{original.id}/"}).status_code == 302
    html = client.get(f"/questions/{dup.id}/").content.decode()
    assert "duplicate of" in html and f'href="/questions/{original.id}/"' in html
    imported = actions.do_ask_question(world.member, "Imported?", "x", source="cardano.stackexchange.com",
                                       source_id="42", license="CC BY-SA 4.0", quiet=True)
    html = client.get(f"/questions/{imported.id}/").content.decode()
    assert 'href="https://cardano.stackexchange.com/q/42"' in html and "CC BY-SA 4.0" in html


@pytest.mark.parametrize("place", ["private", "secret"])
def test_hidden_question_page_is_a_404(world, page_as, question_in, place):
    question = question_in(place)
    client = page_as(world.outsider)
    assert client.get(f"/questions/{question.id}/").status_code == 404
    assert client.post(f"/questions/{question.id}/answer/", {"body": "x"}).status_code == 404


def test_a_question_in_a_feed_shows_its_title_and_its_post_page_leads_to_it(world, page_as, question_in):
    question = question_in("open", "Feed question?")
    client = page_as(world.member)
    html = client.get(f"/communities/{world.open.id}/").content.decode()
    assert f'href="/questions/{question.id}/"' in html and "Feed question?" in html
    response = client.get(f"/posts/{question.id}/")
    assert response.status_code == 302 and response["Location"] == f"/questions/{question.id}/"

"""`essaim experts eval` and `essaim import stackexchange --until`: metrics, the time split, the
history-only import, and a whole run on a small synthetic site."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from essaim.accounts import actions as accounts
from essaim.core.models import Network
from essaim.experts import evaluate as ev
from essaim.importer import stackexchange as se
from essaim.questions.models import Answer
from essaim.stream.models import Post
from shared_helpers import run_cli

pytestmark = pytest.mark.django_db


def test_metrics_by_hand():
    ranking = ["a", "b", "c", "d", "e", "f"]
    assert ev.average_precision(ranking, {"b", "d"}) == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert ev.average_precision(ranking, {"b", "z"}) == pytest.approx((1 / 2) / 2)  # z never found
    assert ev.reciprocal_rank(ranking, {"c"}) == pytest.approx(1 / 3)
    assert ev.reciprocal_rank(ranking, {"z"}) == 0.0
    assert ev.precision_at(ranking, {"a", "e", "f"}) == pytest.approx(2 / 5)


def _row(**attrs) -> str:
    return "<row " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + " />"


def write_site(tmp_path: Path, posts: list[str], votes: list[str] = (), users: list[str] = ()) -> Path:
    folder = tmp_path / "tiny.stackexchange.com"
    folder.mkdir(exist_ok=True)
    (folder / "Posts.xml").write_text("<posts>\n" + "\n".join(posts) + "\n</posts>\n")
    (folder / "Users.xml").write_text("<users>\n" + "\n".join(users) + "\n</users>\n")
    (folder / "Comments.xml").write_text("<comments>\n</comments>\n")
    (folder / "PostLinks.xml").write_text("<postlinks>\n</postlinks>\n")
    (folder / "Votes.xml").write_text("<votes>\n" + "\n".join(votes) + "\n</votes>\n")
    return folder


def test_import_until_takes_the_site_as_it_was(tmp_path):
    network = accounts.do_create_network("Acme", "acme")
    accounts.do_create_user(network, email="admin@acme.test", display_name="Admin", is_admin=True)
    site = write_site(tmp_path, [
        _row(Id=1, PostTypeId=1, Title="Old question", Body="Old", OwnerUserId=1, CreationDate="2020-01-01T00:00:00",
             AcceptedAnswerId=2, Score=9),
        _row(Id=2, PostTypeId=2, ParentId=1, Body="Old answer", OwnerUserId=2, CreationDate="2020-01-02T00:00:00",
             Score=7),
        _row(Id=3, PostTypeId=2, ParentId=1, Body="Late answer", OwnerUserId=3, CreationDate="2020-03-01T00:00:00"),
        _row(Id=4, PostTypeId=1, Title="New question", Body="New", OwnerUserId=3, CreationDate="2020-03-02T00:00:00"),
    ], votes=[
        _row(Id=1, PostId=2, VoteTypeId=2, CreationDate="2020-01-03T00:00:00"),
        _row(Id=2, PostId=2, VoteTypeId=2, CreationDate="2020-01-04T00:00:00"),
        _row(Id=3, PostId=2, VoteTypeId=3, CreationDate="2020-01-05T00:00:00"),
        _row(Id=4, PostId=2, VoteTypeId=2, CreationDate="2020-02-10T00:00:00"),  # after: not counted
        _row(Id=5, PostId=2, VoteTypeId=1, CreationDate="2020-02-20T00:00:00"),  # accepted after: not accepted
    ])
    report = se.import_stackexchange(site, network=network, community_name="Tiny", progress=None,
                                     until=datetime(2020, 2, 1, tzinfo=UTC))
    assert list(Post.objects.filter(network=network, kind="question").values_list("title", flat=True)) == [
        "Old question"]
    answer = Answer.objects.get(network=network)
    assert answer.body.strip() == "Old answer" and answer.score == 1
    assert Post.objects.get(network=network, kind="question").accepted_answer_id is None
    assert any("--until" in line for line in report.lines())


def _site_with_two_specialists(tmp_path) -> Path:
    """Alice answers many Kafka questions, Bob fewer Redis ones; the newest questions are Redis ones."""
    posts, n = [], 0

    def ask(day: int, title: str, asker: int, answerer: int) -> None:
        nonlocal n
        n += 2
        posts.append(_row(Id=n, PostTypeId=1, Title=title, Body=f"{title} Details inside.", OwnerUserId=asker,
                          Tags="|ops|", CreationDate=f"2021-01-{day:02d}T10:00:00"))
        posts.append(_row(Id=n + 1, PostTypeId=2, ParentId=n, Body=f"Answer about {title.lower()}",
                          OwnerUserId=answerer, CreationDate=f"2021-01-{day:02d}T12:00:00", Score=1))

    for day in range(1, 9):
        ask(day, f"Kafka consumer lag number {day}", 10, 1)
    for day in range(9, 13):
        ask(day, f"Redis eviction policy case {day}", 11, 2)
    for day in range(13, 16):
        ask(day, f"Redis eviction policy question {day}", 12, 2)
    users = [_row(Id=1, DisplayName="Alice"), _row(Id=2, DisplayName="Bob"), _row(Id=10, DisplayName="Asker A"),
             _row(Id=11, DisplayName="Asker B"), _row(Id=12, DisplayName="Asker C")]
    return write_site(tmp_path, posts, users=users)


def test_split_keeps_the_newest_fifth_with_answers(tmp_path):
    site = _site_with_two_specialists(tmp_path)
    questions, answers = ev.load(site)
    cutoff, tests = ev.split(questions, answers)
    assert len(questions) == 15 and len(tests) == 3
    assert cutoff == datetime(2021, 1, 13, 10, 0, tzinfo=UTC)
    assert all(t.answerers == {"2"} for t in tests) and all("Redis" in t.text for t in tests)


def test_a_whole_evaluation_run_beats_most_answers_on_a_clear_case(tmp_path, capsys):
    site = _site_with_two_specialists(tmp_path)
    networks = Network.objects.count()
    status, out, err = run_cli(capsys, "experts", "eval", "--dump", str(site), "--json")
    assert status == 0, err
    results = {(r["method"], r["relevance"]): r for r in json.loads(out)}
    assert results[("essaim", "answered")]["mrr"] == pytest.approx(1.0)  # Bob, first
    assert results[("answers", "answered")]["mrr"] == pytest.approx(0.5)  # Alice has more answers
    assert results[("essaim", "answered")]["queries"] == 3
    assert Network.objects.count() == networks  # the throwaway network is gone
    status, out, _err = run_cli(capsys, "experts", "eval", "--dump", str(site))
    assert status == 0 and "Most answers" in out and "Model 2 (plain)" in out and "MAP" in out


def test_evaluation_refuses_what_it_cannot_use(tmp_path, capsys):
    status, _out, err = run_cli(capsys, "experts", "eval", "--dump", str(tmp_path / "missing"))
    assert status != 0 and ("missing" in err.lower() or "no such" in err.lower())
    tiny = write_site(tmp_path, [_row(Id=1, PostTypeId=1, Title="Only one", Body="x", CreationDate="2020-01-01")])
    status, _out, err = run_cli(capsys, "experts", "eval", "--dump", str(tiny))
    assert status != 0 and "too few questions" in err
    status, _out, err = run_cli(capsys, "experts", "eval", "--dump", str(tiny), "--test-share", "0.9")
    assert status != 0 and "between 0.05 and 0.5" in err

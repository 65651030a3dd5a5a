"""`essaim experts eval --dump DIR`: how well expert finding predicts who answers a question.

The dump's questions are ordered by date: the older 80% are the history, the newest 20% the test.
The site as it was when the first test question was asked (its questions, answers and comments
of before, scores from the votes cast before, answers accepted before) is imported into a
throwaway network, summarised by the same jobs as always, and each test question (title, tags
and body) is put to the ranking as an administrator would: people are ranked from history only.
Relevant: the people who answered it (and, second table, the author of its accepted answer);
questions nobody answered are left out. Each method is measured on the same questions:

    essaim    the ranking people see (experts/ranking.py)
    model2    Balog et al.'s Model 2 without quality signals (same documents)
    answers   the people with the most answers, whatever the question

MAP (over the first 100 people), MRR and P@5. People are compared by their StackExchange id.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from essaim.importer.stackexchange import iter_rows, parse_date, parse_tags, plain_text

DEPTH = 100
TEST_SHARE = 0.2


@dataclass
class TestQuestion:
    id: str
    text: str
    answerers: set[str] = field(default_factory=set)
    accepted: str | None = None


def load(directory) -> tuple[list[dict], dict[str, list[dict]]]:
    """(questions oldest first, answers by question id) from Posts.xml."""
    questions, answers = [], {}
    for row in iter_rows(Path(directory) / "Posts.xml"):
        kind = row.get("PostTypeId")
        if kind == "1" and parse_date(row.get("CreationDate")):
            questions.append(row)
        elif kind == "2" and row.get("ParentId"):
            answers.setdefault(row["ParentId"], []).append(row)
    questions.sort(key=lambda r: (parse_date(r["CreationDate"]), int(r.get("Id") or 0)))
    return questions, answers


def split(questions: list[dict], answers: dict[str, list[dict]], share: float = TEST_SHARE):
    """(cutoff moment, test questions with at least one answer by a known person)."""
    if len(questions) < 10:
        raise ValueError("the dump has too few questions to split (at least 10)")
    first = int(len(questions) * (1 - share))
    cutoff = parse_date(questions[first]["CreationDate"])
    tests = []
    for row in questions[first:]:
        got = answers.get(row["Id"], [])
        answerers = {a["OwnerUserId"] for a in got if a.get("OwnerUserId")}
        if not answerers:
            continue
        accepted = next((a.get("OwnerUserId") for a in got if a.get("Id") == row.get("AcceptedAnswerId")), None)
        tags = " ".join(parse_tags(row.get("Tags")))
        text = f"{row.get('Title', '')}\n{tags}\n{plain_text(row.get('Body', ''))}"
        tests.append(TestQuestion(id=row["Id"], text=text, answerers=answerers, accepted=accepted or None))
    return cutoff, tests


def average_precision(ranking: list[str], relevant: set[str], depth: int = DEPTH) -> float:
    hits, total = 0, 0.0
    for i, person in enumerate(ranking[:depth], 1):
        if person in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


def reciprocal_rank(ranking: list[str], relevant: set[str], depth: int = DEPTH) -> float:
    for i, person in enumerate(ranking[:depth], 1):
        if person in relevant:
            return 1.0 / i
    return 0.0


def precision_at(ranking: list[str], relevant: set[str], k: int = 5) -> float:
    return sum(1 for p in ranking[:k] if p in relevant) / k


@dataclass
class Scores:
    method: str
    relevance: str
    queries: int
    map: float
    mrr: float
    p5: float
    p50_ms: float = 0.0


def measure(method: str, rankings: dict[str, list[str]], tests: list[TestQuestion], times: list[float]) -> list[Scores]:
    out = []
    for relevance in ("answered", "accepted"):
        judged = [(t, {t.accepted} if relevance == "accepted" else t.answerers) for t in tests
                  if relevance == "answered" or t.accepted]
        if not judged:
            continue
        n = len(judged)
        out.append(Scores(
            method, relevance, n,
            map=sum(average_precision(rankings[t.id], rel) for t, rel in judged) / n,
            mrr=sum(reciprocal_rank(rankings[t.id], rel) for t, rel in judged) / n,
            p5=sum(precision_at(rankings[t.id], rel) for t, rel in judged) / n,
            p50_ms=statistics.median(times) * 1000 if times else 0.0))
    return out


def _drop(network_id: int) -> None:
    from essaim.core.models import Activity, EventLog, Job, Network

    Job.objects.filter(network_id=network_id).delete()
    Activity.objects.filter(network_id=network_id).delete()
    EventLog.objects.filter(network_id=network_id).delete()
    Network.objects.filter(pk=network_id).delete()


def evaluate(directory, *, share: float = TEST_SHARE, methods=("essaim", "model2", "answers"), say=print,
             keep: bool = False, limit_questions: int | None = None) -> list[Scores]:
    from essaim.accounts.actions import do_create_network, do_create_user
    from essaim.importer.stackexchange import import_stackexchange

    from .ranking import find_experts

    directory = Path(directory)
    questions, answers = load(directory)
    cutoff, tests = split(questions, answers, share)
    if limit_questions:
        tests = tests[:limit_questions]
    stamp = int(time.time() * 1000)
    network = do_create_network(f"Experts evaluation {directory.name}", f"experts-eval-{stamp}")
    try:
        admin = do_create_user(network, email=f"eval-{stamp}@experts-eval.invalid", display_name="Evaluation",
                               is_admin=True)
        say(f"{len(questions):,} questions; history before {cutoff:%Y-%m-%d %H:%M} "
            f"({int(len(questions) * (1 - share)):,} questions), {len(tests):,} test questions with answers")
        started = time.monotonic()
        import_stackexchange(directory, network=network, community_name=directory.name[:80], until=cutoff,
                             progress=None)
        say(f"history imported and summarised in {time.monotonic() - started:.1f} s")
        results: list[Scores] = []
        for method in methods:
            rankings, times = {}, []
            for t in tests:
                began = time.perf_counter()
                found = find_experts(admin, t.text, limit=DEPTH, method=method)
                times.append(time.perf_counter() - began)
                rankings[t.id] = [e.user.source_id for e in found]
            results += measure(method, rankings, tests, times)
        return results
    finally:
        if keep:
            say(f"kept the network {network.slug}")
        else:
            _drop(network.id)


LABELS = {"essaim": "Essaim", "model2": "Model 2 (plain)", "answers": "Most answers"}


def table(results: list[Scores]) -> str:
    lines = []
    for relevance in ("answered", "accepted"):
        rows = [r for r in results if r.relevance == relevance]
        if not rows:
            continue
        title = ("relevant: the people who answered" if relevance == "answered"
                 else "relevant: the author of the accepted answer")
        lines.append(f"{title} ({rows[0].queries} questions)")
        lines.append(f"  {'method':<18} {'MAP':>6} {'MRR':>6} {'P@5':>6} {'p50 ms':>7}")
        for r in rows:
            lines.append(f"  {LABELS.get(r.method, r.method):<18} {r.map:6.3f} {r.mrr:6.3f} {r.p5:6.3f} "
                         f"{r.p50_ms:7.1f}")
    return "\n".join(lines)

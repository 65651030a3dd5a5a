"""Who knows about X: people ranked by what they did, as the viewer may see it.

The model is the document-centric "Model 2" of Balog, Azzopardi & de Rijke (SIGIR 2006):

    p(q | ca) = Σ over documents d of p(q | d) × p(d | ca)

Documents are people's contributions (questions, answers, posts, comments) found by the search
index among what the viewer may open (search.engine.best_documents, the same visibility filter as
every search), so evidence the viewer cannot open never counts. Two forms:

* "model2", the plain model, as published: p(q | d) a Jelinek-Mercer smoothed language model
  (λ = LAMBDA) of the document's own words, p(d | ca) = 1 / (documents of ca) for the author of d
  and a uniform prior p(ca). Kept as a baseline for `essaim experts eval`.

* "essaim", what people see. The same sum, with what a question-and-answer network knows:
  - p(q | d) is the document's BM25F relative to the best document found (search/ranking.py);
  - a question is evidence for the people who answered it (its text says what they know) as much
    as their answer's own words, and a little for its asker;
  - each answer counts for its quality: 1 + ACCEPTED if accepted + VOTES × ln(1 + score),
    halved when the score is negative; posts for their engagement;
  - recent contributions count more: 1 / (1 + age / RECENCY_DAYS) above a floor;
  - p(d | ca) is not divided by ca's number of documents: one relevant answer among a hundred
    is as much evidence as one among two; instead a prior (1 + answers)^PRIOR_POWER, over
    the answers in places the viewer may read (Expertise rows, kept by jobs), prefers people
    who answer;
  - declared skills matching the query add SKILL_WEIGHT × (1 + ln(1 + endorsements)) / 2
    to the normalised score, so a person can be found for what they declare, and endorsements
    rank them among those who declare the same.

The weights were chosen with `essaim experts eval` on the StackExchange dumps (docs/experts.md).
Deactivated people are never returned; the viewer's own contributions count like anyone's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import urlencode
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db.models import Count, Q, Sum
from django.utils import timezone

from essaim.accounts.access import is_member_of_network
from essaim.search import ranking as search_ranking
from essaim.search.engine import best_documents
from essaim.search.query import STOP_WORDS, Query, Term
from essaim.search.text import words

METHODS = ("essaim", "model2", "answers")
DOCUMENTS = 400  # documents retrieved per query
QUERY_WORDS = 16  # the most informative words of a long query
QUERY_WORDS_LOOKED_AT = 40
MAX_TEXT = 4_000
LAMBDA = 0.5
# Essaim's weights
THREAD = 1.0  # a matching question, for each of its answerers (times the answer's quality)
OWN = 1.0  # a matching answer, for its author
ASKER = 0.1  # a matching question, for its asker
POST = 0.5
COMMENT = 0.2
ACCEPTED = 1.0
VOTES = 0.5
RECENCY_FLOOR = 0.5
RECENCY_DAYS = 365.0
RECENT_DAYS = 60.0  # the prior's recent answers: an answer this much older counts 1/e as much
RECENT_WEIGHT = 3.0
EPOCH = datetime(2000, 1, 1, tzinfo=dt_timezone.utc)
SHARPNESS = 2.0  # p(q | d) ~ (bm25f / best) ** SHARPNESS
PRIOR_POWER = 1.0
TEXT_POWER = 0.5  # p(q | ca) ** TEXT_POWER × p(ca): the evidence, flattened, times the prior
SKILL_WEIGHT = 0.3
EVIDENCE = 3  # evidence items shown per person


@dataclass
class Evidence:
    kind: str  # answer, question, post, comment, skill
    id: int  # the object's id (the skill's for a skill)
    post_id: int | None  # the post or question it belongs to
    title: str
    url: str
    score: int = 0  # votes (answers and questions)
    accepted: bool = False
    date: datetime | None = None
    endorsements: int = 0  # skills
    weight: float = 0.0


@dataclass
class Expert:
    user: object
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    answers: int = 0  # in places the viewer may read
    accepted: int = 0


# ------------------------------------------------------------------ the query


def expert_query(text: str, network_id: int) -> tuple[Query, object]:
    """A query of the most informative words of `text` (a few words, or a whole question), and the
    index statistics of its words: its distinct words without stop words, the QUERY_WORDS rarest
    in the index among the first QUERY_WORDS_LOOKED_AT (words the index does not hold go last)."""
    seen: dict[str, None] = {}
    for w in words((text or "")[:MAX_TEXT]):
        if w not in STOP_WORDS and not w.isdigit():
            seen.setdefault(w, None)
        if len(seen) >= QUERY_WORDS_LOOKED_AT:
            break
    clauses = [[Term("word", (w,))] for w in seen]
    query = Query(clauses=clauses)
    if not clauses:
        return query, None
    stats = search_ranking.stats_for(network_id, query)  # one look-up serves the choice and the ranking
    if len(clauses) <= QUERY_WORDS:
        return query, stats
    scorer = search_ranking.Scorer(query, stats)
    ranked = sorted(((scorer.clause_df(c), i) for i, c in enumerate(clauses)), key=lambda x: (x[0] == 0, x))
    keep = sorted(i for _df, i in ranked[:QUERY_WORDS])
    return Query(clauses=[clauses[i] for i in keep]), stats


# ------------------------------------------------------------------ ranking


def _recency(when, now) -> float:
    age = max((now - when).total_seconds() / 86400.0, 0.0) if when else 0.0
    return RECENCY_FLOOR + (1 - RECENCY_FLOOR) / (1.0 + age / RECENCY_DAYS)


def answer_quality(score: int, accepted: bool) -> float:
    """How much an answer counts as evidence: accepted, voted up (halved when voted down)."""
    q = 1.0 + (ACCEPTED if accepted else 0.0) + VOTES * math.log1p(max(score, 0))
    return q / 2 if score < 0 else q


def _answers_of(question_ids, answer_ids) -> tuple[dict, dict]:
    """(answers of these questions: {question_id: [(answer_id, author_id, score, accepted, created_at)]},
    these answers: {answer_id: (score, accepted)}); deleted answers left out."""
    from essaim.questions.models import Answer

    by_question: dict[int, list] = {}
    own: dict[int, tuple] = {}
    if not question_ids and not answer_ids:
        return by_question, own
    rows = (Answer.objects.filter(Q(question_id__in=list(question_ids)) | Q(id__in=list(answer_ids)),
                                  deleted_at__isnull=True)
            .values_list("id", "question_id", "author_id", "score", "question__accepted_answer_id", "created_at"))
    for aid, qid, author, score, accepted_id, created in rows:
        accepted = accepted_id == aid
        if qid in question_ids:
            by_question.setdefault(qid, []).append((aid, author, score, accepted, created))
        if aid in answer_ids:
            own[aid] = (score, accepted)
    return by_question, own


def _url(kind: str, object_id: int, post_id: int | None) -> str:
    if kind == "answer":
        return f"/posts/{post_id}/#answer-{object_id}"
    if kind == "comment":
        return f"/posts/{post_id}/#comment-{object_id}"
    return f"/posts/{object_id}/"


class _Tally:
    def __init__(self):
        self.scores: dict[int, float] = {}
        self.evidence: dict[int, dict[tuple, Evidence]] = {}

    def add(self, user_id, weight: float, evidence: Evidence) -> None:
        if not user_id or weight <= 0:
            return
        self.scores[user_id] = self.scores.get(user_id, 0.0) + weight
        mine = self.evidence.setdefault(user_id, {})
        key = (evidence.kind, evidence.id)
        if key in mine:
            mine[key].weight += weight
        else:
            evidence.weight = weight
            mine[key] = evidence


def _essaim(rows, now) -> _Tally:
    tally = _Tally()
    if not rows:
        return tally
    best = max(r.text_score for r in rows) or 1.0
    questions = {r.object_id for r in rows if r.type == "question"}
    answers = {r.object_id for r in rows if r.type == "answer"}
    by_question, own = _answers_of(questions, answers)
    for r in rows:
        rel = (r.text_score / best) ** SHARPNESS
        if rel <= 0:
            continue
        recency = _recency(r.created_at, now)
        if r.type == "question":
            tally.add(r.author_id, rel * ASKER * recency,
                      Evidence("question", r.object_id, r.object_id, r.title, _url("question", r.object_id, None),
                               date=r.created_at))
            for aid, author, score, accepted, created in by_question.get(r.object_id, ()):
                tally.add(author, rel * THREAD * answer_quality(score, accepted) * _recency(created, now),
                          Evidence("answer", aid, r.object_id, r.title, _url("answer", aid, r.object_id), score=score,
                                   accepted=accepted, date=created))
        elif r.type == "answer":
            if r.object_id not in own:
                continue
            score, accepted = own[r.object_id]
            tally.add(r.author_id, rel * OWN * answer_quality(score, accepted) * recency,
                      Evidence("answer", r.object_id, r.post_id, r.title, _url("answer", r.object_id, r.post_id),
                               score=score, accepted=accepted, date=r.created_at))
        elif r.type == "post":
            tally.add(r.author_id, rel * POST * (1.0 + 0.3 * math.log1p(max(r.engagement, 0))) * recency,
                      Evidence("post", r.object_id, r.object_id, r.title, _url("post", r.object_id, None),
                               date=r.created_at))
        elif r.type == "comment":
            tally.add(r.author_id, rel * COMMENT * recency,
                      Evidence("comment", r.object_id, r.post_id, r.title, _url("comment", r.object_id, r.post_id),
                               date=r.created_at))
    return tally


def _model2(rows, query: Query, stats, documents: dict[int, int]) -> _Tally:
    """Balog's Model 2 as published: Jelinek-Mercer document models, p(d|ca) = 1/n(ca)."""
    tally = _Tally()
    if not rows:
        return tally
    total = max(stats.n * stats.avg_body, 1.0)
    log_p = []
    for r in rows:
        tokens = (r.title_terms + " " + r.terms).split()
        length = max(len(tokens), 1)
        counts: dict[str, int] = {}
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
        lp = 0.0
        for clause in query.clauses:
            term = clause[0]
            tf = search_ranking._term_tf(tokens, counts, term)
            df = search_ranking._term_df(stats, term)
            background = max(df, 0.5) / total
            lp += math.log((1 - LAMBDA) * tf / length + LAMBDA * background)
        log_p.append(lp)
    top = max(log_p)
    for r, lp in zip(rows, log_p):
        n = max(documents.get(r.author_id, 0), 1)
        tally.add(r.author_id, math.exp(lp - top) / n,
                  Evidence(r.type, r.object_id, r.post_id, r.title, _url(r.type, r.object_id, r.post_id),
                           date=r.created_at))
    return tally


def _prior(counts: dict | None) -> float:
    """p(ca): people who answer, and answered lately, are the likeliest to answer now."""
    if not counts:
        return 1.0
    return (1.0 + counts["answers"] + RECENT_WEIGHT * counts["recent"]) ** PRIOR_POWER


def _readable_summaries(viewer, community_ids=()):
    """Expertise rows of the places the viewer may read (of these communities among them)."""
    from .access import areas_visible_to
    from .models import Expertise

    qs = areas_visible_to(Expertise.objects.all(), viewer)
    return qs.filter(community_id__in=list(community_ids)) if community_ids else qs


def _place_counts(viewer, user_ids, community_ids=()) -> dict[int, dict]:
    """What each person did in the places the viewer may read (or in these communities)."""
    if not user_ids:
        return {}
    qs = _readable_summaries(viewer, community_ids).filter(user_id__in=list(user_ids))
    out: dict[int, dict] = {}
    rows = list(qs.values_list("user_id", "answers", "accepted", "questions", "posts", "comments", "answer_clock",
                               "last_answer_at"))
    latest = max((r[7] for r in rows if r[7] is not None), default=None)
    for user_id, answers, accepted, questions, posts, comments, clock, _last in rows:
        c = out.setdefault(user_id, {"answers": 0, "accepted": 0, "documents": 0, "recent": 0.0})
        c["answers"] += answers
        c["accepted"] += accepted
        c["documents"] += answers + questions + posts + comments
        c["recent"] += recent_answers(clock, latest)
    return out


def answer_clock(moment) -> float:
    """An answer's contribution to an Expertise row's answer_clock (its log-sum-exp)."""
    return (moment - EPOCH).total_seconds() / 86400.0 / RECENT_DAYS


def recent_answers(clock: float | None, moment) -> float:
    """About how many answers in the RECENT_DAYS before `moment` (exponentially decayed): from an
    Expertise row's answer_clock. The moment is the latest answer among the people compared, so
    that a quiet place's experts are compared among themselves, not with the calendar."""
    if clock is None or moment is None:
        return 0.0
    return math.exp(min(clock - answer_clock(moment), 50.0))


def _skills(viewer, query: Query, text: str) -> dict[int, list[Evidence]]:
    """People whose declared skills the query names: {user_id: [skill evidence]}."""
    from essaim.accounts.models import Skill, User

    from .models import Endorsement

    raw = [w for w in (text or "").lower().split() if w][:200]
    folded = [t.words[0] for c in query.clauses for t in c]
    names = set()
    for seq in (raw, folded):
        for n in (1, 2, 3):
            names.update(" ".join(seq[i:i + n])[:60] for i in range(len(seq) - n + 1))
    names = {n.strip(".,;:!?()[]\"'") for n in names if n}
    if not names:
        return {}
    skills = dict(Skill.objects.filter(network_id=viewer.network_id, name__in=sorted(names)[:500])
                  .values_list("id", "name"))
    if not skills:
        return {}
    holders = User.skills.through.objects.filter(skill_id__in=list(skills)).values_list("user_id", "skill_id")
    endorsed: dict[tuple, int] = {}
    for user_id, skill_id, n in (Endorsement.objects.filter(skill_id__in=list(skills), endorser__is_active=True)
                                 .values("user_id", "skill_id").annotate(n=Count("id"))
                                 .values_list("user_id", "skill_id", "n")):
        endorsed[(user_id, skill_id)] = n
    out: dict[int, list[Evidence]] = {}
    for user_id, skill_id in holders[:5_000]:
        out.setdefault(user_id, []).append(Evidence("skill", skill_id, None, skills[skill_id],
                                                    "/people/?" + urlencode({"skill": skills[skill_id]}),
                                                    endorsements=endorsed.get((user_id, skill_id), 0)))
    return out


def find_experts(viewer, text: str, *, community_ids=(), limit: int = 10, method: str = "essaim",
                 exclude=()) -> list[Expert]:
    """The people who know most about `text`, best first, as the viewer may see it."""
    from essaim.accounts.models import User

    if method not in METHODS:
        raise ValueError(method)
    if not is_member_of_network(viewer):
        return []
    now = timezone.now()
    if method == "answers":
        return _most_answers(viewer, community_ids=community_ids, limit=limit, exclude=exclude)
    query, stats = expert_query(text, viewer.network_id)
    rows = (best_documents(viewer, query, community_ids=community_ids, limit=DOCUMENTS, stats=stats)
            if query.has_text else [])
    if method == "model2":
        counts = _place_counts(viewer, {r.author_id for r in rows}, community_ids)
        tally = _model2(rows, query, stats, {u: c["documents"] for u, c in counts.items()})
        scores = dict(tally.scores)
        skills: dict = {}
    else:
        tally = _essaim(rows, now)
        counts = _place_counts(viewer, set(tally.scores), community_ids)
        scores = {u: s ** TEXT_POWER * _prior(counts.get(u)) for u, s in tally.scores.items()}
        top = max(scores.values(), default=0.0) or 1.0
        scores = {u: s / top for u, s in scores.items()}
        skills = _skills(viewer, query, text) if query.has_text else {}
        for user_id, items in skills.items():
            bonus = sum(SKILL_WEIGHT * (1 + math.log1p(e.endorsements)) / 2 for e in items)
            scores[user_id] = scores.get(user_id, 0.0) + bonus
    excluded = {int(e) for e in exclude}
    ranked = sorted(((s, u) for u, s in scores.items() if u not in excluded and s > 0), key=lambda x: (-x[0], x[1]))
    wanted = [u for _s, u in ranked[:max(limit * 3, limit + 20)]]
    users = (User.objects.filter(id__in=wanted, network_id=viewer.network_id, is_active=True)
             .select_related("organization").prefetch_related("skills").in_bulk())
    out = []
    for s, u in ranked:
        if len(out) >= limit:
            break
        if u not in users:
            continue
        items = sorted(tally.evidence.get(u, {}).values(), key=lambda e: -e.weight)[:EVIDENCE]
        items += skills.get(u, [])
        c = counts.get(u, {})
        out.append(Expert(user=users[u], score=round(s, 6), evidence=items, answers=c.get("answers", 0),
                          accepted=c.get("accepted", 0)))
    return out


def _most_answers(viewer, *, community_ids=(), limit: int = 10, exclude=()) -> list[Expert]:
    """The baseline: people by how many answers they wrote (in the places the viewer may read)."""
    from essaim.accounts.models import User

    qs = _readable_summaries(viewer, community_ids).filter(user__is_active=True).exclude(user_id__in=list(exclude))
    top = list(qs.values("user_id").annotate(n=Sum("answers"), a=Sum("accepted")).filter(n__gt=0)
               .order_by("-n", "user_id")[:limit])
    users = User.objects.select_related("organization").prefetch_related("skills").in_bulk(
        [t["user_id"] for t in top])
    return [Expert(user=users[t["user_id"]], score=float(t["n"]), answers=t["n"], accepted=t["a"]) for t in top]

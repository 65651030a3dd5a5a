"""Measuring search quality: judged queries, ranking metrics, and a plain BM25 baseline.

    build_queries(dump_dir) -> [{"query", "relevant", "exclude"}]    from a StackExchange dump
    evaluate(queries, viewer=..., community=...) -> Report             Essaim (and BM25) metrics

The judged query set comes from a dump's PostLinks.xml: every question that links to other
questions (the PostId of a link) gives one query, its title; the question it duplicates
(LinkTypeId=3) has grade 2, the questions it is related to (LinkTypeId=1) grade 1, and the question
itself is excluded from the ranking (it would trivially match its own title). Only links whose
both ends are questions of the dump count.

Metrics, per query then averaged over the queries:

    nDCG@10     gains 2^grade - 1, discounts 1 / log2(rank + 1), ideal from the judged grades
    MRR@10      1 / rank of the first result with grade >= 1 (0 when none in the first 10)
    Recall@100  judged results with grade >= 1 found in the first 100 / judged results with grade >= 1
    latency     p50 and p95 of the wall time of each search() call, in milliseconds

The baseline is Okapi BM25 (the `bm25s` package, optional extra "eval") over the title and the body
of the same imported questions (one community), with its built-in tokenizer, English stop words
and the Snowball English stemmer (snowballstemmer, already a dependency).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

K_NDCG = 10
K_MRR = 10
K_RECALL = 100
DUPLICATE, RELATED = "3", "1"


# ------------------------------------------------------------------ metrics


def dcg(gains: Iterable[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranking: Sequence[str], relevant: dict[str, int], k: int = K_NDCG) -> float:
    """Graded nDCG@k: gains 2^grade - 1; the ideal ranking orders all judged grades."""
    ideal = dcg(sorted((2 ** g - 1 for g in relevant.values() if g > 0), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg(2 ** relevant.get(doc, 0) - 1 for doc in ranking[:k]) / ideal


def mrr_at(ranking: Sequence[str], relevant: dict[str, int], k: int = K_MRR) -> float:
    for i, doc in enumerate(ranking[:k]):
        if relevant.get(doc, 0) >= 1:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranking: Sequence[str], relevant: dict[str, int], k: int = K_RECALL) -> float:
    wanted = {doc for doc, g in relevant.items() if g >= 1}
    if not wanted:
        return 0.0
    return len(wanted & set(ranking[:k])) / len(wanted)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of the values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# ------------------------------------------------------------------ the judged query set


def build_queries(directory) -> list[dict]:
    """Judged queries from a dump folder's Posts.xml and PostLinks.xml (see the module docstring)."""
    from essaim.importer.stackexchange import iter_rows as _rows

    directory = Path(directory)
    for name in ("Posts.xml", "PostLinks.xml"):
        if not (directory / name).is_file():
            raise FileNotFoundError(f"{directory / name} is missing")
    titles = {row["Id"]: " ".join((row.get("Title") or "").split())
              for row in _rows(directory / "Posts.xml") if row.get("PostTypeId") == "1" and row.get("Id")}
    judged: dict[str, dict[str, int]] = {}
    for row in _rows(directory / "PostLinks.xml"):
        source, target, kind = row.get("PostId"), row.get("RelatedPostId"), row.get("LinkTypeId")
        if kind not in (DUPLICATE, RELATED) or source == target:
            continue
        if source not in titles or target not in titles or not titles[source]:
            continue
        grade = 2 if kind == DUPLICATE else 1
        grades = judged.setdefault(source, {})
        grades[target] = max(grades.get(target, 0), grade)
    return [{"query": titles[source], "relevant": judged[source], "exclude": [source]}
            for source in sorted(judged, key=lambda s: (len(s), s))]


def write_queries(queries: list[dict], out) -> None:
    with open(out, "w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")


def read_queries(path) -> list[dict]:
    """The JSON lines of a query file, checked: {"query": str, "relevant": {id: grade}, "exclude"?: [id]}."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                query = item["query"]
                relevant = {str(k): int(v) for k, v in item["relevant"].items()}
                exclude = [str(x) for x in item.get("exclude") or []]
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path}:{n}: not a judged query ({exc})") from None
            if not isinstance(query, str) or not query.strip():
                raise ValueError(f"{path}:{n}: the query is empty")
            out.append({"query": query, "relevant": relevant, "exclude": exclude})
    return out


# ------------------------------------------------------------------ running a ranker


@dataclass
class EngineReport:
    name: str
    ndcg: float = 0.0
    mrr: float = 0.0
    recall: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    queries: int = 0
    depth: int = K_RECALL
    per_query: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ndcg@10": round(self.ndcg, 4), "mrr@10": round(self.mrr, 4), f"recall@{self.depth}": round(self.recall, 4),
                "latency_p50_ms": round(self.p50_ms, 2), "latency_p95_ms": round(self.p95_ms, 2),
                "queries": self.queries}


def run_ranker(name: str, queries: list[dict], rank: Callable[[str, int], tuple[list[str], list[float]]], *,
               depth: int = K_RECALL) -> EngineReport:
    """rank(query, depth) -> (source ids best first, the wall times of the calls in seconds)."""
    report = EngineReport(name=name, queries=len(queries), depth=depth)
    times: list[float] = []
    for q in queries:
        exclude = set(q["exclude"])
        ids, call_times = rank(q["query"], depth)
        times.extend(call_times)
        seen: set[str] = set()
        ranking = []
        for doc in ids:
            if doc not in exclude and doc not in seen:
                seen.add(doc)
                ranking.append(doc)
        ranking = ranking[:depth]
        scores = (ndcg_at(ranking, q["relevant"]), mrr_at(ranking, q["relevant"]), recall_at(ranking, q["relevant"], depth))
        report.per_query.append({"query": q["query"], "ndcg@10": scores[0], "mrr@10": scores[1],
                                 "recall": scores[2], "top": ranking[:10]})
    n = max(1, len(queries))
    report.ndcg = sum(p["ndcg@10"] for p in report.per_query) / n
    report.mrr = sum(p["mrr@10"] for p in report.per_query) / n
    report.recall = sum(p["recall"] for p in report.per_query) / n
    report.p50_ms = percentile(times, 50) * 1000
    report.p95_ms = percentile(times, 95) * 1000
    return report


def essaim_ranker(viewer, community=None) -> Callable[[str, int], tuple[list[str], list[float]]]:
    """Essaim's search() as `viewer`, questions only (of one community when given), paged by 100."""
    from essaim.core.pagination import MAX_LIMIT

    from .engine import search

    def rank(query: str, depth: int):
        ids, times, cursor = [], [], None
        while len(ids) < depth:
            started = time.perf_counter()
            page = search(viewer, query, type="question", community=community.id if community else None,
                          cursor=cursor, limit=min(MAX_LIMIT, depth - len(ids)))
            times.append(time.perf_counter() - started)
            ids.extend(r.source_id for r in page.results)
            cursor = page.next_cursor
            if not cursor:
                break
        return ids, times
    return rank


def corpus_of(network, community=None) -> tuple[list[str], list[str]]:
    """(source ids, title + body text) of the imported questions (of one community when given)."""
    from essaim.stream.models import Post

    from .indexing import plain

    posts = Post.objects.filter(network=network, kind="question", deleted_at__isnull=True).exclude(source_id="")
    if community is not None:
        posts = posts.filter(community=community)
    ids, texts = [], []
    for sid, title, html in posts.order_by("id").values_list("source_id", "title", "html").iterator(chunk_size=500):
        ids.append(sid)
        texts.append(f"{title or ''}\n{plain(html)}")
    return ids, texts


def bm25_ranker(ids: list[str], texts: list[str]) -> Callable[[str, int], tuple[list[str], list[float]]]:
    """Plain Okapi BM25 (bm25s) over the texts; raises RuntimeError when bm25s is not installed."""
    try:
        import bm25s
    except ImportError:
        raise RuntimeError("the BM25 baseline needs the bm25s package: pip install -e '.[eval]'") from None
    import snowballstemmer

    stemmer = snowballstemmer.stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)

    def rank(query: str, depth: int):
        started = time.perf_counter()
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False)
        if not tokens[0] or not ids:  # only stop words: nothing to rank
            return [], [time.perf_counter() - started]
        docs, scores = retriever.retrieve(tokens, k=min(depth, len(ids)), show_progress=False)
        elapsed = time.perf_counter() - started
        return [ids[int(d)] for d, s in zip(docs[0], scores[0]) if s > 0], [elapsed]
    return rank


# ------------------------------------------------------------------ one run


class EvaluationError(Exception):
    """Something the operator can fix (unknown person, ambiguous community): one clear line."""


def viewer_for(network, email: str | None = None):
    """The person searching: `email` (active, in the network), else the first active administrator."""
    from essaim.accounts.models import User

    people = User.objects.filter(network=network, is_active=True)
    if email:
        viewer = people.filter(email__iexact=email.strip()).first()
        if viewer is None:
            raise EvaluationError(f"no active person with the e-mail address {email} in the network {network.name}")
        return viewer
    viewer = people.filter(is_admin=True).order_by("id").first()
    if viewer is None:
        raise EvaluationError("the network has no active administrator: use --as EMAIL")
    return viewer


def community_for(network, name: str | None = None):
    """The community whose imported questions are ranked: `name` (name or slug), else the only
    community holding imported questions."""
    from essaim.communities.models import Community
    from essaim.stream.models import Post

    communities = Community.objects.filter(network=network)
    if name:
        found = (communities.filter(slug=name.strip().lower()).first()
                 or communities.filter(name__iexact=name.strip()).first())
        if found is None:
            raise EvaluationError(f"no community {name} in the network {network.name}")
        return found
    ids = list(Post.objects.filter(network=network, kind="question").exclude(source_id="")
               .values_list("community_id", flat=True).distinct()[:2])
    if len(ids) != 1:
        raise EvaluationError("no imported questions in the network" if not ids
                              else "imported questions are in several communities: use --community NAME")
    return communities.get(id=ids[0])


def evaluate(queries: list[dict], *, viewer, community, depth: int = K_RECALL,
             baseline: bool = False) -> list[EngineReport]:
    """Essaim's search (and the BM25 baseline) on the judged queries."""
    reports = [run_ranker("essaim", queries, essaim_ranker(viewer, community), depth=depth)]
    if baseline:
        ids, texts = corpus_of(viewer.network, community)
        reports.append(run_ranker("bm25", queries, bm25_ranker(ids, texts), depth=depth))
    return reports


# ------------------------------------------------------------------ output


def table(reports: list[EngineReport], title: str = "") -> str:
    depth = reports[0].depth if reports else K_RECALL
    head = ["engine", "queries", "nDCG@10", "MRR@10", f"Recall@{depth}", "p50 ms", "p95 ms"]
    rows = [[r.name, str(r.queries), f"{r.ndcg:.3f}", f"{r.mrr:.3f}", f"{r.recall:.3f}",
             f"{r.p50_ms:.1f}", f"{r.p95_ms:.1f}"] for r in reports]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    out = [title] if title else []
    out += [line(head), line(["-" * w for w in widths])] + [line(r) for r in rows]
    return "\n".join(out)

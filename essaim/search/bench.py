"""Search latency at scale (`essaim bench --only search [--corpus N]`).

The network is first topped up to N posts and questions (200,000 by default; imported ones count)
with generated posts in an open community "Bench corpus": French and English text drawn from a
Zipf vocabulary (real words first, then made-up ones for the long tail), dated over three years,
written through the bulk action and indexed by the jobs it queues, run at once in batches.
Generating is done once: a second run finds the posts there. Then a real server answers
GET /api/v1/search for concurrent clients over a mix of rare, medium and common terms, two-word
queries, long natural-language questions and a newest-first sort, and the latency per kind of
query is reported.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

COMMON = ("projet", "équipe", "client", "réunion", "budget", "team", "meeting", "project", "report", "service",
          "données", "process", "formation", "planning", "customer", "release", "contrat", "support")
REAL = COMMON + (
    "déploiement", "facture", "devis", "stratégie", "marketing", "sécurité", "serveur", "migration", "rapport",
    "objectif", "trimestre", "recrutement", "onboarding", "roadmap", "feedback", "dashboard", "pipeline",
    "incident", "astreinte", "congés", "télétravail", "bureau", "fournisseur", "partenaire", "commande", "livraison",
    "qualité", "audit", "conformité", "juridique", "achats", "logistique", "entrepôt", "inventaire", "prototype",
    "maquette", "design", "accessibility", "performance", "latency", "database", "backup", "network", "firewall",
    "invoice", "quote", "strategy", "security", "server", "quarter", "hiring", "office", "supplier", "partner",
    "order", "delivery", "quality", "compliance", "legal", "purchasing", "warehouse", "inventory", "mockup",
    "développeurs", "développement", "developers", "running", "testing", "analyse", "analysis", "tableau",
    "présentation", "presentation", "workshop", "atelier", "séminaire", "conference", "webinar", "newsletter",
)
FILLER_FR = ("le", "la", "les", "de", "des", "du", "et", "pour", "avec", "dans", "sur", "une", "un", "est")
FILLER_EN = ("the", "of", "and", "for", "with", "in", "on", "a", "is", "to", "this", "that")
VOCABULARY = 30_000
SYLLABLES = ("ba", "ko", "ri", "mu", "ne", "sa", "to", "vi", "la", "po", "de", "fi", "gu", "ze", "lo", "ka")


def vocabulary() -> list[str]:
    """Real words first (the frequent ranks), then made-up words for the long tail."""
    words = list(REAL)
    n = 0
    while len(words) < VOCABULARY:
        k, parts = n, []
        for _ in range(4):
            parts.append(SYLLABLES[k % len(SYLLABLES)])
            k //= len(SYLLABLES)
        words.append("".join(parts) + ("r" if n % 3 == 0 else "n" if n % 3 == 1 else "x"))
        n += 1
    return words


def _cumulative(size: int, exponent: float = 1.07) -> list[float]:
    out, total = [], 0.0
    for rank in range(1, size + 1):
        total += 1.0 / rank ** exponent
        out.append(total)
    return out


def body(rng: random.Random, words: list[str], cum: list[float]) -> str:
    filler = FILLER_FR if rng.random() < 0.5 else FILLER_EN
    content = rng.choices(words, cum_weights=cum, k=rng.randint(12, 60))
    out = []
    for w in content:
        out.append(w)
        if rng.random() < 0.35:
            out.append(rng.choice(filler))
    return " ".join(out).capitalize() + "."


def ensure_corpus(target: int, *, seed: int = 20261126, say=print) -> dict:
    """Top the first network up to `target` posts and questions; returns what was there and made."""
    from django.utils import timezone

    from essaim.bench import bench_network
    from essaim.communities import actions as communities
    from essaim.communities.models import Community
    from essaim.stream import actions as stream
    from essaim.stream.models import Post

    from .jobs import run_in_bulk

    network, admin = bench_network()
    existing = Post.objects.filter(network=network, deleted_at__isnull=True).count()
    missing = max(0, target - existing)
    started = time.perf_counter()
    if missing:
        community = Community.objects.filter(network=network, slug="bench-corpus").first()
        if community is None:
            community = communities.do_create_community(admin, name="Bench corpus", visibility="open",
                                                        slug="bench-corpus")
        rng = random.Random(seed + existing)
        words, cum = vocabulary(), _cumulative(VOCABULARY)
        now = timezone.now()
        made = 0
        while made < missing:
            n = min(10_000, missing - made)
            batch = [(body(rng, words, cum), now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60)))
                     for _ in range(n)]
            stream.do_bulk_create_posts(admin, batch, community=community)
            run_in_bulk()  # index them now, in batches
            made += n
            say(f"  generated {existing + made:,} / {target:,} posts ({time.perf_counter() - started:.0f} s)")
        from essaim.bench import refresh_planner_statistics

        refresh_planner_statistics()
    return {"existing": existing, "generated": missing, "seconds": time.perf_counter() - started,
            "network_id": network.id, "admin_id": admin.id}


KINDS = ("rare", "medium", "common", "two words", "long question", "newest first")


def queries(rng: random.Random, n: int, *, kinds=KINDS, limit: int = 20) -> list[tuple[str, dict]]:
    """(kind, parameters) of the measured mix, the kinds in turn."""
    words = vocabulary()
    medium = words[len(REAL):len(REAL) + 400]  # ranks ~100-500 of the Zipf draw
    rare = words[15_000:]
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        if kind == "rare":
            q = rng.choice(rare)
        elif kind == "medium":
            q = rng.choice(medium)
        elif kind == "two words":
            q = f"{rng.choice(COMMON)} {rng.choice(medium)}"
        elif kind == "long question":
            q = (f"comment organiser {rng.choice(REAL)} {rng.choice(medium)} pour {rng.choice(COMMON)} "
                 f"avec {rng.choice(REAL)} et {rng.choice(rare)} ?")
        else:  # common, newest first
            q = rng.choice(COMMON)
        params = {"q": q, "limit": limit}
        if kind == "newest first":
            params["sort"] = "date"
        out.append((kind, params))
    return out


def measure_search(*, corpus: int = 200_000, concurrency: int = 10, requests: int = 600, warmup: int = 30,
                   workers: int = 1, say=print) -> dict:
    from essaim.accounts.models import User
    from essaim.bench import measure_endpoint

    made = ensure_corpus(corpus, say=say)
    measured = measure_endpoint(User.objects.get(id=made["admin_id"]), "/api/v1/search", queries, requests=requests,
                                warmup=warmup, concurrency=concurrency, workers=workers)
    return {"posts": made["existing"] + made["generated"], "generated": made["generated"],
            "generation_s": made["seconds"], "concurrency": concurrency, "workers": workers, **measured}

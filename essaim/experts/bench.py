"""Expert-finding latency at scale (`essaim bench --only experts [--people N] [--corpus M]`).

The first network is topped up to N people (200,000 by default) through the bulk action, and to
M posts in All company (200,000 by default) written by them, Zipf-distributed (a few people write
much, most little), with the search corpus's French and English vocabulary; the jobs they queue
(search index, expertise summaries) run at once in batches. Generating is done once. Then a real
server answers GET /api/v1/experts for concurrent clients over rare, medium and common words,
two-word queries and whole questions.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from essaim.bench import bench_network, refresh_planner_statistics
from essaim.search.bench import KINDS, VOCABULARY, _cumulative, body, vocabulary
from essaim.search.bench import queries as search_queries

AUTHORS = 50_000  # people who write (the others only read)


def ensure_people(target: int, *, say=print) -> dict:
    from essaim.accounts.actions import do_bulk_create_people
    from essaim.accounts.models import User
    from essaim.search.jobs import run_in_bulk as index

    network, _admin = bench_network()
    existing = User.objects.filter(network=network, is_active=True).count()
    missing = max(0, target - existing)
    started = time.perf_counter()
    first = User.objects.filter(network=network, handle__startswith="bench-person-").count()
    made = 0
    while made < missing:
        n = min(10_000, missing - made)
        do_bulk_create_people(network, [(f"Bench Person {first + made + i}", f"bench-person-{first + made + i}")
                                        for i in range(n)])
        index()
        made += n
        say(f"  generated {existing + made:,} / {target:,} people ({time.perf_counter() - started:.0f} s)")
    return {"existing": existing, "generated": missing, "seconds": time.perf_counter() - started}


def ensure_contributions(target: int, *, seed: int = 20261127, say=print) -> dict:
    """Top All company up to `target` posts written by the bench people (Zipf over AUTHORS)."""
    from django.utils import timezone

    from essaim.accounts.models import User
    from essaim.search.jobs import run_in_bulk as index
    from essaim.stream import actions as stream
    from essaim.stream.models import Post

    from .jobs import run_in_bulk as summarise

    network, admin = bench_network()
    existing = Post.objects.filter(network=network, community__isnull=True, deleted_at__isnull=True).count()
    missing = max(0, target - existing)
    started = time.perf_counter()
    if missing:
        authors = list(User.objects.filter(network=network, handle__startswith="bench-person-", is_active=True)
                       .order_by("id")[:AUTHORS])
        if not authors:
            raise SystemExit("no bench people to write: run with --people first")
        rng = random.Random(seed + existing)
        words, cum = vocabulary(), _cumulative(VOCABULARY)
        people_cum = _cumulative(len(authors), 1.0)
        now = timezone.now()
        made = 0
        while made < missing:
            n = min(10_000, missing - made)
            who = rng.choices(authors, cum_weights=people_cum, k=n)
            stream.do_bulk_create_posts(admin, [
                (body(rng, words, cum), now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60)), w) for w in who])
            index()
            summarise()
            made += n
            say(f"  generated {existing + made:,} / {target:,} posts by {len(authors):,} people "
                f"({time.perf_counter() - started:.0f} s)")
        refresh_planner_statistics()
    return {"existing": existing, "generated": missing, "seconds": time.perf_counter() - started,
            "admin_id": admin.id}


def queries(rng: random.Random, n: int) -> list[tuple[str, dict]]:
    return search_queries(rng, n, kinds=KINDS[:5], limit=10)  # newest first is for search only


def measure_experts(*, people: int = 200_000, corpus: int = 200_000, concurrency: int = 10, requests: int = 500,
                    warmup: int = 25, workers: int = 1, say=print) -> dict:
    from essaim.accounts.models import User
    from essaim.bench import measure_endpoint

    made_people = ensure_people(people, say=say)
    made = ensure_contributions(corpus, say=say)
    measured = measure_endpoint(User.objects.get(id=made["admin_id"]), "/api/v1/experts", queries,
                                requests=requests, warmup=warmup, concurrency=concurrency, workers=workers)
    return {"people": made_people["existing"] + made_people["generated"], "posts": made["existing"] + made["generated"],
            "generation_s": made_people["seconds"] + made["seconds"], "concurrency": concurrency, "workers": workers,
            **measured}

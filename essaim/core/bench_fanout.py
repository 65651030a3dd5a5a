"""`essaim bench --only fanout [--people N]`: what fan-out on write would cost here, to weigh it against
reading feeds on demand (docs/scale.md).

Fan-out on write copies every post into the timeline of each member of its audience. This measure
writes one post's timeline rows for an audience of N people (200,000 by default: an All company
post at tier L) into a throwaway table shaped as such a timeline would be (person, time, post;
primary key in that order so that a timeline page is an index range), through the database, and
into per-person Redis sorted sets (ZADD + ZREMRANGEBYRANK to keep 800 entries, pipelined) when
ESSAIM_REDIS_URL is set. Nothing of Essaim's data is touched; the table and keys are dropped.
"""

from __future__ import annotations

import time


def measure_fanout(audience: int = 200_000, posts: int = 3) -> dict:
    from django.db import connection, transaction

    results: dict = {"audience": audience, "posts": posts, "database": connection.vendor}
    seconds = []
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_timeline")
        c.execute("CREATE TABLE bench_timeline (person_id bigint NOT NULL, created_at timestamp NOT NULL, "
                  "post_id bigint NOT NULL, PRIMARY KEY (person_id, created_at, post_id))")
        try:
            for post in range(1, posts + 1):
                started = time.perf_counter()
                with transaction.atomic():
                    if connection.vendor == "postgresql":
                        c.execute("INSERT INTO bench_timeline SELECT p, now(), %s FROM generate_series(1, %s) p",
                                  [post, audience])
                    else:
                        c.execute("WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < %s) "
                                  "INSERT INTO bench_timeline SELECT n, datetime('now'), %s FROM p", [audience, post])
                seconds.append(time.perf_counter() - started)
        finally:
            c.execute("DROP TABLE IF EXISTS bench_timeline")
    results["table_seconds_per_post"] = round(sum(seconds) / len(seconds), 3)
    results["table_rows_per_s"] = round(audience / (sum(seconds) / len(seconds)))
    from django.conf import settings

    if settings.ESSAIM_REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.ESSAIM_REDIS_URL)
        seconds = []
        try:
            for post in range(1, posts + 1):
                started = time.perf_counter()
                for start in range(0, audience, 5000):
                    pipe = client.pipeline(transaction=False)
                    for person in range(start, min(audience, start + 5000)):
                        key = f"essaim:bench:timeline:{person}"
                        pipe.zadd(key, {post: time.time()})
                        pipe.zremrangebyrank(key, 0, -801)
                    pipe.execute()
                seconds.append(time.perf_counter() - started)
        finally:
            for start in range(0, audience, 5000):
                client.delete(*[f"essaim:bench:timeline:{p}" for p in range(start, min(audience, start + 5000))])
        results["redis_seconds_per_post"] = round(sum(seconds) / len(seconds), 3)
        results["redis_entries_per_s"] = round(audience / (sum(seconds) / len(seconds)))
    return results

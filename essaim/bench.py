"""`essaim bench`: measure what users feel, on the data that is there (load `essaim demo` first).

- queries: SQL queries per feed page (home, community, profile, topic, All company; API), for a
  page of 1 and a full page of 20, which must be equal.
- feed: home-feed API latency (p50, p95, p99) at N concurrent clients against a real server
  process started on a free loopback port with the same settings as `essaim serve`.
- events (only with --only events): live delivery through Redis with two web processes
  (essaim.core.bench_events).
- search (only with --only search): search API latency over rare, medium and common terms once the
  network holds --corpus posts (generated to top it up: essaim.search.bench)
- experts (only with --only experts): expert-finding API latency once the network holds --people
  people and --corpus All company posts written by them (essaim.experts.bench)
- digest (only with --only digest): the digest e-mails of N people (--people) in a throwaway
  network, through an SMTP sink on a free loopback port (essaim.notifications.bench).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, *args: str, **env: str) -> subprocess.Popen:
    """`essaim serve` on a free loopback port with this environment (plus `env`), once it answers.
    Its error output goes to a temporary file (`server.log`, read by server_log()): a pipe nobody
    reads would fill up and stall the server."""
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [sys.executable, "-m", "essaim.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env=dict(os.environ, ESSAIM_SECURE_COOKIES="0", **env), stdout=subprocess.DEVNULL, stderr=log)
    server.log = log
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit("the server did not start: " + server_log(server))
        time.sleep(0.2)


def server_log(server: subprocess.Popen, tail: int = 2000) -> str:
    """The end of what a server started by start_server() wrote on its error output."""
    server.log.seek(0)
    return server.log.read().decode(errors="replace")[-tail:]


def _pick_reader():
    """The demo person who belongs to the most communities (the heaviest home feed)."""
    from django.db.models import Count

    from essaim.accounts.models import User

    return (User.objects.filter(is_active=True).annotate(n=Count("memberships")).order_by("-n", "id").first())


def measure_queries() -> list[tuple[str, int, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from essaim.communities.models import Membership
    from essaim.core.middleware import network_for_host
    from essaim.stream.models import PostTopic

    reader = _pick_reader()
    if reader is None:
        raise SystemExit("No people yet: run `essaim demo` first.")
    community_id = Membership.objects.filter(user=reader).values_list("community_id", flat=True).first()
    topic = PostTopic.objects.filter(post__network_id=reader.network_id).values_list("topic__name", flat=True).first()
    host = reader.network.domain or "127.0.0.1"
    network_for_host(host)
    client = Client(HTTP_HOST=host)
    client.force_login(reader)
    paths = {
        "home": "/api/v1/feed",
        "all company": "/api/v1/feed/all",
        "community": f"/api/v1/communities/{community_id}/feed",
        "profile": f"/api/v1/users/{reader.id}/feed",
        "topic": f"/api/v1/topics/{topic}/feed",
        "home page (HTML)": "/",
    }
    rows = []
    for name, path in paths.items():
        counts = []
        for limit in (1, 20):
            sep = "&" if "?" in path else "?"
            url = path if path == "/" else f"{path}{sep}limit={limit}"
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            counts.append(len(ctx.captured_queries))
        rows.append((name, counts[0], counts[1]))
    return rows


def _make_token() -> str:
    from essaim.accounts.actions import do_create_token

    reader = _pick_reader()
    _token, raw = do_create_token(reader, scopes=["read"], name="bench", acting_user=reader)
    return raw


def timed_get(conn, path: str, headers: dict) -> float:
    """One GET on a kept-alive connection: its wall time in seconds (an error for any status but 200)."""
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"status {response.status}: {body[:200]!r}")
    return time.perf_counter() - start


def drive(port: int, paths: list, headers: dict, concurrency: int) -> tuple[dict, list[str], float]:
    """GET every (label, path) of `paths` from `concurrency` clients with kept-alive connections:
    ({label: [seconds, ...]}, errors, elapsed seconds)."""
    latencies: dict = {}
    errors: list[str] = []
    lock = threading.Lock()
    pending = list(reversed(paths))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not pending:
                    break
                label, path = pending.pop()
            try:
                took = timed_get(conn, path, headers)
                with lock:
                    latencies.setdefault(label, []).append(took)
            except Exception as exc:  # counted, reported
                with lock:
                    errors.append(str(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - started


def refresh_planner_statistics(*, vacuum: bool = False) -> None:
    """After generating data in bulk: PostgreSQL's planner statistics, as autovacuum would refresh
    them soon after (until then, plans made for an empty table walk whole indexes). `vacuum`, at
    the end, outside a transaction: VACUUM as well, as autovacuum would soon after millions of
    new rows (then during the first measures): index-only scans see which pages are settled."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("VACUUM (ANALYZE)" if vacuum and not connection.in_atomic_block else "ANALYZE")


def latency_summary(values: list[float]) -> dict:
    """Request count and p50/p95/p99/mean in milliseconds of latencies in seconds."""
    values = sorted(values)
    pct = lambda p: values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else float("nan")  # noqa: E731
    return {"requests": len(values), "p50_ms": pct(0.5), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "mean_ms": statistics.fmean(values) * 1000 if values else float("nan")}


def bench_network():
    """(the first network, its first active administrator): where the generated measures write."""
    from essaim.accounts.models import User
    from essaim.core.models import Network

    network = Network.objects.order_by("id").first()
    if network is None:
        raise SystemExit("there is no network yet: run `essaim demo` or `essaim createadmin` first.")
    admin = User.objects.filter(network=network, is_admin=True, is_active=True).order_by("id").first()
    if admin is None:
        raise SystemExit("the network has no active administrator: run `essaim createadmin` first.")
    return network, admin


def measure_endpoint(admin, endpoint: str, mix, *, requests: int, warmup: int, concurrency: int,
                     workers: int = 1) -> dict:
    """GET `endpoint` with the query parameters of `mix(rng, n)` -> [(kind, params)], as `admin`
    (a read token made for the run), against a real server: warmed with `warmup` requests, then
    `requests` from `concurrency` clients. {"all": summary, "by_kind": {kind: summary},
    "throughput_rps", "errors", "first_error"}."""
    import random
    from urllib.parse import urlencode

    from essaim.accounts.actions import do_create_token

    _token, raw = do_create_token(admin, scopes=["read"], name=f"bench {endpoint}", acting_user=admin)
    headers = {"Authorization": f"Bearer {raw}", "Host": "127.0.0.1"}
    path = lambda params: f"{endpoint}?{urlencode(params)}"  # noqa: E731
    port = _free_port()
    # No job runner in the measured server: whatever the bench wrote was processed beforehand, and
    # periodic jobs (a digest for every generated person) must not run inside the measurement.
    server = start_server(port, "--workers", str(workers), ESSAIM_JOBS="worker")
    try:
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _kind, params in mix(random.Random(3), warmup):
            timed_get(warm, path(params), headers)
        warm.close()
        latencies, errors, elapsed = drive(port, [(kind, path(params)) for kind, params in mix(random.Random(7),
                                                                                                requests)],
                                           headers, concurrency)
        if errors:
            errors[0] += "\n  server log: " + server_log(server).replace("\n", "\n  ")
    finally:
        stop_server(server)
    every = [v for vs in latencies.values() for v in vs]
    return {"errors": len(errors), "first_error": errors[0] if errors else None,
            "throughput_rps": len(every) / elapsed if elapsed else 0.0, "all": latency_summary(every),
            "by_kind": {k: latency_summary(v) for k, v in sorted(latencies.items())}}


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def measure_feed(concurrency: int = 50, requests: int = 1000, warmup: int = 50, workers: int = 1,
                 wsgi: bool = False) -> dict:
    token = _make_token()
    port = _free_port()
    server = start_server(port, "--workers", str(workers), *(["--wsgi"] if wsgi else []))
    try:
        headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1"}
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(warmup):
            timed_get(warm, "/api/v1/feed", headers)
        warm.close()
        by_label, errors, elapsed = drive(port, [("feed", "/api/v1/feed")] * requests, headers, concurrency)
        latencies = by_label.get("feed", [])
    finally:
        stop_server(server)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {"requests": len(latencies), "errors": len(errors), "concurrency": concurrency, "workers": workers,
            "server": "gunicorn (WSGI)" if wsgi else "uvicorn (ASGI)",
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
            "throughput_rps": len(latencies) / elapsed if elapsed else 0.0,
            "first_error": errors[0] if errors else None}


def _print_api(title: str, s: dict) -> None:
    print(f"{title}, {s['workers']} server process(es), {s['concurrency']} concurrent clients, {s['errors']} errors, "
          f"{s['throughput_rps']:.0f} req/s:")
    for kind, r in [("all", s["all"]), *s["by_kind"].items()]:
        print(f"  {kind:<14} {r['requests']:>5} requests  p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  "
              f"p99 {r['p99_ms']:7.1f} ms")
    if s["first_error"]:
        print(f"  first error: {s['first_error']}")


def run(concurrency: int, requests: int, only: str | None = None, as_json: bool = False, workers: int = 1,
        wsgi: bool = False,
        people: int | None = None, clients: int = 50, posts: int = 200, rate: float = 0.0,
        corpus: int = 200_000) -> int:
    from django.db import connection

    results: dict = {"database": connection.vendor}
    if only == "digest":  # builds its own throwaway network: only when asked for
        from essaim.notifications.bench import bench_digest

        results["digest"] = bench_digest(people=min(people or 1000, 100_000))
    if only == "events":  # writes (then removes) posts: only when asked for
        from essaim.core.bench_events import measure_events

        results["events"] = measure_events(clients=clients, posts=posts, rate=rate)
    if only == "search":  # tops the network up to `corpus` posts: only when asked for
        from essaim.search.bench import measure_search

        results["search"] = measure_search(corpus=corpus, concurrency=min(concurrency, 50), requests=requests,
                                           workers=workers, say=lambda m: print(m, file=sys.stderr))
    if only == "experts":  # tops the network up to `people` people and `corpus` posts by them
        from essaim.experts.bench import measure_experts

        results["experts"] = measure_experts(people=people or 200_000, corpus=corpus,
                                             concurrency=min(concurrency, 50), requests=requests, workers=workers,
                                             say=lambda m: print(m, file=sys.stderr))
    if only == "fanout":  # what fan-out on write would cost (throwaway table and keys)
        from essaim.core.bench_fanout import measure_fanout

        results["fanout"] = measure_fanout(audience=people or 200_000)
    if only in (None, "queries"):
        results["queries"] = [{"feed": n, "queries_1_post": a, "queries_20_posts": b} for n, a, b in measure_queries()]
    if only in (None, "feed"):
        results["feed"] = measure_feed(concurrency=concurrency, requests=requests, workers=workers, wsgi=wsgi)
    if as_json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"database: {results['database']}")
    if "queries" in results:
        print("SQL queries per feed page (1 post / 20 posts):")
        for row in results["queries"]:
            print(f"  {row['feed']:<18} {row['queries_1_post']:>3} / {row['queries_20_posts']:>3}")
    if "digest" in results:
        d = results["digest"]
        print(f"digest for {d['people']} people: {d['emails_sent']} e-mails sent in {d['seconds']:.2f} s "
              f"({d['smtp_messages_received']} received by the SMTP sink over {d['smtp_connections']} connection(s))")
    if "events" in results:
        e = results["events"]
        print(f"live events, {e['processes']} web process(es), {e['broker']} broker, {e['clients']} open streams, "
              f"{e['posts']} posts ({e['writes_per_s']:.0f} writes/s{'' if e['rate'] else ', as fast as possible'}), {e['errors']} errors: "
              f"{e['deliveries']} of {e['expected_deliveries']} deliveries, {e['deliveries_per_s']:.0f} events "
              f"delivered/s; delay from write to delivery p50 {e['p50_ms']:.1f} ms, p95 {e['p95_ms']:.1f} ms, "
              f"p99 {e['p99_ms']:.1f} ms")
        if e["first_error"]:
            print(f"  first error: {e['first_error']}")
    if "search" in results:
        s = results["search"]
        _print_api(f"search API over {s['posts']:,} posts ({s['generated']:,} generated now)", s)
    if "experts" in results:
        s = results["experts"]
        _print_api(f"experts API over {s['people']:,} people and {s['posts']:,} All company posts", s)
    if "fanout" in results:
        f = results["fanout"]
        print(f"fan-out on write of one post to {f['audience']:,} people: {f['table_seconds_per_post']:.2f} s into a "
              f"timeline table ({f['table_rows_per_s']:,} rows/s)"
              + (f", {f['redis_seconds_per_post']:.2f} s into Redis sorted sets ({f['redis_entries_per_s']:,} "
                 "entries/s)" if "redis_seconds_per_post" in f else ""))
    if "feed" in results:
        f = results["feed"]
        print(f"home feed API, {f['server']}, {f['workers']} server process(es), {f['concurrency']} concurrent clients, "
              f"{f['requests']} requests, "
              f"{f['errors']} errors: p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms, "
              f"p99 {f['p99_ms']:.1f} ms, {f['throughput_rps']:.0f} req/s")
        if f["first_error"]:
            print(f"  first error: {f['first_error']}")
    return 0


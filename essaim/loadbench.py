"""`essaim bench --tier M --concurrency C --duration S [--url URL] [--json FILE]`: a running Essaim under a
realistic mix, as many distinct people, with its floors measured in the same run.

1. People: `--people` generated people (tokens made for the run), the most connected included.
   Each reads their home feed first, pages 1 to 5 by cursor (the page-5 cursor and the posts seen
   are kept for the mix).
2. Floors, each for a fifth of `--duration` (at least 10 s, or --duration if shorter), same concurrency:
   - hello: GET /healthz, the smallest JSON answer of the same server set-up (every middleware);
   - raw feed view: GET /bench/raw-home-feed, a Django view returning the rows of the home-feed
     query from raw SQL (only on a server started with ESSAIM_BENCH_ENDPOINTS=1, which the bench
     does when it starts its own);
   - raw SQL: the same SQL run through the database driver from this process, no HTTP;
   - home feed alone: GET /api/v1/feed, to compare its throughput with the raw feed view's;
   - home feed of people in 100 or more communities (up to 50 of them, when there are any):
     page 1, and page 5 one time in five.
3. The mix for `--duration` seconds: home feed (page 1, page 5 by cursor), community feed, post,
   search (rare, medium, common), people search, experts, create post, comment, react, unread
   count. Per operation: throughput, p50/p95/p99 and errors, and its p50 as a ratio to hello's.

Without --url the bench starts `essaim serve --workers W` (ESSAIM_JOBS=worker) and one `essaim
worker` on this machine's database, and generates the tier first when the database holds no
generated network. With --url it drives that server, which must use this machine's database
(tokens are made here).
"""

from __future__ import annotations

import http.client
import json
import random
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode, urlsplit

MIX = (
    ("home feed", 24), ("home feed page 5", 6), ("community feed", 10), ("post", 10),
    ("search rare", 3), ("search medium", 3), ("search common", 3), ("people search", 4), ("experts", 2),
    ("create post", 5), ("comment", 5), ("react", 5), ("unread count", 20),
)
REACTION_KINDS = ("like", "celebrate", "support", "insightful", "funny")
BUSY = 100  # "people in 100 or more communities": their home feed is measured on its own


class Persona:
    def __init__(self, user, token: str, communities: list[int]):
        self.user_id = user.id
        self.name = user.display_name
        self.token = token
        self.communities = communities
        self.page5: str | None = None
        self.posts: list[int] = []

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}


def pick_people(network_id: int, n: int, rng: random.Random) -> list:
    """n active people of the generated population: the 5 in the most communities, the rest at random."""
    from django.db.models import Count

    from essaim.accounts.models import User

    people = User.objects.filter(network_id=network_id, is_active=True, email__endswith="@people.invalid")
    top = list(people.annotate(n=Count("memberships")).order_by("-n", "id")[:5])
    ids = list(people.order_by("id").values_list("id", flat=True))
    rest = rng.sample(ids, min(len(ids), n + 5))
    chosen = {u.id: u for u in top}
    for uid in rest:
        if len(chosen) >= n:
            break
        chosen.setdefault(uid, None)
    missing = [uid for uid, u in chosen.items() if u is None]
    chosen.update({u.id: u for u in User.objects.filter(id__in=missing).select_related("network")})
    return list(chosen.values())


def busy_people(network_id: int, n: int, rng: random.Random, *, at_least: int = BUSY) -> list:
    """Up to n generated people in `at_least` communities or more, at random (their home feed
    merges the most places: the tier-L target)."""
    from django.db.models import Count

    from essaim.accounts.models import User
    from essaim.communities.models import Membership

    ids = sorted(Membership.objects.filter(network_id=network_id, user__email__endswith="@people.invalid")
                 .order_by().values("user_id").annotate(n=Count("id")).filter(n__gte=at_least)
                 .values_list("user_id", flat=True))
    chosen = rng.sample(ids, min(n, len(ids)))
    return list(User.objects.filter(id__in=chosen).select_related("network").order_by("id"))


def make_personas(people: list) -> list[Persona]:
    from essaim.accounts.actions import do_create_token
    from essaim.communities.models import Membership

    out = []
    for user in people:
        _token, raw = do_create_token(user, scopes=["read", "write"], name="bench", acting_user=user)
        communities = list(Membership.objects.filter(user=user).order_by("community_id")
                           .values_list("community_id", flat=True)[:50])
        out.append(Persona(user, raw, communities))
    return out


class Client:
    """One kept-alive connection to the server, timing each request."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        self.https = parts.scheme == "https"
        self.host_header = parts.netloc
        self.conn = None

    def _connect(self):
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        self.conn = cls(self.host, self.port, timeout=60)

    def request(self, method: str, path: str, headers: dict, body: dict | None = None) -> tuple[float, int, bytes]:
        if self.conn is None:
            self._connect()
        payload = json.dumps(body).encode() if body is not None else None
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=payload, headers={**headers, "Host": self.host_header})
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        return time.perf_counter() - start, response.status, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.first_error: dict[str, str] = {}

    def ok(self, op: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(op, []).append(seconds)

    def error(self, op: str, message: str) -> None:
        with self.lock:
            self.errors[op] = self.errors.get(op, 0) + 1
            self.first_error.setdefault(op, message[:300])

    def summary(self, elapsed: float, floor_p50: float | None = None) -> dict:
        from essaim.bench import latency_summary

        out = {}
        for op in sorted(set(self.latencies) | set(self.errors)):
            values = self.latencies.get(op, [])
            s = latency_summary(values)
            s.update(throughput_rps=round(len(values) / elapsed, 1) if elapsed else 0.0,
                     errors=self.errors.get(op, 0), first_error=self.first_error.get(op))
            if floor_p50 and values:
                s["p50_vs_hello"] = round(s["p50_ms"] / floor_p50, 1)
            out[op] = s
        return out


def run_for(seconds: float, concurrency: int, base: str, step) -> tuple[Recorder, float]:
    """`step(client, recorder, rng)` in a loop on `concurrency` threads for `seconds`."""
    recorder = Recorder()
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        rng = random.Random(1000 + n)
        client = Client(base)
        while time.perf_counter() < stop:
            step(client, recorder, rng)
        client.close()

    return recorder, _on_threads(worker, concurrency)


def _on_threads(worker, n: int) -> float:
    """worker(i) for i in range(n), each on its own thread, until they all end: the seconds it took."""
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def timed(client: Client, recorder: Recorder, op: str, method: str, path: str, headers: dict,
          body: dict | None = None, expect=(200, 201)) -> bytes | None:
    try:
        seconds, status, data = client.request(method, path, headers, body)
    except (OSError, http.client.HTTPException) as exc:  # counted and reported
        recorder.error(op, f"{type(exc).__name__}: {exc}")
        return None
    if status not in expect:
        recorder.error(op, f"status {status}: {data[:200]!r}")
        return None
    recorder.ok(op, seconds)
    return data


def warm_up(base: str, personas: list[Persona], concurrency: int) -> None:
    """Each person reads their home feed, pages 1 to 5: the posts they see, the page-5 cursor."""
    queue = list(personas)
    lock = threading.Lock()

    def worker() -> None:
        client = Client(base)
        while True:
            with lock:
                if not queue:
                    break
                persona = queue.pop()
            cursor = None
            for page in range(1, 6):
                path = "/api/v1/feed?" + urlencode({"limit": 20, **({"cursor": cursor} if cursor else {})})
                _s, status, data = client.request("GET", path, persona.headers)
                if status != 200:
                    raise SystemExit(f"warming up: {path} answered {status}: {data[:200]!r}")
                body = json.loads(data)
                persona.posts.extend(item["id"] for item in body.get("items", []))
                cursor = body.get("next_cursor")
                if page == 4:
                    persona.page5 = cursor
                if not cursor:
                    break
        client.close()

    _on_threads(lambda _i: worker(), min(concurrency, 8))


def busy_step(personas: list[Persona]):
    """Home feed page 1 (and page 5 by cursor, one time in five) of people in many communities."""
    def step(client: Client, recorder: Recorder, rng: random.Random) -> None:
        persona = rng.choice(personas)
        if persona.page5 and rng.random() < 0.2:
            timed(client, recorder, f"home p5, {BUSY}+ places", "GET",
                  "/api/v1/feed?" + urlencode({"cursor": persona.page5}), persona.headers)
        else:
            timed(client, recorder, f"home feed, {BUSY}+ places", "GET", "/api/v1/feed", persona.headers)

    return step


def mix_step(personas: list[Persona], terms: dict):
    ops = [op for op, _w in MIX]
    weights = [w for _op, w in MIX]

    def step(client: Client, recorder: Recorder, rng: random.Random) -> None:
        persona = rng.choice(personas)
        op = rng.choices(ops, weights)[0]
        h = persona.headers
        post = rng.choice(persona.posts) if persona.posts else None
        if op == "home feed":
            timed(client, recorder, op, "GET", "/api/v1/feed", h)
        elif op == "home feed page 5":
            if persona.page5:
                timed(client, recorder, op, "GET", "/api/v1/feed?" + urlencode({"cursor": persona.page5}), h)
        elif op == "community feed":
            if persona.communities:
                timed(client, recorder, op, "GET", f"/api/v1/communities/{rng.choice(persona.communities)}/feed", h)
        elif op == "post":
            if post:
                timed(client, recorder, op, "GET", f"/api/v1/posts/{post}", h)
        elif op.startswith("search"):
            q = rng.choice(terms[op.split()[1]])
            timed(client, recorder, op, "GET", "/api/v1/search?" + urlencode({"q": q}), h)
        elif op == "people search":
            timed(client, recorder, op, "GET", "/api/v1/users?" + urlencode({"q": rng.choice(terms["names"])}), h)
        elif op == "experts":
            timed(client, recorder, op, "GET", "/api/v1/experts?" + urlencode({"q": rng.choice(terms["medium"])}), h)
        elif op == "create post":
            body = {"body": rng.choice(terms["sentences"])}
            if persona.communities and rng.random() < 0.8:
                body["community_id"] = rng.choice(persona.communities)
            timed(client, recorder, op, "POST", "/api/v1/posts", h, body)
        elif op == "comment":
            if post:
                timed(client, recorder, op, "POST", f"/api/v1/posts/{post}/comments", h,
                      {"body": rng.choice(terms["sentences"])[:300]})
        elif op == "react":
            if post:
                timed(client, recorder, op, "POST", f"/api/v1/posts/{post}/reactions", h,
                      {"kind": rng.choice(REACTION_KINDS)})
        elif op == "unread count":
            timed(client, recorder, op, "GET", "/api/v1/notifications/unread_count", h)

    return step


def search_terms(rng: random.Random) -> dict:
    from essaim.search.bench import COMMON, REAL, VOCABULARY, _cumulative, body, vocabulary

    from .generate import FIRST

    words = vocabulary()
    cum = _cumulative(VOCABULARY)
    return {"rare": words[15_000:16_000], "medium": words[len(REAL):len(REAL) + 400], "common": list(COMMON),
            "names": [n[:4].lower() for n in FIRST], "sentences": [body(rng, words, cum) for _ in range(500)]}


# ------------------------------------------------------------------ the raw-SQL floor

def home_feed_sql(user) -> tuple[str, list]:
    """The SQL (and parameters) of a person's home-feed page 1, as the ORM writes it."""
    from essaim.core.pagination import DEFAULT_LIMIT
    from essaim.stream.queries import home_feed_posts

    qs = home_feed_posts(user).order_by("-pinned", "-created_at", "-id")[:DEFAULT_LIMIT + 1]
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


_statements: dict[int, tuple[str, list]] = {}


def raw_home_feed_view(request):
    """GET /bench/raw-home-feed?user=ID (only with ESSAIM_BENCH_ENDPOINTS=1): the rows of that person's
    home-feed query from raw SQL (written by the ORM once per person, then run as is), as JSON."""
    from django.core.serializers.json import DjangoJSONEncoder
    from django.db import connection
    from django.http import JsonResponse

    from essaim.accounts.models import User

    try:
        user_id = int(request.GET.get("user", ""))
    except ValueError:
        return JsonResponse({"error": {"code": "invalid_user", "message": "user=ID", "details": None}}, status=400)
    statement = _statements.get(user_id)
    if statement is None:
        user = User.objects.select_related("network").filter(pk=user_id).first()
        if user is None:
            return JsonResponse({"error": {"code": "not_found", "message": "Not found.", "details": None}}, status=404)
        statement = _statements[user_id] = home_feed_sql(user)
    with connection.cursor() as cursor:
        rows = raw_rows(cursor, *statement)
    return JsonResponse({"items": rows}, encoder=DjangoJSONEncoder)


def raw_rows(cursor, sql: str, params: list) -> list:
    cursor.execute(sql, params)
    return cursor.fetchall()


def measure_raw_sql(users: list, seconds: float, concurrency: int) -> dict:
    """The home-feed SQL through the database driver, from this process, one connection per thread."""
    from django.db import connections

    from essaim.bench import latency_summary

    statements = [home_feed_sql(u) for u in users]
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        rng = random.Random(n)
        connection = connections.create_connection("default")
        connection.ensure_connection()
        raw = connection.connection  # the driver's own connection (sqlite3 / psycopg)
        cursor = raw.cursor()
        mine = []
        while time.perf_counter() < stop:
            sql, params = rng.choice(statements)
            if connection.vendor == "sqlite":
                sql = sql.replace("%s", "?")
            start = time.perf_counter()
            raw_rows(cursor, sql, params)
            mine.append(time.perf_counter() - start)
        cursor.close()
        connection.close()
        with lock:
            latencies.extend(mine)

    elapsed = _on_threads(worker, concurrency)
    s = latency_summary(latencies)
    s.update(throughput_rps=round(len(latencies) / elapsed, 1), errors=0, first_error=None)
    return s


# ------------------------------------------------------------------ freshness

def measure_freshness(base: str, personas: list[Persona], rounds: int = 5, readers: int = 50) -> dict:
    """A post in the largest community (everyone is in it): how long after its author got the answer
    does it show on page 1 of its members' home feeds? `rounds` posts, each looked for by up to
    `readers` members at once (each reads until it is there). Delays in milliseconds."""
    from essaim.bench import latency_summary
    from essaim.communities.models import Community

    from .generate import MARKER_SLUG

    community = Community.objects.filter(slug=MARKER_SLUG).order_by("id").first()
    members = [p for p in personas if community and community.id in p.communities][:readers]
    if not members:
        return {"error": "no persona in the largest community"}
    delays: list[float] = []
    misses = 0
    for n in range(rounds):
        author = members[n % len(members)]
        _s, status, data = Client(base).request("POST", "/api/v1/posts", author.headers,
                                                {"body": f"Freshness probe {n}", "community_id": community.id})
        if status != 201:
            return {"error": f"posting answered {status}: {data[:200]!r}"}
        post_id = json.loads(data)["id"]
        posted = time.perf_counter()
        found: list[float] = []
        lock = threading.Lock()

        def look(persona: Persona) -> None:
            nonlocal misses
            client = Client(base)
            deadline = posted + 30
            while time.perf_counter() < deadline:
                _s, status, body = client.request("GET", "/api/v1/feed?limit=20", persona.headers)
                if status == 200 and any(item["id"] == post_id for item in json.loads(body)["items"]):
                    with lock:
                        found.append(time.perf_counter() - posted)
                    break
                time.sleep(0.05)
            else:
                with lock:
                    misses += 1
            client.close()

        readers_here = [m for m in members if m is not author]
        _on_threads(lambda i: look(readers_here[i]), len(readers_here))
        delays.extend(found)
    summary = latency_summary(delays)
    summary.update(community_members=community.member_count, readers=len(members) - 1, posts=rounds, misses=misses)
    return summary


# ------------------------------------------------------------------ the run

def generated_network():
    from essaim.communities.models import Community
    from essaim.core.models import Network

    from .generate import MARKER_SLUG

    marker = Community.objects.filter(slug=MARKER_SLUG).order_by("id").first()
    return Network.objects.get(pk=marker.network_id) if marker else None


def start_processes(workers: int) -> tuple[str, list[subprocess.Popen]]:
    from essaim.bench import _free_port, start_server

    port = _free_port()
    server = start_server(port, "--workers", str(workers), ESSAIM_JOBS="worker", ESSAIM_BENCH_ENDPOINTS="1")
    worker = subprocess.Popen([sys.executable, "-m", "essaim.cli", "worker"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    return f"http://127.0.0.1:{port}", [server, worker]


def measure(*, tier: str, concurrency: int, duration: float, url: str | None = None, workers: int = 2,
            people: int = 200, seed: int = 1, say=print) -> dict:
    from django.db import connection

    from essaim.bench import latency_summary, stop_server

    network = generated_network()
    if network is None:
        if url:
            raise SystemExit("no generated network in this database: run `essaim generate --tier "
                             f"{tier}` first (the server at --url must use this database).")
        from .generate import generate

        say(f"generating tier {tier} first")
        generate(tier, seed=seed, say=say)
        network = generated_network()
    rng = random.Random(seed)
    chosen = pick_people(network.id, people, rng)
    personas = make_personas(chosen)
    terms = search_terms(rng)
    processes: list[subprocess.Popen] = []
    base = url.rstrip("/") if url else None
    if base is None:
        base, processes = start_processes(workers)
    floor_seconds = max(min(10.0, duration), duration / 5)
    results: dict = {"tier": tier, "database": connection.vendor, "url": url or "started here",
                     "workers": workers if not url else None, "concurrency": concurrency, "duration_s": duration,
                     "people": len(personas)}
    try:
        say(f"warming up: {len(personas)} people read their home feed, pages 1 to 5")
        warm_up(base, personas, concurrency)
        say(f"floor: hello ({floor_seconds:.0f} s)")
        rec, elapsed = run_for(floor_seconds, concurrency, base,
                               lambda c, r, g: timed(c, r, "hello", "GET", "/healthz", {}))
        floors = rec.summary(elapsed)
        say(f"floor: raw feed view ({floor_seconds:.0f} s)")
        rec, elapsed = run_for(floor_seconds, concurrency, base, lambda c, r, g: timed(
            c, r, "raw feed view", "GET", f"/bench/raw-home-feed?user={g.choice(personas).user_id}", {}))
        floors.update(rec.summary(elapsed))
        say(f"floor: raw SQL through the driver ({floor_seconds:.0f} s)")
        floors["raw SQL"] = measure_raw_sql(chosen, floor_seconds, concurrency)
        say(f"home feed alone ({floor_seconds:.0f} s)")
        rec, elapsed = run_for(floor_seconds, concurrency, base, lambda c, r, g: timed(
            c, r, "home feed alone", "GET", "/api/v1/feed", g.choice(personas).headers))
        floors.update(rec.summary(elapsed))
        busy = make_personas(busy_people(network.id, 50, rng))
        if busy:
            say(f"home feed of {len(busy)} people in {BUSY}+ communities ({floor_seconds:.0f} s)")
            warm_up(base, busy, concurrency)
            rec, elapsed = run_for(floor_seconds, concurrency, base, busy_step(busy))
            floors.update(rec.summary(elapsed))
        hello = floors.get("hello", {}).get("p50_ms")
        say(f"the mix ({duration:.0f} s, {concurrency} clients)")
        rec, elapsed = run_for(duration, concurrency, base, mix_step(personas, terms))
        results["operations"] = rec.summary(elapsed, hello)
        every = [v for vs in rec.latencies.values() for v in vs]
        results["all"] = latency_summary(every)
        results["all"]["throughput_rps"] = round(len(every) / elapsed, 1)
        results["all"]["errors"] = sum(rec.errors.values())
        say("freshness: posts in the largest community, looked for in its members' home feeds")
        results["freshness"] = measure_freshness(base, personas)
    finally:
        for p in processes:
            stop_server(p)
    results["floors"] = floors
    raw_view = floors.get("raw feed view", {}).get("throughput_rps") or 0
    alone = floors.get("home feed alone", {}).get("throughput_rps") or 0
    results["home_feed_vs_raw_view_throughput"] = round(alone / raw_view, 2) if raw_view else None
    return results


def print_table(r: dict) -> None:
    print(f"tier {r['tier']} on {r['database']}, {r['concurrency']} clients, {r['people']} people, "
          f"{r['duration_s']:.0f} s mix; server: {r['url']}"
          + (f" ({r['workers']} web processes + 1 worker)" if r.get("workers") else ""))
    print(f"{'floor':<22} {'req/s':>8} {'p50':>8} {'p95':>8} {'p99':>8} {'errors':>7}")
    for name, s in r["floors"].items():
        print(f"{name:<22} {s['throughput_rps']:>8.1f} {s['p50_ms']:>8.1f} {s['p95_ms']:>8.1f} {s['p99_ms']:>8.1f} "
              f"{s['errors']:>7}")
    ratio = r.get("home_feed_vs_raw_view_throughput")
    if ratio is not None:
        print(f"home feed alone / raw feed view throughput: {ratio:.2f}")
    print(f"{'operation (mix)':<22} {'req/s':>8} {'p50':>8} {'p95':>8} {'p99':>8} {'errors':>7} {'p50/hello':>10}")
    for name, s in r["operations"].items():
        print(f"{name:<22} {s['throughput_rps']:>8.1f} {s['p50_ms']:>8.1f} {s['p95_ms']:>8.1f} {s['p99_ms']:>8.1f} "
              f"{s['errors']:>7} {s.get('p50_vs_hello', float('nan')):>10.1f}")
        if s.get("first_error"):
            print(f"    first error: {s['first_error']}")
    a = r["all"]
    print(f"{'all':<22} {a['throughput_rps']:>8.1f} {a['p50_ms']:>8.1f} {a['p95_ms']:>8.1f} {a['p99_ms']:>8.1f} "
          f"{a['errors']:>7}")
    f = r.get("freshness") or {}
    if "error" in f:
        print(f"freshness: {f['error']}")
    elif f:
        print(f"freshness: a post in the {f['community_members']:,}-member community was on page 1 of "
              f"{f['requests']} home feeds ({f['readers']} readers x {f['posts']} posts) after p50 {f['p50_ms']:.0f} ms, "
              f"p95 {f['p95_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms (from the author's answer; {f['misses']} misses)")

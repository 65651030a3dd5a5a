"""Essaim as it runs in production: two `essaim serve` processes and one `essaim worker` sharing a
database (PostgreSQL when the suite runs on it, else SQLite) and a Redis server of their own, with
JSON logs and metrics gathered across the processes; then what they do when Redis restarts and
when PostgreSQL goes away."""

from __future__ import annotations

import json
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlparse

import pytest
from live_sites import (
    EventClient,
    Server,
    drop_site_database,
    migrate,
    run_python,
    site_env,
)
from production_helpers import (
    RedisServer,
    TcpProxy,
    Worker,
    call,
    json_log_lines,
    value_of,
    wait_until,
)

PASSWORD = "correct horse battery staple"
METRICS_TOKEN = "metrics-" + uuid.uuid4().hex

SETUP = f"""
import json
from essaim.accounts import actions as accounts
from essaim.communities import actions as communities
network = accounts.do_create_network("Prod", "prod")
people = {{h: accounts.do_create_user(network, email=f"{{h}}@prod.test", display_name=h.title(), handle=h,
                                      password={PASSWORD!r})
          for h in ("owner", "member")}}
club = communities.do_create_community(people["owner"], name="Ops club", visibility="open", slug="ops-club")
communities.do_add_member(club, people["member"], role="member", acting_user=people["owner"])
tokens = {{h: accounts.do_create_token(u, scopes=["read", "write"], name="t", acting_user=u)[1]
          for h, u in people.items()}}
print(json.dumps({{"tokens": tokens, "club": club.id}}))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, django_db_blocker):
    tmp = tmp_path_factory.mktemp("production")
    redis = RedisServer(tmp)
    with django_db_blocker.unblock():
        env = site_env(tmp, "prod")
    env.update(ESSAIM_REDIS_URL=redis.url, ESSAIM_JOBS="worker", ESSAIM_LOG_FORMAT="json",
               ESSAIM_LOG_LEVEL="WARNING", ESSAIM_METRICS_TOKEN=METRICS_TOKEN)
    started = []
    try:
        migrate(env)
        world = json.loads(run_python(env, SETUP))
        worker = Worker(env, tmp / "worker.log")
        started.append(worker)
        with ThreadPoolExecutor(2) as pool:  # both start at once
            futures = [pool.submit(Server, env, log=tmp / f"{name}.log") for name in ("a", "b")]
        started += [f.result() for f in futures if f.exception() is None]
        a, b = (f.result() for f in futures)  # the first failure, if any
        world.update(env=env, tmp=tmp, redis=redis, a=a, b=b, worker=worker)
        yield world
    finally:
        for process in started:
            process.stop()
        redis.stop()
        drop_site_database(env)


def post(site, server, body: str, who: str = "owner") -> str:
    reply = call(server.port, "POST", "/api/v1/posts", token=site["tokens"][who],
                 body={"body": body, "community_id": str(site["club"])})
    assert reply.status == 201, reply.text
    return reply.json()["id"]


def is_post(post_id: str):
    return lambda event: event["type"] == "post.created" and event["data"]["post_id"] == post_id


def scrape(server, **headers) -> str:
    reply = call(server.port, "GET", "/metrics", headers=headers)
    assert reply.status == 200, reply.text[:300]
    return reply.text


def test_two_web_processes_and_a_worker_serve_one_site(site):
    a, b, member = site["a"], site["b"], site["tokens"]["member"]
    for server in (a, b):
        ready = call(server.port, "GET", "/readyz")
        assert ready.status == 200 and ready.json()["checks"] == {
            "database": "ok", "migrations": "ok", "redis": "ok"}, ready.text
    events = EventClient(b.port, member)  # connected to process B
    try:
        assert events.status == 200 and events.next()["type"] == "stream.ready"
        word = "zorglub" + uuid.uuid4().hex[:8]
        post_id = post(site, a, f"Written through A: {word}")  # written through process A
        events.wait_for(is_post(post_id), timeout=3.0)  # delivered by B, through Redis
        read = call(b.port, "GET", f"/api/v1/posts/{post_id}", token=member)
        assert read.status == 200 and word in read.json()["body"]

        def found():  # the worker indexes it (the web processes run no jobs: ESSAIM_JOBS=worker)
            reply = call(b.port, "GET", "/api/v1/search?" + urlencode({"q": word}), token=member)
            assert reply.status == 200, reply.text
            return any(item["id"] == post_id for item in reply.json()["items"])

        wait_until(found, 15, "the post becomes findable through process B")
        # The metrics of every process, read through A.
        text = scrape(a)
        assert value_of(text, "essaim_http_request_duration_seconds_count", route="api/v1/posts", method="POST",
                        status="2xx") >= 1  # served by A
        assert value_of(text, "essaim_http_request_duration_seconds_count", route="api/v1/posts/<post_id>",
                        method="GET", status="2xx") >= 1  # served by B only
        assert value_of(text, "essaim_http_request_duration_seconds_bucket", route="api/v1/search", le="+Inf") >= 1
        assert value_of(text, "essaim_events_delivered_total") >= 1  # delivered by B
        assert value_of(text, "essaim_jobs_run_total", kind="search.index", result="done") >= 1  # by the worker
        assert value_of(text, "essaim_live_streams") >= 1  # B's open stream
        assert value_of(text, "essaim_database_up") == 1
        assert value_of(text, "essaim_jobs", kind="search.index", state="failed") == 0  # per kind and state
        assert f"/api/v1/posts/{post_id}" not in text
    finally:
        events.close()


def test_metrics_through_a_proxy_need_the_token(site):
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    assert call(site["a"].port, "GET", "/metrics", headers=forwarded).status == 404
    assert call(site["a"].port, "GET", "/metrics",
                headers={**forwarded, "Authorization": "Bearer wrong"}).status == 404
    text = scrape(site["a"], **forwarded, Authorization=f"Bearer {METRICS_TOKEN}")
    assert "essaim_http_request_duration_seconds_bucket" in text


def test_json_logs_and_request_ids(site):
    request_id = "probe-" + uuid.uuid4().hex
    reply = call(site["a"].port, "GET", "/api/v1/posts?limit=1", token=site["tokens"]["member"],
                 headers={"X-Request-ID": request_id})
    assert reply.status == 200 and reply.headers["x-request-id"] == request_id
    generated = call(site["b"].port, "GET", "/readyz").headers["x-request-id"]
    assert len(generated) == 32

    def access_line(log, wanted):
        return next((line for line in json_log_lines(log) if line.get("request_id") == wanted), None)

    line = wait_until(lambda: access_line(site["a"].log, request_id), 5, "the access line of the request")
    assert line["logger"] == "essaim.request" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["route"], line["status"]) == ("GET", "/api/v1/posts", "api/v1/posts",
                                                                             200)
    assert line["duration_ms"] > 0
    assert wait_until(lambda: access_line(site["b"].log, generated), 5, "B's access line")["route"] == "readyz"
    json_log_lines(site["worker"].log)  # whatever the worker logged is JSON too


def test_a_redis_restart_costs_no_error_and_live_events_resume(site):
    a, b, redis = site["a"], site["b"], site["redis"]
    owner, member = site["tokens"]["owner"], site["tokens"]["member"]
    events = EventClient(b.port, member)
    try:
        assert events.next()["type"] == "stream.ready"
        last = events.wait_for(is_post(post(site, a, "Before the restart")), timeout=3.0)[0]["id"]
        redis.stop()
        # While Redis is away: pages, API, writes and sign-in work; readiness says Redis is missing.
        statuses = {}
        during = post(site, a, "While Redis is away")  # its publication fails; the post is there
        statuses["post"] = 201
        for name, server, path in (("feed A", a, "/api/v1/posts?limit=5"), ("feed B", b, "/api/v1/posts?limit=5"),
                                   ("post on B", b, f"/api/v1/posts/{during}")):
            statuses[name] = call(server.port, "GET", path, token=member).status
        not_ready = wait_until(lambda: _not_ready(b), 3, "B not ready without Redis")  # past a reused answer
        statuses["readyz"] = 503
        assert not_ready["checks"] == {"database": "ok", "migrations": "ok", "redis": "error: ConnectionError"}
        # Six wrong passwords in a row: counted in Redis, so not counted now (no 429: the throttle fails open).
        statuses["wrong passwords"] = sorted({sign_in(a, "member@prod.test", "wrong password") for _ in range(6)})
        statuses["sign-in"] = sign_in(b, "member@prod.test", PASSWORD)
        assert statuses == {"post": 201, "feed A": 200, "feed B": 200, "post on B": 200, "readyz": 503,
                            "wrong passwords": [422], "sign-in": 302}
        redis.start()
        # B subscribes again (within its back-off, at most 2 s) and ends its streams, which resume
        # from the event log: the post written during the outage arrives, then live events again.
        wait_until(lambda: events.closed, 12, "B ends its streams once subscribed again")
        resumed = EventClient(b.port, member, last_event_id=last)
        try:
            resumed.wait_for(is_post(during), timeout=3.0)
            after = post(site, a, "After the restart")
            resumed.wait_for(is_post(after), timeout=3.0)
        finally:
            resumed.close()
        for server in (a, b):
            assert wait_until(lambda s=server: call(s.port, "GET", "/readyz").status == 200, 3, "ready again")
        assert call(b.port, "GET", "/api/v1/me", token=owner).status == 200
    finally:
        events.close()
        if redis.process is None:
            redis.start()
    logged = json_log_lines(b.log) + json_log_lines(a.log)
    messages = [line["message"] for line in logged if line["level"] in ("WARNING", "ERROR")]
    assert any(m.startswith("lost the Redis event channel") for m in messages), messages
    assert any(m.startswith("subscribed again to the Redis event channel") for m in messages), messages
    assert any(m.startswith("the cache (Redis) is unreachable") for m in messages), messages
    failed = [line for line in logged if line.get("status", 0) >= 500 and line.get("path") != "/readyz"]
    assert not failed, "a request failed during the outage"
    # Not even "not ready" is logged as a server error.
    assert not [line for line in logged if line["logger"] == "django.request" and line["level"] == "ERROR"]


def sign_in(server, email: str, password: str) -> int:
    """Signs in through the page, as a browser does (CSRF cookie and token); returns the status."""
    page = call(server.port, "GET", "/login/")
    assert page.status == 200
    token = page.cookies["csrftoken"]
    reply = call(server.port, "POST", "/login/", headers={"Cookie": f"csrftoken={token}"},
                 form=urlencode({"csrfmiddlewaretoken": token, "email": email, "password": password}))
    return reply.status


def test_readiness_follows_postgresql_going_away_and_coming_back(site):
    url = site["env"]["ESSAIM_DATABASE_URL"]
    if not url.startswith("postgres"):
        pytest.skip("PostgreSQL only: SQLite has no server to lose")
    parsed = urlparse(url)
    proxy = TcpProxy((parsed.hostname, parsed.port or 5432))
    env = {k: v for k, v in site["env"].items() if k != "ESSAIM_REDIS_URL"}
    env["ESSAIM_DATABASE_URL"] = url.replace(parsed.netloc, f"{parsed.username}@127.0.0.1:{proxy.port}")
    server = Server(env, log=site["tmp"] / "c.log")
    try:
        ready = call(server.port, "GET", "/readyz")
        assert ready.status == 200 and ready.json()["checks"]["redis"] == "not configured", ready.text
        assert call(server.port, "GET", "/api/v1/me", token=site["tokens"]["owner"]).status == 200
        # Down: nothing listens any more, open connections drop.
        proxy.cut()
        down = wait_until(lambda: _not_ready(server), 3, "not ready once PostgreSQL is down")
        assert down["checks"]["database"] == "error: OperationalError"
        assert down["checks"]["migrations"] == "not checked"
        assert call(server.port, "GET", "/healthz").status == 200  # alive all the same: no restart wanted
        text = scrape(server)  # metrics are served without the database
        assert value_of(text, "essaim_database_up") == 0
        # Stalled: connections are accepted and never answered; the check gives up after 2 s.
        proxy.stall()
        time.sleep(1.1)  # past the reused result
        started = time.monotonic()
        stalled = _not_ready(server)
        assert stalled and stalled["checks"]["database"] == "error: timed out", stalled
        assert time.monotonic() - started < 3.5
        # Back.
        proxy.restore()
        wait_until(lambda: call(server.port, "GET", "/readyz").status == 200, 5, "ready once PostgreSQL is back")
        assert wait_until(lambda: call(server.port, "GET", "/api/v1/me", token=site["tokens"]["owner"]).status
                          == 200, 5, "requests work again")
    finally:
        server.stop()
        proxy.close()
    assert json_log_lines(site["tmp"] / "c.log")


def _not_ready(server) -> dict | None:
    reply = call(server.port, "GET", "/readyz")
    assert reply.status in (200, 503), reply.text
    return reply.json() if reply.status == 503 else None


def test_no_process_failed(site):
    for name in ("a", "b", "worker"):
        assert site[name].process.poll() is None, f"{name} stopped"
    assert os.path.isdir(site["tmp"] / "metrics")  # ESSAIM_METRICS_DIR's default, shared by the three

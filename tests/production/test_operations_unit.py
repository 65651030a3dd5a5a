"""Operations inside one process: /healthz, /readyz and /metrics, request ids, JSON log lines, the
metrics folder and the cache that survives Redis going away."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from live_sites import free_port
from production_helpers import RedisServer, value_of

from essaim.core import health, jobs, metrics, multiproc
from essaim.core.cache import ResilientRedisCache
from essaim.core.logs import JsonFormatter, current_request
from essaim.core.models import Job
from essaim.settings import Config


@pytest.fixture(autouse=True)
def _fresh_readiness():
    health.forget()
    yield
    health.forget()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


# ---------------------------------------------------------------- /healthz and /readyz


def test_readyz_without_redis_is_ready_and_says_redis_is_not_configured(client, db, settings):
    settings.ESSAIM_REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready",
                               "checks": {"database": "ok", "migrations": "ok", "redis": "not configured"}}
    assert response["Cache-Control"] == "no-store"


def test_readyz_checks_redis_when_it_is_configured(client, db, settings, redis_server):
    settings.ESSAIM_REDIS_URL = redis_server.url
    assert client.get("/readyz").json()["checks"]["redis"] == "ok"


def test_readyz_is_503_and_names_redis_when_redis_is_unreachable(client, db, settings):
    settings.ESSAIM_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"] == "error: ConnectionError"


def test_readyz_is_503_while_a_migration_is_pending(client, db, settings):
    settings.ESSAIM_REDIS_URL = ""
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("DELETE FROM django_migrations WHERE app = 'core' AND name = "
                       "(SELECT MAX(name) FROM django_migrations WHERE app = 'core')")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "1 pending", "redis": "not configured"}


def test_the_results_are_reused_for_a_second(client, db, settings):
    settings.ESSAIM_REDIS_URL = ""
    client.get("/readyz")
    settings.ESSAIM_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    assert client.get("/readyz").status_code == 200  # the same answer within REUSE
    time.sleep(health.REUSE + 0.05)
    assert client.get("/readyz").status_code == 503


def test_operations_paths_answer_without_a_network_and_for_any_host_name(client, db, settings):
    settings.ALLOWED_HOSTS = ["essaim.example.com"]
    for path in ("/healthz", "/readyz", "/metrics"):
        response = client.get(path, HTTP_HOST="10.1.2.3:8000")  # a probe addresses the process by IP
        assert response.status_code == 200, (path, response.content[:200])
    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400  # everything else still checks it
    assert client.get("/", HTTP_HOST="essaim.example.com").status_code == 503  # no network yet
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz").json() == {"status": "ok"}
    assert len(queries) == 0  # liveness never asks the database


# ---------------------------------------------------------------- request ids


def test_each_response_carries_a_request_id(client, db):
    first, second = client.get("/healthz"), client.get("/no/such/page")
    for response in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize("given, kept", [
    ("edge-7f3a.42:frontend/1", True),
    ("a" * 128, True),
    ("a" * 129, False),
    ("two words", False),
    ("<script>", False),
    ("", False),
])
def test_a_sensible_request_id_from_the_caller_is_kept(client, db, given, kept):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    assert response.status_code == 200
    if kept:
        assert response["X-Request-ID"] == given
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


# ---------------------------------------------------------------- /metrics


def _scrape(client, **extra) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_request_durations_are_labelled_by_url_pattern_never_by_path(world, client):
    client.force_login(world.member)
    labels = {"route": "api/v1/posts/<post_id>", "method": "GET", "status": "4xx"}
    before = value_of(_scrape(client), "essaim_http_request_duration_seconds_count", **labels) or 0
    assert client.get("/api/v1/posts/987654321").status_code == 404
    assert client.get("/no/such/page/4242").status_code == 404
    client.generic("BREW", "/")
    text = _scrape(client)
    assert value_of(text, "essaim_http_request_duration_seconds_count", **labels) == before + 1
    assert value_of(text, "essaim_http_request_duration_seconds_bucket", le="+Inf", **labels) == before + 1
    assert value_of(text, "essaim_http_request_duration_seconds_count", route="unmatched", status="4xx") >= 1
    assert value_of(text, "essaim_http_request_duration_seconds_count", method="other") >= 1
    labels_seen = " ".join(line.split("}")[0] for line in text.splitlines() if "{" in line)  # not the values
    assert "987654321" not in labels_seen and "4242" not in labels_seen and "BREW" not in labels_seen


@jobs.job("test.production_broken", max_attempts=1)
def _broken_job(row) -> None:
    raise RuntimeError("broken on purpose")


def test_job_gauges_are_read_from_the_job_table_in_one_query(db, client):
    now = timezone.now()
    with transaction.atomic():
        jobs.enqueue("core.probe", {"seconds": 0}, run_at=now - timedelta(seconds=120))  # leased below
        jobs.enqueue("core.probe", {"seconds": 0}, run_at=now - timedelta(seconds=60))  # waiting for a minute
        jobs.enqueue("core.probe", {"seconds": 0}, run_at=now + timedelta(hours=1))  # scheduled
        jobs.enqueue("test.production_broken")
    jobs.run_pending(kinds=["test.production_broken"])  # fails on its only attempt
    assert Job.objects.get(kind="test.production_broken").state == Job.State.FAILED
    assert len(jobs.claim(1, kinds=["core.probe"])) == 1
    with CaptureQueriesContext(connection) as queries:
        text = metrics.render().decode()
    assert len(queries) == 1
    assert value_of(text, "essaim_jobs", kind="core.probe", state="queued") == 2
    assert value_of(text, "essaim_jobs", kind="core.probe", state="running") == 1
    assert value_of(text, "essaim_jobs", kind="test.production_broken", state="failed") == 1
    assert 59 <= value_of(text, "essaim_jobs_oldest_ready_seconds", kind="core.probe") < 120
    assert value_of(text, "essaim_jobs_run_total", kind="test.production_broken", result="failed") >= 1
    assert value_of(text, "essaim_database_up") == 1
    assert value_of(text, "essaim_jobs", kind="core.prune", state="failed") == 0  # every kind, from 0
    assert text.count("essaim_jobs{") == 3 * len(jobs.registered_kinds())


@pytest.mark.parametrize("meta, token, allowed", [
    ({"REMOTE_ADDR": "127.0.0.1"}, "", True),
    ({"REMOTE_ADDR": "127.8.9.10"}, "", True),
    ({"REMOTE_ADDR": "::1"}, "", True),
    ({"REMOTE_ADDR": "::ffff:127.0.0.1"}, "", True),
    ({"REMOTE_ADDR": "10.0.0.5"}, "", False),
    ({"REMOTE_ADDR": "10.0.0.5"}, "s3cret", False),
    ({"REMOTE_ADDR": "10.0.0.5", "HTTP_AUTHORIZATION": "Bearer s3cret"}, "s3cret", True),
    ({"REMOTE_ADDR": "10.0.0.5", "HTTP_AUTHORIZATION": "bearer  s3cret "}, "s3cret", True),
    ({"REMOTE_ADDR": "10.0.0.5", "HTTP_AUTHORIZATION": "Bearer s3cre"}, "s3cret", False),
    ({"REMOTE_ADDR": "10.0.0.5", "HTTP_AUTHORIZATION": "Bearer "}, "", False),  # no token set: none works
    ({"REMOTE_ADDR": "10.0.0.5", "HTTP_AUTHORIZATION": "Basic s3cret"}, "s3cret", False),
    # A proxy on the same machine makes every outside request come from the loopback interface.
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "", False),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=203.0.113.9"}, "", False),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.9"}, "", False),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_AUTHORIZATION": "Bearer s3cret"},
     "s3cret", True),
    ({"REMOTE_ADDR": "not an address"}, "", False),
    ({}, "", False),
])
def test_who_may_read_the_metrics(meta, token, allowed):
    assert metrics.may_read(meta, token) is allowed


def test_metrics_over_http_need_the_loopback_interface_or_the_token(client, db, settings):
    settings.ESSAIM_METRICS_TOKEN = "s3cret"
    outside = {"REMOTE_ADDR": "198.51.100.7"}
    denied = client.get("/metrics", **outside)
    assert denied.status_code == 404 and b"essaim_" not in denied.content
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope", **outside).status_code == 404
    assert "essaim_http_request_duration_seconds" in _scrape(client, HTTP_AUTHORIZATION="Bearer s3cret", **outside)
    assert "essaim_database_up" in _scrape(client)  # from 127.0.0.1, the test client's address
    assert client.post("/metrics").status_code == 405
    settings.ESSAIM_METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", **outside).status_code == 404


# ---------------------------------------------------------------- JSON logs


def _record(message="hello %s", args=("world",), level=logging.WARNING, **extra) -> logging.LogRecord:
    record = logging.LogRecord("essaim.test", level, __file__, 1, message, args, extra.pop("exc_info", None))
    record.__dict__.update(extra)
    return record


def test_a_json_log_line_is_one_object_with_time_level_logger_and_message():
    line = JsonFormatter().format(_record("two\nlines: %s", ("ok",)))
    assert "\n" not in line
    data = json.loads(line)
    assert {k: data[k] for k in ("level", "logger", "message")} == {
        "level": "WARNING", "logger": "essaim.test", "message": "two\nlines: ok"}
    assert data["ts"].endswith("Z")
    moment = datetime.fromisoformat(data["ts"])
    assert moment.utcoffset() == timedelta(0) and abs((datetime.now(UTC) - moment).total_seconds()) < 5
    assert "exception" not in data and "request_id" not in data


def test_a_json_log_line_carries_the_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        data = json.loads(JsonFormatter().format(_record("failed", (), level=logging.ERROR, exc_info=sys.exc_info())))
    assert data["level"] == "ERROR" and data["message"] == "failed"
    assert data["exception"].startswith("Traceback") and data["exception"].rstrip().endswith("ValueError: boom")


def test_a_json_log_line_carries_the_request_being_served():
    token = current_request.set({"request_id": "r-1", "method": "POST", "path": "/api/v1/posts"})
    try:
        data = json.loads(JsonFormatter().format(_record(status_code=500)))
    finally:
        current_request.reset(token)
    assert (data["request_id"], data["method"], data["path"], data["status"]) == ("r-1", "POST", "/api/v1/posts", 500)
    assert "request_id" not in json.loads(JsonFormatter().format(_record()))


def test_json_logs_write_an_access_line_per_request(db, settings, caplog):
    settings.ESSAIM_LOG_FORMAT = "json"
    caplog.set_level(logging.INFO, logger="essaim.request")
    response = Client().get("/readyz", HTTP_X_REQUEST_ID="probe-42")
    [record] = [r for r in caplog.records if r.name == "essaim.request"]
    data = json.loads(JsonFormatter().format(record))
    assert data["level"] == "INFO" and data["message"] == f"GET /readyz {response.status_code}"
    assert (data["request_id"], data["method"], data["path"], data["route"], data["status"]) == (
        "probe-42", "GET", "/readyz", "readyz", response.status_code)
    assert isinstance(data["duration_ms"], float) and data["duration_ms"] >= 0


def test_text_logs_write_no_access_line(db, settings, caplog):
    settings.ESSAIM_LOG_FORMAT = "text"
    caplog.set_level(logging.INFO, logger="essaim.request")
    Client().get("/healthz")
    assert not [r for r in caplog.records if r.name == "essaim.request"]


def test_log_and_metrics_settings(tmp_path):
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path)})
    assert (config.log_format, config.log_level, config.metrics_token) == ("text", "WARNING", "")
    assert config.metrics_dir == tmp_path.resolve() / "metrics" and not config.metrics_dir.exists()
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), "ESSAIM_LOG_FORMAT": "JSON",
                              "ESSAIM_LOG_LEVEL": "info", "ESSAIM_METRICS_DIR": str(tmp_path / "m"),
                              "ESSAIM_METRICS_TOKEN": " t0ken "})
    assert (config.log_format, config.log_level, config.metrics_dir, config.metrics_token) == (
        "json", "INFO", (tmp_path / "m").resolve(), "t0ken")
    for name, value in (("ESSAIM_LOG_FORMAT", "xml"), ("ESSAIM_LOG_LEVEL", "verbose")):
        with pytest.raises(ValueError, match=name):
            Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), name: value})


# ---------------------------------------------------------------- the metrics folder


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def _touch(folder, *names) -> None:
    for name in names:
        (folder / name).write_bytes(b"\0" * 8)


def test_at_start_the_live_gauges_of_gone_processes_go_and_their_counts_stay(tmp_path):
    me, gone = os.getpid(), _dead_pid()
    _touch(tmp_path, f"counter_{me}.db", f"histogram_{me}.db", f"gauge_livesum_{me}.db",
           f"counter_{gone}.db", f"histogram_{gone}.db", f"gauge_livesum_{gone}.db", f"gauge_all_{gone}.db",
           "notes.txt")
    assert multiproc.clean(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([
        f"counter_{me}.db", f"histogram_{me}.db", f"gauge_livesum_{me}.db", f"counter_{gone}.db",
        f"histogram_{gone}.db", f"gauge_all_{gone}.db", "notes.txt"])


def test_at_start_with_no_process_running_the_folder_starts_from_zero(tmp_path, monkeypatch):
    gone = _dead_pid()
    _touch(tmp_path, f"counter_{gone}.db", f"histogram_{gone}.db", f"gauge_livesum_{gone}.db")
    monkeypatch.delenv(multiproc.ENV, raising=False)  # restored after the test
    multiproc.use_directory(tmp_path / "sub")
    assert os.environ[multiproc.ENV] == str(tmp_path / "sub") and (tmp_path / "sub").is_dir()
    assert multiproc.clean(tmp_path) == 3 and not list(tmp_path.glob("*.db"))


def test_a_process_stopping_cleanly_forgets_its_live_gauges(tmp_path):
    me = os.getpid()
    _touch(tmp_path, f"gauge_livesum_{me}.db", f"counter_{me}.db")
    multiproc.forget_process(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"counter_{me}.db"]


# ---------------------------------------------------------------- the cache without Redis


def test_the_cache_without_redis_is_a_miss_and_a_no_op_and_costs_nothing():
    cache = ResilientRedisCache(f"redis://127.0.0.1:{free_port()}/0",
                                {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})
    started = time.monotonic()
    for _ in range(50):
        assert cache.get("k") is None and cache.get("k", 5) == 5
        assert cache.set("k", 1) is None and cache.add("k", 1) is False and cache.touch("k") is False
        assert cache.get_many(["a", "b"]) == {} and cache.set_many({"a": 1}) == [] and cache.has_key("a") is False
        assert cache.delete("k") is False and cache.delete_many(["a"]) is None
        assert cache.get_or_set("k", 3) == 3
        with pytest.raises(ValueError):
            cache.incr("k")
    assert time.monotonic() - started < 1.0


def test_the_cache_works_again_when_redis_is_back(redis_server):
    cache = ResilientRedisCache(redis_server.url, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})
    cache.set("k", {"n": 1})
    assert cache.get("k") == {"n": 1}
    assert cache.add("counter", 1) is True and cache.incr("counter") == 2
    redis_server.stop()
    try:
        assert cache.get("k", "miss") == "miss" and cache.set("k", 2) is None
    finally:
        redis_server.start()
    time.sleep(1.1)  # RETRY_AFTER: Redis is asked again after a second
    cache.set("k", 3)
    assert cache.get("k") == 3

"""`essaim bench --tier`: a real server and worker driven by the realistic mix as generated people,
with its floors and the freshness probe, in a database of its own (tier S)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.live.live_sites import drop_site_database, migrate, site_env

pytestmark = pytest.mark.django_db(transaction=True)


def _run(env, *args, timeout=300):
    return subprocess.run([sys.executable, "-m", "essaim.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_tier_bench_drives_every_operation_and_measures_its_floors(tmp_path):
    env = site_env(tmp_path, "tierbench")
    try:
        migrate(env)
        # no generated network yet and a server elsewhere: a clear refusal
        refused = _run(env, "bench", "--tier", "S", "--duration", "1", "--url", "http://127.0.0.1:9")
        assert refused.returncode != 0 and "essaim generate --tier S" in refused.stderr
        made = _run(env, "generate", "--tier", "S", "--seed", "4", "--end", "2026-11-01")
        assert made.returncode == 0, made.stderr[-2000:]
        out = tmp_path / "bench.json"
        done = _run(env, "bench", "--tier", "S", "--duration", "4", "--concurrency", "3", "--bench-people", "6",
                    "--json", str(out))
        assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
        result = json.loads(out.read_text())
        assert "home feed" in done.stdout and "raw feed view" in done.stdout and "freshness" in done.stdout
        assert set(result["floors"]) == {"hello", "raw feed view", "raw SQL", "home feed alone"}
        assert all(f["requests"] > 0 and f["errors"] == 0 for f in result["floors"].values())
        ops = result["operations"]
        assert {"home feed", "create post", "comment", "react", "search rare", "unread count"} <= set(ops)
        assert result["all"]["errors"] == 0 and result["all"]["requests"] > 20
        assert all(s["p50_vs_hello"] >= 1 for s in ops.values() if s["requests"])
        assert result["home_feed_vs_raw_view_throughput"] > 0
        fresh = result["freshness"]
        assert fresh["misses"] == 0 and fresh["requests"] >= 5
    finally:
        drop_site_database(env)

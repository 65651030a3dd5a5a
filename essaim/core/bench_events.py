"""`essaim bench --only events`: live delivery as people feel it.

Starts two web processes sharing events through Redis (ESSAIM_REDIS_URL; one process without it),
connects N event streams (people, several tabs each when N exceeds the people there are) to the first, writes posts to All company through the second as
fast as a few writers can, and measures every delivery: events delivered per second (all streams
together) and the delay from the start of the write request to the event's arrival. The posts it
wrote are removed afterwards (with their event log rows).
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import subprocess
import threading
import time


class _Reader(threading.Thread):
    def __init__(self, port: int, token: str, arrivals: dict, lock: threading.Lock):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.conn.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}", "Host": "127.0.0.1"})
        self.response = self.conn.getresponse()
        if self.response.status != 200:
            raise SystemExit(f"the event stream answered {self.response.status}")
        self.ready = threading.Event()
        self.arrivals, self.lock = arrivals, lock

    def run(self) -> None:
        try:
            while True:
                line = self.response.fp.readline()
                if not line:
                    return
                if not line.startswith(b"data: "):
                    continue
                event = json.loads(line[6:])
                if event["type"] == "stream.ready":
                    self.ready.set()
                elif event["type"] == "post.created":
                    now = time.perf_counter()
                    with self.lock:
                        self.arrivals.setdefault(event["data"]["post_id"], []).append(now)
        except (OSError, ValueError):
            return

    def close(self) -> None:
        try:
            if self.conn.sock is not None:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def measure_events(clients: int = 50, posts: int = 200, writers: int = 4, rate: float = 0.0) -> dict:
    """`rate`: posts per second to aim for (0: as fast as the writers go)."""
    from django.conf import settings

    from essaim.accounts.actions import do_create_token
    from essaim.accounts.models import ApiToken, User
    from essaim.core.models import EventLog
    from essaim.stream.models import Post

    people = list(User.objects.filter(is_active=True).order_by("id")[:clients])
    if not people:
        raise SystemExit("No people yet: run `essaim demo` first.")
    writer = User.objects.filter(is_active=True, is_admin=True, network_id=people[0].network_id).order_by("id").first()
    made_tokens = []
    reader_tokens = []
    for person in people:
        token, raw = do_create_token(person, scopes=["read"], name="bench", acting_user=person)
        made_tokens.append(token.pk)
        reader_tokens.append(raw)
    # More streams than people: some people have several tabs open.
    reader_tokens = [reader_tokens[i % len(reader_tokens)] for i in range(clients)]
    token, write_token = do_create_token(writer, scopes=["read", "write"], name="bench", acting_user=writer)
    made_tokens.append(token.pk)
    first_event = EventLog.objects.order_by("-id").values_list("id", flat=True).first() or 0

    redis = bool(settings.ESSAIM_REDIS_URL)
    from essaim.bench import _free_port, start_server

    port_a = _free_port()
    servers = [start_server(port_a, ESSAIM_JOBS="worker")]  # the bench runs no jobs
    port_b = port_a
    if redis:
        port_b = _free_port()
        servers.append(start_server(port_b, ESSAIM_JOBS="worker"))
    arrivals: dict[str, list[float]] = {}
    sent: dict[str, float] = {}
    lock = threading.Lock()
    readers: list[_Reader] = []
    created: list[str] = []
    errors: list[str] = []
    try:
        for raw in reader_tokens:
            reader = _Reader(port_a, raw, arrivals, lock)
            reader.start()
            readers.append(reader)
        for reader in readers:
            if not reader.ready.wait(30):
                raise SystemExit("an event stream did not open")
        remaining = [posts]

        def write() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port_b, timeout=60)
            headers = {"Authorization": f"Bearer {write_token}", "Host": "127.0.0.1",
                       "Content-Type": "application/json"}
            while True:
                with lock:
                    if remaining[0] <= 0:
                        break
                    remaining[0] -= 1
                    n = remaining[0]
                if rate > 0:  # the (posts - n)th post is due at that many 1/rate after the start
                    time.sleep(max(0.0, began + (posts - n - 1) / rate - time.perf_counter()))
                started = time.perf_counter()
                try:
                    conn.request("POST", "/api/v1/posts", body=json.dumps({"body": f"Live bench {n}"}), headers=headers)
                    response = conn.getresponse()
                    body = response.read()
                    if response.status != 201:
                        raise RuntimeError(f"status {response.status}: {body[:200]!r}")
                    with lock:
                        post_id = json.loads(body)["id"]
                        sent[post_id] = started
                        created.append(post_id)
                except Exception as exc:
                    with lock:
                        errors.append(str(exc))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port_b, timeout=60)
            conn.close()

        began = time.perf_counter()
        threads = [threading.Thread(target=write) for _ in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        written = time.perf_counter()
        expected = len(created) * len(readers)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                got = sum(len(v) for k, v in arrivals.items() if k in sent)
            if got >= expected:
                break
            time.sleep(0.05)
        with lock:
            delays = sorted(t - sent[k] for k, times in arrivals.items() if k in sent for t in times)
            last = max((t for k, times in arrivals.items() if k in sent for t in times), default=written)
    finally:
        for reader in readers:
            reader.close()
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        Post.objects.filter(id__in=[int(p) for p in created]).delete()
        EventLog.objects.filter(id__gt=first_event, type="post.created").delete()
        ApiToken.objects.filter(pk__in=made_tokens).delete()

    def pct(p: float) -> float:
        return delays[min(len(delays) - 1, int(p * len(delays)))] * 1000 if delays else float("nan")

    elapsed = max(last - began, 1e-9)
    return {"rate": rate, "processes": len(servers), "broker": "redis" if redis else "in-process", "clients": len(readers),
            "posts": len(created), "errors": len(errors), "expected_deliveries": len(created) * len(readers),
            "deliveries": len(delays), "seconds": elapsed, "writes_per_s": len(created) / max(written - began, 1e-9),
            "deliveries_per_s": len(delays) / elapsed, "p50_ms": pct(0.5), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "mean_ms": statistics.fmean(delays) * 1000 if delays else float("nan"),
            "first_error": errors[0] if errors else None}

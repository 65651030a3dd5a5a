"""Real parts for the production tests: a Redis server of their own, a TCP proxy that can cut or
stall the way to PostgreSQL, `essaim worker` processes, and plain HTTP calls that show headers."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from live_sites import free_port, stop_process


def need_redis_server() -> str:
    path = shutil.which("redis-server")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    return path


class RedisServer:
    """A private `redis-server` (nothing saved to disk) on a free port, which tests stop and start."""

    def __init__(self, folder: Path):
        self.binary = need_redis_server()
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


class TcpProxy:
    """Forwards 127.0.0.1:<port> to `target`. `cut()`: nothing listens any more and open connections
    drop (a server that is down); `stall()`: connections are accepted and never answered (a server
    that stopped responding, or a network that loses packets); `restore()`: forwarding again."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.mode = "open"
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut() or close()
                return
            with self.lock:
                self.sockets.add(client)
            if self.mode == "stall":
                continue  # held open, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                self._close(client)
                continue
            with self.lock:
                self.sockets.add(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(sink)

    def _close(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def _drop_connections(self) -> None:
        with self.lock:
            open_sockets = list(self.sockets)
        for sock in open_sockets:
            self._close(sock)

    def _stop_listening(self) -> None:
        if self.listener is not None:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            except OSError:
                pass
            self.listener.close()
            self.listener = None

    def cut(self) -> None:
        self.mode = "cut"
        self._stop_listening()
        self._drop_connections()

    def stall(self) -> None:
        self._drop_connections()
        self.mode = "stall"
        if self.listener is None:
            self._listen()

    def restore(self) -> None:
        if self.mode == "stall":
            self._drop_connections()
        self.mode = "open"
        if self.listener is None:
            self._listen()

    def close(self) -> None:
        self._stop_listening()
        self._drop_connections()


class Worker:
    """`essaim worker`, its stderr to a file."""

    def __init__(self, env: dict, log: Path):
        self.log = log
        with open(log, "ab") as stderr:
            self.process = subprocess.Popen([sys.executable, "-m", "essaim.cli", "worker", "--poll", "0.2"], env=env,
                                            stdout=subprocess.DEVNULL, stderr=stderr)

    def stop(self) -> None:
        stop_process(self.process)


class Reply:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.cookies = dict(v.split(";", 1)[0].strip().split("=", 1) for k, v in headers if k.lower() == "set-cookie")
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


def call(port: int, method: str, path: str, *, token: str | None = None, body: dict | None = None,
         headers: dict | None = None, form: str | None = None, timeout: float = 15) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    sent = {"Host": "127.0.0.1", **(headers or {})}
    payload = None
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    if body is not None:
        payload = json.dumps(body)
        sent["Content-Type"] = "application/json"
    elif form is not None:
        payload = form
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


def wait_until(predicate, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)


def samples(text: str) -> list[tuple[str, dict, float]]:
    """The samples of a Prometheus text exposition, as (name, labels, value)."""
    from prometheus_client.parser import text_string_to_metric_families

    return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(text) for s in family.samples]


def value_of(text: str, name: str, **labels) -> float | None:
    """The sum of the samples called `name` whose labels include `labels`, or None when there is none."""
    found = [v for n, ls, v in samples(text) if n == name and all(ls.get(k) == w for k, w in labels.items())]
    return sum(found) if found else None


def json_log_lines(path: Path) -> list[dict]:
    """Every line of a log file, each of which must be one JSON object with the four common fields."""
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            raise AssertionError(f"not a JSON log line in {path.name}: {raw[:300]!r}") from None
        assert isinstance(line, dict) and {"ts", "level", "logger", "message"} <= set(line), raw[:300]
        lines.append(line)
    return lines

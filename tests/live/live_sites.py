"""A real Essaim site for tests that need real processes: a data folder, a migrated database (a
PostgreSQL database of its own when the tests run on PostgreSQL, else an SQLite file), people made
through the actions, and `essaim serve` / `essaim worker` processes on free loopback ports."""

from __future__ import annotations

import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def site_env(tmp: Path, name: str) -> dict:
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
    env.update(ESSAIM_DATA_DIR=str(tmp), ESSAIM_SECURE_COOKIES="0", ESSAIM_EMAIL_URL="memory://",
               ESSAIM_ALLOWED_HOSTS="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        host, port, user = db["HOST"] or "127.0.0.1", db["PORT"] or "5432", db["USER"] or "postgres"
        database = f"essaim_{name}_{os.getpid()}"
        with psycopg.connect(f"host={host} port={port} user={user} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
            conn.execute(f'CREATE DATABASE "{database}"')
        env["ESSAIM_DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{database}"
    else:
        env["ESSAIM_DATABASE_URL"] = f"sqlite:///{tmp / 'essaim.sqlite3'}"
    return env


def drop_site_database(env: dict) -> None:
    url = env.get("ESSAIM_DATABASE_URL", "")
    if not url.startswith("postgres://"):
        return
    import psycopg
    from urllib.parse import urlparse

    parsed = urlparse(url)
    with psycopg.connect(f"host={parsed.hostname} port={parsed.port} user={parsed.username} dbname=postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def run_python(env: dict, code: str) -> str:
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code],
                          env=dict(env, DJANGO_SETTINGS_MODULE="essaim.settings"), capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise AssertionError(done.stderr[-3000:])
    return done.stdout.strip()


def migrate(env: dict) -> None:
    done = subprocess.run([sys.executable, "-m", "essaim.cli", "migrate"], env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        raise AssertionError(done.stderr[-3000:])


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL if it has not ended 15 s later."""
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


class Server:
    """`essaim serve` on a free port. Its stderr goes to a pipe read when it fails to start, or to the
    file `log` (for servers that write much, e.g. JSON access logs: a pipe nobody reads would fill up)."""

    def __init__(self, env: dict, *args: str, log: Path | None = None):
        self.port = free_port()
        self.log = log
        command = [sys.executable, "-m", "essaim.cli", "serve", "--port", str(self.port), *args]
        if log is None:
            self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        else:
            with open(log, "ab") as stderr:  # the server keeps its own copy
                self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("server did not start: " + self.errors())
            time.sleep(0.2)

    def request(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict | None]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        return response.status, (json.loads(raw) if raw else None)

    def errors(self) -> str:
        if self.log is not None:
            return self.log.read_text(errors="replace")[-3000:]
        if self.process.poll() is None:
            self.stop()  # reading a running server's pipe would wait for it to end
        return self.process.stderr.read().decode(errors="replace")[-3000:]

    def stop(self) -> None:
        stop_process(self.process)


class EventClient:
    """Reads /api/v1/events in a thread; each event lands in `.events` as (received_at, {id,type,data})."""

    def __init__(self, port: int, token: str, last_event_id: str | None = None):
        self.events: queue.Queue = queue.Queue()
        self.status: int | None = None
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1", "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.conn.request("GET", "/api/v1/events", headers=headers)
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.closed = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        data = []
        try:
            while True:
                line = self.response.fp.readline()
                if not line:
                    break
                line = line.decode().rstrip("\n")
                if line.startswith("data: "):
                    data.append(line[6:])
                elif line == "" and data:
                    self.events.put((time.monotonic(), json.loads("\n".join(data))))
                    data = []
        except (OSError, ValueError, AttributeError):
            pass
        self.closed = True

    def next(self, timeout: float = 5.0) -> dict:
        return self.events.get(timeout=timeout)[1]

    def wait_for(self, predicate, timeout: float = 5.0) -> tuple[dict, list[dict]]:
        """The first event matching `predicate` and the events that came before it."""
        before = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching event within {timeout} s; got {before}")
            try:
                event = self.next(left)
            except queue.Empty:
                raise AssertionError(f"no matching event within {timeout} s; got {before}") from None
            if predicate(event):
                return event, before
            before.append(event)

    def drain(self, wait: float = 0.5) -> list[dict]:
        out = []
        deadline = time.monotonic() + wait
        while True:
            try:
                out.append(self.next(max(deadline - time.monotonic(), 0.01)))
            except queue.Empty:
                return out

    def close(self) -> None:
        try:  # shut the socket first: the reading thread holds the response's buffer until it wakes
            if self.conn.sock is not None:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(5)
        self.response.close()
        self.conn.close()

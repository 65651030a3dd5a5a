"""A real `essaim serve` (uvicorn, ASGI) in a temporary data folder, for browser tests that need
what Django's live_server cannot give: the live event stream (/api/v1/events).

    with EssaimServer(tmp_path) as server:   # runs `essaim migrate`; stops the server at the end
        server.python(SNIPPET)                # Python with Django set up on that data folder
        server.serve()                        # `essaim serve --port <free port>`, once /healthz answers
        page.goto(server.url + "/")

Everything goes through the `essaim` command and the actions, as an operator would do it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Variables of the test process that must not leak into the server's.
_DROP = ("ESSAIM_REDIS_URL", "ESSAIM_DEBUG", "ESSAIM_BASE_URL", "ESSAIM_MEDIA_ROOT", "ESSAIM_SECRET_KEY",
         "DJANGO_ALLOW_ASYNC_UNSAFE", "ESSAIM_JOBS")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EssaimServer:
    def __init__(self, data_dir: Path, *, startup_timeout: float = 60.0):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.log = self.data_dir / "server.log"
        env = {k: v for k, v in os.environ.items() if k not in _DROP}
        env.update({
            "DJANGO_SETTINGS_MODULE": "essaim.settings",
            "ESSAIM_DATA_DIR": str(self.data_dir),
            "ESSAIM_DATABASE_URL": f"sqlite:///{self.data_dir / 'essaim.sqlite3'}",
            "ESSAIM_SECURE_COOKIES": "0",
            "ESSAIM_EMAIL_URL": "memory://",
            "ESSAIM_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "ESSAIM_BASE_URL": self.url,
            "PYTHONUNBUFFERED": "1",
        })
        self.env = env

    # -- commands
    def essaim(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run([sys.executable, "-m", "essaim.cli", *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"essaim {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def python(self, code: str, timeout: float = 120):
        """Runs `code` with Django set up on this data folder; returns what it printed last, as JSON."""
        prelude = "import django, json\ndjango.setup()\n"
        done = subprocess.run([sys.executable, "-c", prelude + code], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"the set-up snippet failed:\n{done.stdout}\n{done.stderr}")
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        return json.loads(lines[-1]) if lines else None

    # -- the server
    def serve(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "essaim.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"essaim serve stopped ({self.process.returncode}):\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"essaim serve did not answer /healthz in {self.startup_timeout:.0f} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> EssaimServer:
        self.essaim("migrate")
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

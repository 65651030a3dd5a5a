"""The metrics folder shared by the processes of one machine (prometheus-client's multiprocess mode).

`essaim serve` and `essaim worker` call `use_directory()` before anything imports
prometheus_client: it exports PROMETHEUS_MULTIPROC_DIR (read by prometheus_client when it is
imported, and inherited by uvicorn's or gunicorn's worker processes), so that every process
writes its counters and histograms to its own files there and /metrics on any web process adds
them up.

Clean-up, at each start:
- when no process that wrote to the folder is still running, the folder is emptied: a fresh
  start begins from zero, like a single process would;
- otherwise only the live gauges of the processes that are gone are removed (their open streams
  no longer exist); their counters and histograms stay, so the totals others report never go
  down, until the next start with no one running.
A process that stops cleanly removes its own live gauges (`forget_process`).

The folder must be on local disk and used by the processes of one machine only: a process is
recognised as running by its pid.

No prometheus_client import here: it must only happen once the variable is set.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
_FILE = re.compile(r"^(?P<kind>[a-z]+)(?:_(?P<mode>[a-z]+))?_(?P<pid>\d+)\.db$")


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def _files(folder: Path) -> list[tuple[Path, str, str, int]]:
    out = []
    for path in folder.glob("*.db"):
        match = _FILE.match(path.name)
        if match:
            out.append((path, match["kind"], match["mode"] or "", int(match["pid"])))
    return out


def clean(folder: Path) -> int:
    """Remove what the processes that are gone left behind (see the module's doc); returns how
    many files were removed."""
    files = _files(folder)
    running = {pid for pid in {f[3] for f in files} if _running(pid)}
    removed = 0
    for path, kind, mode, pid in files:
        if not running or (pid not in running and kind == "gauge" and mode.startswith("live")):
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def use_directory(folder: Path) -> None:
    """Make this process (and the processes it starts) write their metrics to `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    clean(folder)
    os.environ[ENV] = str(folder)


def forget_process(folder: Path, pid: int | None = None) -> None:
    """A process stopping cleanly: its live gauges no longer count."""
    if not Path(folder).is_dir():
        return
    pid = os.getpid() if pid is None else pid
    for path, kind, mode, owner in _files(Path(folder)):
        if owner == pid and kind == "gauge" and mode.startswith("live"):
            try:
                path.unlink()
            except FileNotFoundError:
                pass

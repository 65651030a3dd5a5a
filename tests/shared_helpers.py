"""Helpers shared by test modules (import them: `from shared_helpers import at_once`)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections


def at_once(*calls) -> list:
    """Run the calls in threads released together; each returns its result or the error it raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the caller inspects what each got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


needs_postgres = pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite serialises writers")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `essaim ARGV...` in-process: (exit status, stdout, stderr)."""
    from essaim import cli

    try:
        status = cli.main(list(argv))
    except SystemExit as exc:  # argparse refuses the command line
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err

"""Background jobs: written with the change that needs them, run once, retried, never lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from essaim.core import jobs
from essaim.core.models import Job, Network

ran: list[dict] = []


@jobs.job("test.record", max_attempts=3)
def _record(row):
    Network.objects.create(name="made by a job", slug=f"job-{row.pk}-{row.attempts}-{row.locked_by[-8:]}")
    ran.append(row.payload)
    if row.payload.get("fail"):
        raise RuntimeError("this job fails on purpose")


@jobs.job("test.recompute", max_attempts=2, atomic=False)
def _recompute(row):
    ran.append({"in_transaction": connection.in_atomic_block, **row.payload})
    if row.payload.get("fail"):
        raise RuntimeError("this job fails on purpose")


@pytest.fixture(autouse=True)
def _clean():
    ran.clear()
    yield
    ran.clear()


def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.enqueue("test.record", {"n": 1})
        raise RuntimeError("the change fails")
    assert Job.objects.count() == 0
    assert jobs.run_pending() == 0 and ran == []


def test_a_job_runs_once_and_is_marked_done_with_its_effects(db):
    jobs.enqueue("test.record", {"n": 1})
    assert jobs.run_pending() == 1
    assert jobs.run_pending() == 0
    row = Job.objects.get()
    assert row.state == Job.State.DONE and row.attempts == 1 and row.finished_at is not None
    assert ran == [{"n": 1}]
    assert Network.objects.filter(name="made by a job").count() == 1


def test_the_same_key_makes_one_job(db):
    assert jobs.enqueue("test.record", {"n": 1}, key="once") is not None
    assert jobs.enqueue("test.record", {"n": 2}, key="once") is None
    jobs.run_pending()
    assert ran == [{"n": 1}]


def test_an_unknown_kind_is_refused_at_enqueue(db):
    with pytest.raises(ValueError):
        jobs.enqueue("no.such.kind", {})


def test_a_job_that_will_run_later_waits(db):
    jobs.enqueue("test.record", {"n": 1}, run_at=timezone.now() + timedelta(minutes=10))
    assert jobs.run_pending() == 0
    Job.objects.update(run_at=timezone.now() - timedelta(seconds=1))
    assert jobs.run_pending() == 1


def test_a_failing_job_keeps_nothing_is_retried_later_then_marked_failed(db):
    jobs.enqueue("test.record", {"fail": True})
    assert jobs.run_pending() == 0
    row = Job.objects.get()
    assert row.state == Job.State.QUEUED and row.attempts == 1 and "fails on purpose" in row.last_error
    assert row.run_at > timezone.now()  # backs off
    assert not Network.objects.filter(name="made by a job").exists()  # its writes were rolled back
    for _ in range(2):
        Job.objects.update(run_at=timezone.now() - timedelta(seconds=1))
        jobs.run_pending()
    row.refresh_from_db()
    assert row.state == Job.State.FAILED and row.attempts == 3
    Job.objects.update(run_at=timezone.now() - timedelta(seconds=1))
    assert jobs.run_pending() == 0  # a failed job is not taken again
    assert len(ran) == 3


def test_a_leased_job_is_not_taken_twice_until_its_lease_expires(db):
    jobs.enqueue("test.record", {"n": 1})
    first = jobs.claim(worker="runner-1")
    assert [j.payload for j in first] == [{"n": 1}]
    assert jobs.claim(worker="runner-2") == []  # leased to runner-1, which may be working on it
    # runner-1 dies without a word; once the lease has run out, runner-2 takes the job.
    Job.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    second = jobs.claim(worker="runner-2")
    assert len(second) == 1 and second[0].attempts == 2
    assert jobs.run_one(second[0]) is True
    # runner-1 coming back to life cannot mark it done a second time.
    assert jobs.run_one(first[0]) is False
    assert len(ran) == 2  # runner-1's late run kept nothing (rolled back)
    assert Network.objects.filter(name="made by a job").count() == 1


def test_periodic_jobs_are_enqueued_once_per_period(db):
    now = timezone.now()
    made = jobs.schedule_periodic(now)
    assert made >= 1
    assert jobs.schedule_periodic(now) == 0  # a second runner in the same period adds nothing
    assert Job.objects.filter(kind="core.prune").count() == 1


def test_prune_forgets_old_done_jobs_and_events(db):
    from essaim.core.models import EventLog

    old = timezone.now() - timedelta(days=8)
    Job.objects.create(kind="core.probe", state=Job.State.DONE, finished_at=old)
    Job.objects.create(kind="core.probe", state=Job.State.QUEUED)
    EventLog.objects.create(network_id=1, type="post.created", created_at=old)
    EventLog.objects.create(network_id=1, type="post.created")
    jobs.prune()
    assert Job.objects.count() == 1 and EventLog.objects.count() == 1


# ------------------------------------------------------------- a real worker killed mid-job


@pytest.fixture
def worker_env(tmp_path):
    """The environment of a worker process on a database of its own (PostgreSQL: one created for
    this test and dropped after it; SQLite: a file)."""
    from django.conf import settings

    env = dict(os.environ, ESSAIM_DATA_DIR=str(tmp_path), ESSAIM_SECURE_COOKIES="0", ESSAIM_EMAIL_URL="memory://")
    env.pop("ESSAIM_REDIS_URL", None)
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        env["ESSAIM_DATABASE_URL"] = f"sqlite:///{tmp_path / 'essaim.sqlite3'}"
        yield env
        return
    import psycopg

    name = f"essaim_worker_{os.getpid()}"
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER'] or 'postgres'}"
    with psycopg.connect(dsn + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env["ESSAIM_DATABASE_URL"] = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(dsn + " dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _python(env, code: str) -> str:
    out = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code],
                         env=dict(env, DJANGO_SETTINGS_MODULE="essaim.settings"), capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_worker_killed_mid_job_loses_nothing(worker_env):
    env = worker_env
    subprocess.run([sys.executable, "-m", "essaim.cli", "migrate"], env=env, check=True, capture_output=True,
                   timeout=120)
    job_id = _python(env, "from essaim.core import jobs\n"
                          "print(jobs.enqueue('core.probe', {'seconds': 3}).pk)")
    status = ("from essaim.core.models import Job\n"
              f"j = Job.objects.get(pk={job_id}); print(j.state, j.attempts, j.locked_by)")
    first = subprocess.Popen([sys.executable, "-m", "essaim.cli", "worker", "--poll", "0.2"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while _python(env, status).split()[1] == "0":  # wait until the worker has taken it
            assert time.monotonic() < deadline, "the worker never took the job"
            time.sleep(0.2)
    finally:
        first.send_signal(signal.SIGKILL)  # killed in the middle of the job
        first.wait(10)
    state, attempts, _by = _python(env, status).split(" ", 2)
    assert state == "queued" and attempts == "1"  # not done, not lost
    second = subprocess.Popen([sys.executable, "-m", "essaim.cli", "worker", "--poll", "0.2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 40
        while not _python(env, status).startswith("done"):
            assert time.monotonic() < deadline, "the job was never run again"
            assert second.poll() is None, second.stderr.read().decode()
            time.sleep(0.5)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(15)
    state, attempts, _by = _python(env, status).split(" ", 2)
    assert state == "done" and attempts == "2"
    assert second.returncode == 0  # a clean stop on SIGTERM


def test_jobs_run_in_batches_commit_with_their_effects_or_not_at_all(db):
    for n in range(5):
        jobs.enqueue("test.record", {"n": n})
    seen = []

    def failing(rows):
        Network.objects.create(name="half a batch", slug="half-a-batch")
        raise RuntimeError("the batch fails")

    with pytest.raises(RuntimeError):
        jobs.run_batched("test.record", failing, batch=3)
    assert not Network.objects.filter(slug="half-a-batch").exists()
    assert Job.objects.filter(state=Job.State.QUEUED).count() == 5  # leased, to run again

    Job.objects.update(locked_until=None)
    assert jobs.run_batched("test.record", lambda rows: seen.append(sorted(r.payload["n"] for r in rows)),
                           batch=3) == 5
    assert seen == [[0, 1, 2], [3, 4]]
    assert Job.objects.filter(state=Job.State.DONE).count() == 5


def test_a_recomputing_job_runs_outside_a_transaction_and_is_retried_like_any(transactional_db):
    """atomic=False: its reads hold no lock (SQLite's write lock is taken when a transaction begins)."""
    jobs.enqueue("test.recompute", {"n": 1})
    jobs.enqueue("test.recompute", {"fail": True})
    assert jobs.run_pending() == 1
    assert {"in_transaction": False, "n": 1} in ran
    done, failing = Job.objects.get(payload={"n": 1}), Job.objects.get(payload={"fail": True})
    assert done.state == Job.State.DONE
    assert failing.state == Job.State.QUEUED and failing.attempts == 1 and "on purpose" in failing.last_error
    Job.objects.filter(pk=failing.pk).update(run_at=timezone.now() - timedelta(seconds=1))
    assert jobs.run_pending() == 0
    failing.refresh_from_db()
    assert failing.state == Job.State.FAILED and failing.attempts == 2

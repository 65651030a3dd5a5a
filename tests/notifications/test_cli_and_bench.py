"""`essaim digest [--now]` and `essaim bench --only digest` (bench_digest on the test database)."""

from __future__ import annotations

import pytest
from shared_helpers import run_cli

from essaim import cli
from essaim.core.models import Job, Network
from essaim.notifications.bench import bench_digest
from essaim.stream import actions as stream

pytestmark = pytest.mark.django_db(transaction=False)


run = run_cli


def test_digest_queues_by_default_and_sends_with_now(world, smtp, capsys):
    post = stream.do_create_post(world.owner, "Big news", community=world.open)
    stream.do_add_reaction(world.moderator, "like", post=post)
    status, out, err = run(capsys, "digest")
    assert status == 0 and err == ""
    assert out.startswith("7 people due for their digest: jobs queued")
    assert Job.objects.filter(kind="notifications.digest", state="queued").count() == 7
    assert smtp.messages() == []
    status, out, err = run(capsys, "digest", "--now")
    assert status == 0, err
    sent = len(smtp.messages())
    assert sent > 0
    assert out.startswith(f"{sent} digest e-mail{'s' if sent != 1 else ''} sent (7 people due, 7 looked at) in ")
    assert Job.objects.filter(kind="notifications.digest", state="queued").count() == 0
    status, out, _err = run(capsys, "digest", "--now")
    assert out.startswith("0 digest e-mails sent (0 people due, 0 looked at)")


def test_bench_digest_reports_what_the_smtp_server_received(db):
    networks = Network.objects.count()
    result = bench_digest(people=40)
    assert result["people"] == 40
    assert result["emails_sent"] == result["smtp_messages_received"] > 0
    assert result["smtp_connections"] == 1
    assert result["seconds"] > 0
    assert Network.objects.count() == networks  # the throwaway network is gone
    assert not Job.objects.filter(kind="notifications.digest").exists()


def test_bench_only_digest_is_a_choice(capsys):
    parser = cli.build_parser()
    args = parser.parse_args(["bench", "--only", "digest", "--people", "5"])
    assert (args.only, args.people) == ("digest", 5)

"""`essaim legalhold export`: the one way someone other than a participant reads direct messages.
It writes everything the person took part in to a JSON file only its operator can read, and
leaves an audit line."""

from __future__ import annotations

import json
import os
import stat

import pytest
from shared_helpers import run_cli

from essaim import cli
from essaim.accounts import actions as accounts
from essaim.messaging import actions as messaging
from essaim.messaging.models import LegalHoldExport

pytestmark = pytest.mark.django_db


run = run_cli


def test_export_holds_every_conversation_and_message_and_is_audited(world, chat, group, tmp_path, capsys):
    messaging.do_send_message(group, "Second message", acting_user=world.owner)
    messaging.do_leave_conversation(group, acting_user=world.moderator)
    messaging.do_send_message(group, "After the moderator left", acting_user=world.member)
    # A conversation the moderator never took part in stays out.
    other = messaging.do_start_conversation(world.member, [world.outsider.id])
    messaging.do_send_message(other, "Not for the moderator's file", acting_user=world.member)
    out = tmp_path / "moderator.json"
    status, stdout, err = run(capsys, "legalhold", "export", "--user", "moderator@acme.test", "--out", str(out))
    assert status == 0, err
    assert "Exported 1 conversation and 3 messages" in stdout and str(out) in stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    data = json.loads(out.read_text())
    assert data["format"] == "essaim-legal-hold/1"
    assert data["person"] == {"id": str(world.moderator.id), "email": "moderator@acme.test", "handle": "moderator",
                              "display_name": "Moderator", "is_active": True}
    [conversation] = data["conversations"]
    assert conversation["id"] == str(group.id) and conversation["title"] == "Launch" and conversation["is_group"]
    assert [m["body"] for m in conversation["messages"]] == ["Kick-off on **Monday**", "Second message",
                                                            "After the moderator left"]
    assert conversation["messages"][0]["author"]["email"] == "member@acme.test"
    left = {p["email"]: p["left_at"] for p in conversation["participants"]}
    assert left["moderator@acme.test"] is not None and left["member@acme.test"] is None
    audit = LegalHoldExport.objects.get()
    assert (audit.subject_id, audit.subject_email, audit.destination, audit.conversation_count,
            audit.message_count) == (world.moderator.id, "moderator@acme.test", str(out), 1, 3)
    assert audit.operator


def test_a_deactivated_person_can_still_be_exported(world, chat, tmp_path, capsys):
    accounts.do_deactivate_user(world.owner, acting_user=world.admin)
    out = tmp_path / "owner.json"
    status, stdout, err = run(capsys, "legalhold", "export", "--user", "OWNER@acme.test", "--out", str(out))
    assert status == 0, err
    data = json.loads(out.read_text())
    assert data["person"]["is_active"] is False
    assert [m["body"] for m in data["conversations"][0]["messages"]] == ["Hello owner, a word about the budget"]


def test_someone_in_no_conversation_gets_an_empty_export(world, chat, tmp_path, capsys):
    out = tmp_path / "outsider.json"
    status, stdout, _err = run(capsys, "legalhold", "export", "--user", "outsider@acme.test", "--out", str(out))
    assert status == 0 and "Exported 0 conversations and 0 messages" in stdout
    assert json.loads(out.read_text())["conversations"] == []
    assert LegalHoldExport.objects.get().message_count == 0


@pytest.mark.parametrize("argv,message", [
    (["--user", "nobody@acme.test", "--out", "{dir}/x.json"], "no one with the e-mail address 'nobody@acme.test'"),
    (["--user", "stranger@globex.test", "--out", "{dir}/x.json"], "no one with the e-mail address"),
    (["--user", "member@acme.test", "--out", "{dir}/missing/x.json"], "no such folder"),
    (["--user", "member@acme.test", "--out", "{dir}/exists.json"], "already exists"),
])
def test_bad_input_writes_nothing_and_records_nothing(world, chat, tmp_path, capsys, argv, message):
    (tmp_path / "exists.json").write_text("keep me")
    argv = [a.format(dir=tmp_path) for a in argv]
    status, _out, err = run(capsys, "legalhold", "export", *argv)
    assert status == 2 and message in err
    assert (tmp_path / "exists.json").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.json"]
    assert not LegalHoldExport.objects.exists()


def test_force_replaces_an_existing_file(world, chat, tmp_path, capsys):
    out = tmp_path / "member.json"
    out.write_text("old")
    status, _out, err = run(capsys, "legalhold", "export", "--user", "member@acme.test", "--out", str(out), "--force")
    assert status == 0, err
    assert len(json.loads(out.read_text())["conversations"]) == 1


def test_a_failed_audit_leaves_no_file(world, chat, tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr("essaim.messaging.actions.do_record_legal_hold_export", broken)
    with pytest.raises(RuntimeError):
        cli.main(["legalhold", "export", "--user", "member@acme.test", "--out", str(tmp_path / "member.json")])
    assert list(tmp_path.iterdir()) == []


def test_the_command_is_documented(capsys):
    status, out, _err = run(capsys, "legalhold", "export", "--help")
    assert status == 0 and "--user EMAIL" in out and "--out FILE.json" in out
    readme = open(os.path.join(os.path.dirname(cli.__file__), "..", "README.md"), encoding="utf-8").read()
    assert "## Direct messages and legal hold" in readme and "essaim legalhold export" in readme

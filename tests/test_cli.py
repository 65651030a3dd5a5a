"""The `essaim` command, as an operator uses it.

Most tests call the command in-process against the test database (SQLite or PostgreSQL); the
last ones run the installed console script in a subprocess against a fresh SQLite data folder:
the real entry point, the real exit codes, and the web server started and stopped with Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from shared_helpers import run_cli
from django.contrib.auth import authenticate
from django.urls import Resolver404, resolve

from essaim import cli, demo
from essaim.accounts import actions as accounts
from essaim.accounts.models import ApiToken, User
from essaim.communities.models import Community, JoinRequest, Membership
from essaim.core.models import Network
from essaim.notifications.models import Notification
from essaim.stream.models import Comment, Post, Reaction, TopicFollow

PASSWORD = "a long enough passphrase"


run = run_cli


@pytest.fixture
def no_terminal(monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: False)


@pytest.fixture
def network(db):
    return accounts.do_create_network("Essaim", "essaim")


def _me_route_exists() -> bool:
    try:
        resolve("/api/v1/me")
    except Resolver404:
        return False
    return True


# ---------------------------------------------------------------- createadmin


def test_createadmin_creates_the_default_network_and_an_administrator_who_can_sign_in(db, capsys, no_terminal):
    assert not Network.objects.exists()
    status, out, err = run(capsys, "createadmin", "--email", "Boss@Example.TEST", "--name", "Ada Lovelace",
                           "--password", PASSWORD)
    assert status == 0, err
    network = Network.objects.get()
    assert (network.name, network.slug, network.domain) == ("Essaim", "essaim", "")
    admin = User.objects.get(network=network)
    assert admin.is_admin and admin.is_active and admin.display_name == "Ada Lovelace"
    assert admin.email == "Boss@example.test"
    assert authenticate(None, email="boss@example.test", password=PASSWORD, network=network) == admin
    assert "Ada Lovelace" in out and "/login/" in out


def test_createadmin_joins_the_existing_default_network(network, capsys, no_terminal):
    status, _out, err = run(capsys, "createadmin", "--email", "ops@example.test", "--name", "Ops",
                            "--password", PASSWORD)
    assert status == 0, err
    assert Network.objects.count() == 1
    assert User.objects.get(email="ops@example.test").network == network


def test_createadmin_asks_for_what_is_missing_on_a_terminal(db, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    answers = iter(["grace@example.test", "Grace Hopper"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: PASSWORD)
    status, _out, err = run(capsys, "createadmin")
    assert status == 0, err
    assert User.objects.get(email="grace@example.test").check_password(PASSWORD)


def test_createadmin_refuses_two_different_passwords(db, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    typed = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(typed))
    status, _out, err = run(capsys, "createadmin", "--email", "g@example.test", "--name", "G")
    assert status == 2
    assert "passwords differ" in err
    assert not User.objects.exists()


def test_createadmin_without_a_terminal_needs_every_option(db, capsys, no_terminal):
    status, out, err = run(capsys, "createadmin", "--email", "boss@example.test", "--name", "Boss")
    assert status == 2
    assert "--password is required" in err and "Traceback" not in err
    assert not User.objects.exists() and not Network.objects.exists()


@pytest.mark.parametrize("email, password, message", [
    ("not-an-address", PASSWORD, "valid e-mail"),
    ("boss@example.test", "short", "too short"),
    ("boss@example.test", "1234567890123", "entirely numeric"),
])
def test_createadmin_bad_input_is_refused_clearly(db, capsys, no_terminal, email, password, message):
    status, _out, err = run(capsys, "createadmin", "--email", email, "--name", "Boss", "--password", password)
    assert status == 2
    assert message in err and err.startswith("essaim: error:")
    assert not User.objects.exists()


# ---------------------------------------------------------------- user create / deactivate


def test_user_create_then_a_duplicate_email_is_refused(network, capsys, no_terminal):
    status, out, err = run(capsys, "user", "create", "--email", "lin@example.test", "--name", "Lin",
                           "--password", PASSWORD)
    assert status == 0, err
    lin = User.objects.get(email="lin@example.test")
    assert not lin.is_admin and lin.handle == "lin" and "@lin" in out

    status, out, err = run(capsys, "user", "create", "--email", "LIN@example.test", "--name", "Other Lin")
    assert status == 2
    assert "already uses this e-mail address" in err
    assert "Traceback" not in err and out == ""
    assert User.objects.filter(network=network).count() == 1


def test_user_create_admin_and_without_password(network, capsys, no_terminal):
    status, out, err = run(capsys, "user", "create", "--email", "root2@example.test", "--name", "Second admin",
                           "--admin")
    assert status == 0, err
    person = User.objects.get(email="root2@example.test")
    assert person.is_admin
    assert not person.has_usable_password()  # they choose one through "Forgot your password?"
    assert "Forgot your password" in out


def test_user_create_needs_email_and_name(network, capsys):
    status, _out, err = run(capsys, "user", "create", "--email", "x@example.test")
    assert status == 2 and "--name" in err
    status, _out, err = run(capsys, "user", "create", "--email", "x@example.test", "--name", "   ")
    assert status == 2 and "display name is required" in err
    assert not User.objects.exists()


def test_user_deactivate_ends_tokens_and_sign_in(network, capsys):
    admin = accounts.do_create_user(network, email="admin@example.test", display_name="Admin", password=PASSWORD,
                                    is_admin=True)
    person = accounts.do_create_user(network, email="kim@example.test", display_name="Kim", password=PASSWORD)
    _token, raw = accounts.do_create_token(person, scopes=["read"], acting_user=person)
    epoch = person.auth_epoch

    status, out, err = run(capsys, "user", "deactivate", "--email", "kim@example.test")
    assert status == 0, err
    person.refresh_from_db()
    assert not person.is_active and person.auth_epoch > epoch  # every session is over
    assert accounts.find_token(raw) is None
    assert "1 API token revoked" in out
    assert authenticate(None, email="kim@example.test", password=PASSWORD, network=network) is None
    assert User.objects.get(pk=admin.pk).is_active

    status, out, _err = run(capsys, "user", "deactivate", "--email", "kim@example.test")
    assert status == 0 and "already deactivated" in out


def test_user_deactivate_unknown_person_or_no_administrator(network, capsys):
    status, _out, err = run(capsys, "user", "deactivate", "--email", "ghost@example.test")
    assert status == 2 and "no one with the e-mail address" in err
    accounts.do_create_user(network, email="kim@example.test", display_name="Kim", password=PASSWORD)
    status, _out, err = run(capsys, "user", "deactivate", "--email", "kim@example.test")
    assert status == 2 and "no active administrator" in err
    assert User.objects.get(email="kim@example.test").is_active


# ---------------------------------------------------------------- token create


def test_token_create_prints_the_token_alone_on_the_last_line_and_it_authenticates(network, capsys, api_as):
    person = accounts.do_create_user(network, email="bot@example.test", display_name="Integration bot",
                                     password=PASSWORD)
    status, out, err = run(capsys, "token", "create", "--user", "BOT@example.test", "--scopes", "read,write",
                           "--name", "crm sync")
    assert status == 0, err
    raw = out.rstrip("\n").splitlines()[-1]
    assert raw == raw.strip() and " " not in raw and raw.startswith("ess_")
    assert raw not in "\n".join(out.splitlines()[:-1])  # shown once, on its own line
    token = accounts.find_token(raw)
    assert token is not None and token.user == person
    assert token.scope_set == {"read", "write"} and token.name == "crm sync"
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.token_hash, stored.prefix)  # only a hash is kept
    if _me_route_exists():
        response = api_as(token=raw).get("me")
        assert response.status_code == 200, response.content
        assert response.json_body["handle"] == person.handle
        assert api_as(token=raw + "x").get("me").status_code == 401


@pytest.mark.parametrize("argv, message", [
    (["--user", "bot@example.test", "--scopes", "read,fly"], "Scopes must be among"),
    (["--user", "bot@example.test", "--scopes", ","], "Scopes must be among"),
    (["--user", "nobody@example.test"], "no one with the e-mail address"),
])
def test_token_create_bad_input(network, capsys, argv, message):
    accounts.do_create_user(network, email="bot@example.test", display_name="Bot", password=PASSWORD)
    status, out, err = run(capsys, "token", "create", *argv)
    assert status == 2
    assert message in err and out == ""
    assert not ApiToken.objects.exists()


def test_token_for_a_deactivated_person_is_refused(network, capsys):
    admin = accounts.do_create_user(network, email="admin@example.test", display_name="A", password=PASSWORD,
                                    is_admin=True)
    gone = accounts.do_create_user(network, email="gone@example.test", display_name="Gone", password=PASSWORD)
    accounts.do_deactivate_user(gone, acting_user=admin)
    status, _out, err = run(capsys, "token", "create", "--user", "gone@example.test")
    assert status == 2 and "deactivated" in err
    assert not ApiToken.objects.exists()


def test_commands_on_people_need_a_network(db, capsys):
    status, _out, err = run(capsys, "token", "create", "--user", "x@example.test")
    assert status == 2 and "no network yet" in err


# ---------------------------------------------------------------- demo, migrate, check, parser


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in
            (Network, User, Community, Membership, JoinRequest, Post, Comment, Reaction, TopicFollow, Notification)}


def test_demo_loads_once_and_a_second_run_changes_nothing(db, capsys):
    status, out, err = run(capsys, "demo")
    assert status == 0, err
    assert f"Sign in as {demo.DEMO_ADMIN_EMAIL} with password {demo.DEMO_PASSWORD}" in out
    network = Network.objects.get()
    assert network.name == demo.DEMO_NETWORK_NAME and network.domain == ""
    before = _counts()
    assert before["User"] >= 55 and before["Post"] >= 200

    status, out, err = run(capsys, "demo")
    assert status == 0, err
    assert "already there" in out and "nothing changed" in out
    assert _counts() == before


def test_demo_goes_into_the_existing_default_network(network, capsys, monkeypatch):
    accounts.do_create_network("Partner", "partner", domain="partner.example.test")
    loaded = []
    monkeypatch.setattr(demo, "load", lambda into: loaded.append(into) or {"people": 0})
    status, _out, err = run(capsys, "demo")
    assert status == 0, err
    assert loaded == [network]  # the network served on 127.0.0.1, not the one with a domain of its own
    assert Network.objects.count() == 2


def test_bench_passes_its_options_on(db, capsys, monkeypatch):
    from essaim import bench

    seen = []
    monkeypatch.setattr(bench, "run", lambda **options: seen.append(options) or 0)
    status, _out, err = run(capsys, "bench", "--only", "queries", "--concurrency", "5", "--requests", "20",
                            "--workers", "2")
    assert status == 0, err
    assert seen == [{"concurrency": 5, "requests": 20, "only": "queries", "as_json": False, "workers": 2,
                     "wsgi": False, "people": None, "clients": 50, "posts": 200, "rate": 0.0, "corpus": 200000}]


def test_bench_tier_passes_its_options_on(db, capsys, monkeypatch):
    from essaim import loadbench

    seen = []
    result = {"all": {"errors": 0}, "floors": {}, "operations": {}}
    monkeypatch.setattr(loadbench, "measure", lambda **options: seen.append(options) or result)
    monkeypatch.setattr(loadbench, "print_table", lambda r: print("table"))
    status, out, err = run(capsys, "bench", "--tier", "M", "--concurrency", "20", "--duration", "30", "--url",
                           "http://127.0.0.1:8000", "--bench-people", "40")
    assert status == 0, err
    assert seen[0]["tier"] == "M" and seen[0]["concurrency"] == 20 and seen[0]["duration"] == 30
    assert seen[0]["url"] == "http://127.0.0.1:8000" and seen[0]["people"] == 40 and seen[0]["workers"] == 2
    result["all"]["errors"] = 3  # any error: exit status 1
    assert run(capsys, "bench", "--tier", "S", "--duration", "5")[0] == 1


def test_migrate_and_check_succeed_on_an_up_to_date_database(db, capsys):
    status, out, err = run(capsys, "migrate")
    assert status == 0, err
    assert "up to date" in out
    status, out, err = run(capsys, "check")
    assert status == 0, err
    assert "no issues" in out


@pytest.mark.parametrize("argv", [[], ["fly"], ["user"], ["token", "create"], ["serve", "--port", "http"],
                                  ["serve", "--port", "70000"], ["serve", "--workers", "0"],
                                  ["createadmin", "--unknown"], ["bench", "--only", "everything"],
                                  ["bench", "--requests", "0"], ["bench", "--tier", "XL"],
                                  ["bench", "--tier", "M", "--duration", "0"], ["generate", "--tier", "M", "--seed", "x"],
                                  ["generate", "--tier", "S", "--end", "yesterday"]])
def test_bad_command_lines_exit_with_status_2(capsys, argv):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert "usage: essaim" in err and "Traceback" not in err


# ---------------------------------------------------------------- the installed command, for real


def _essaim() -> list[str]:
    script = Path(sys.executable).parent / "essaim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "essaim.cli"]


@pytest.fixture
def fresh_env(tmp_path):
    """A data folder of its own and SQLite, whatever database the suite runs on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
    env.update(ESSAIM_DATA_DIR=str(tmp_path / "data"), ESSAIM_SECURE_COOKIES="0",
               ESSAIM_DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'essaim.sqlite3'}")
    return env


def essaim(env, *argv, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(_essaim() + list(argv), env=env, capture_output=True, text=True, timeout=timeout)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_console_script_from_an_empty_folder_to_a_running_server(fresh_env):
    # Before migrating, commands say what to do instead of failing with a traceback.
    early = essaim(fresh_env, "user", "create", "--email", "a@example.test", "--name", "A")
    assert early.returncode == 1
    assert "run `essaim migrate` first" in early.stderr and "Traceback" not in early.stderr

    assert essaim(fresh_env, "migrate").returncode == 0
    made = essaim(fresh_env, "createadmin", "--email", "boss@example.test", "--name", "Boss", "--password", PASSWORD)
    assert made.returncode == 0, made.stderr
    again = essaim(fresh_env, "user", "create", "--email", "boss@example.test", "--name", "Boss again")
    assert again.returncode == 2
    assert "already uses this e-mail address" in again.stderr and "Traceback" not in again.stderr
    token = essaim(fresh_env, "token", "create", "--user", "boss@example.test", "--scopes", "read")
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().splitlines()[-1].startswith("ess_")

    port = _free_port()
    server = subprocess.Popen(_essaim() + ["serve", "--port", str(port), "--threads", "2"], env=fresh_env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = server.stdout.readline()
        assert banner.strip() == f"Essaim is running on http://127.0.0.1:{port}"
        assert "Sign in with your e-mail address" in server.stdout.readline()
        for _attempt in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    assert response.status == 200
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer")
        busy = essaim(fresh_env, "serve", "--port", str(port))
        assert busy.returncode == 1 and "Choose another port" in busy.stderr
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Essaim stopped." in out
    assert "Traceback" not in err


def test_console_script_reports_a_bad_database_url(fresh_env):
    fresh_env["ESSAIM_DATABASE_URL"] = "mysql://root@localhost/essaim"
    result = essaim(fresh_env, "migrate")
    assert result.returncode == 2
    assert "ESSAIM_DATABASE_URL: unsupported scheme 'mysql'" in result.stderr
    assert "Traceback" not in result.stderr

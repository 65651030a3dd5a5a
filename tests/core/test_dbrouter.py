"""Read replicas with read-your-writes (essaim/core/dbrouter.py), and the database settings for
replicas and PgBouncer.

The replica here is a second connection alias to the test database (a test mirror, as Django's
TEST {"MIRROR": "default"} makes it): the rows are the same, so the tests look at which
connection each query went through. Data is committed (transactional tests), since a replica
never sees a transaction that is still open on the primary.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection, connections, router, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from essaim.core.dbrouter import PRIMARY, ReplicaMiddleware, pin_key
from essaim.search import indexing
from essaim.settings import Config, database_from_url, replica_databases
from essaim.stream import actions as stream
from essaim.stream.models import Post

ROOT = Path(__file__).resolve().parents[2]
REPLICA = "replica1"  # the test mirror declared in conftest.py
PG = "postgres://postgres@127.0.0.1:5432/essaim"


@pytest.fixture
def replica(settings):
    """The router and its middleware switched on, with the test mirror "replica1" (conftest.py)."""
    settings.ESSAIM_DATABASE_REPLICAS = [REPLICA]
    settings.ESSAIM_REPLICA_PIN_SECONDS = 10
    settings.DATABASE_ROUTERS = ["essaim.core.dbrouter.ReplicaRouter"]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("essaim.core.middleware.NetworkMiddleware") + 1,
                      "essaim.core.dbrouter.ReplicaMiddleware")
    settings.MIDDLEWARE = middleware
    cache.clear()
    yield REPLICA
    cache.clear()


class Queries:
    """The SQL each connection ran inside the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections[PRIMARY])
        self.replica = CaptureQueriesContext(connections[REPLICA])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    @staticmethod
    def _touching(captured, table: str) -> list[str]:
        return [q["sql"] for q in captured.captured_queries if f'"{table}"' in q["sql"]]

    def on_primary(self, table: str) -> list[str]:
        return self._touching(self.primary, table)

    def on_replica(self, table: str) -> list[str]:
        return self._touching(self.replica, table)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_a_feed_read_by_someone_who_did_not_write_comes_from_the_replica(world, replica):
    post = stream.do_create_post(world.owner, "Quarterly numbers are out", community=world.open)
    client = signed_in(world.member)
    with Queries() as queries:
        response = client.get("/api/v1/feed")
    assert response.status_code == 200
    assert str(post.id) in [item["id"] for item in response.json()["items"]]
    assert queries.on_replica("stream_post")
    assert not queries.on_primary("stream_post")
    with Queries() as queries:
        assert client.get("/").status_code == 200  # the home page's feed too
    assert queries.on_replica("stream_post") and not queries.on_primary("stream_post")
    assert cache.get(pin_key(world.member.id)) is None  # reading pins nobody


@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_search_with_a_bearer_token_reads_the_replica_after_checking_the_token(world, replica, token_for):
    stream.do_create_post(world.owner, "Onboarding checklist for newcomers", community=world.open)
    indexing.reindex_all()
    token = token_for(world.member, "read")
    with Queries() as queries:
        response = Client().get("/api/v1/search", {"q": "onboarding"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["items"]
    assert queries.on_replica("search_searchentry")  # the text search, its raw SQL included
    assert not queries.on_primary("search_searchentry")
    assert queries.on_primary("accounts_apitoken") and not queries.on_replica("accounts_apitoken")
    assert cache.get(pin_key(world.member.id)) is None  # noting when the token was used is no write of theirs


@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_a_person_who_just_posted_reads_the_primary_within_the_pin_window(world, replica):
    writer, reader = signed_in(world.member), signed_in(world.owner)
    with Queries() as queries:
        response = writer.post("/api/v1/posts", {"body": "Fresh news", "community_id": str(world.open.id)},
                               content_type="application/json")
    assert response.status_code == 201
    assert queries.on_primary("stream_post") and not queries.replica.captured_queries  # writes: never a replica
    assert cache.get(pin_key(world.member.id)) is not None
    with Queries() as queries:
        feed = writer.get("/api/v1/feed").json()
    assert feed["items"][0]["id"] == response.json()["id"]
    assert not queries.replica.captured_queries  # their own write, read from the primary
    with Queries() as queries:
        reader.get("/api/v1/feed")
    assert queries.on_replica("stream_post")  # someone else: the replica
    cache.delete(pin_key(world.member.id))  # the pin window is over
    with Queries() as queries:
        writer.get("/api/v1/feed")
    assert queries.on_replica("stream_post") and not queries.on_primary("stream_post")


@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_a_write_during_a_read_mostly_request_sends_the_rest_to_the_primary_and_pins(world, replica):
    seen = {}

    def view(request):
        ReplicaMiddleware(None).process_view(request, view, (), {})  # as Django calls it, before the view
        seen["before"] = router.db_for_read(Post)
        seen["write"] = router.db_for_write(Post)
        seen["after"] = router.db_for_read(Post)

    request = RequestFactory().get("/api/v1/feed")
    request.user = world.member
    request.resolver_match = type("Match", (), {"view_name": "api:home_feed"})()
    ReplicaMiddleware(view)(request)
    assert seen == {"before": REPLICA, "write": PRIMARY, "after": PRIMARY}
    assert cache.get(pin_key(world.member.id)) is not None


@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_inside_a_transaction_on_the_primary_reads_use_the_primary(world, replica):
    seen = {}

    def view(request):
        ReplicaMiddleware(None).process_view(request, view, (), {})
        seen["outside"] = router.db_for_read(Post)
        with transaction.atomic():
            seen["inside"] = router.db_for_read(Post)

    request = RequestFactory().get("/search/")
    request.user = world.member
    request.resolver_match = type("Match", (), {"view_name": "search:results"})()
    ReplicaMiddleware(view)(request)
    assert seen == {"outside": REPLICA, "inside": PRIMARY}
    assert cache.get(pin_key(world.member.id)) is None


@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_other_pages_anonymous_people_and_code_outside_requests_use_the_primary(world, replica):
    client = signed_in(world.member)
    with Queries() as queries:
        assert client.get("/people/").status_code == 200  # not read-mostly
        assert client.get(f"/posts/{stream.do_create_post(world.owner, 'Hi').id}/").status_code == 200
        assert Client().get("/api/v1/feed").status_code == 401  # anonymous
        assert Post.objects.count() == 1  # a job, a command
    assert not queries.replica.captured_queries
    assert router.allow_migrate(REPLICA, "stream") is False and router.allow_migrate(PRIMARY, "stream") is True


@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_nothing_changes_without_replicas(world, replica, settings):
    settings.ESSAIM_DATABASE_REPLICAS = []
    with Queries() as queries:
        assert signed_in(world.member).get("/api/v1/feed").status_code == 200
    assert queries.on_primary("stream_post") and not queries.replica.captured_queries


# Settings

def test_replica_urls_become_mirrored_aliases(tmp_path):
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), "ESSAIM_DATABASE_URL": "postgres://app@primary/essaim",
                              "ESSAIM_DATABASE_REPLICA_URLS": " postgres://app@replica-a/essaim , "
                                                              "postgresql://app:s%40cret@replica-b:6432/essaim,"})
    assert config.database_replica_urls == ["postgres://app@replica-a/essaim",
                                            "postgresql://app:s%40cret@replica-b:6432/essaim"]
    assert config.replica_pin_seconds == 10
    replicas = replica_databases(config)
    assert list(replicas) == ["replica1", "replica2"]
    assert (replicas["replica2"]["HOST"], replicas["replica2"]["PORT"], replicas["replica2"]["PASSWORD"]) == (
        "replica-b", "6432", "s@cret")
    assert all(r["TEST"] == {"MIRROR": "default"} for r in replicas.values())
    none = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path)})
    assert none.database_replica_urls == [] and replica_databases(none) == {}


@pytest.mark.parametrize("env, message", [
    ({"ESSAIM_DATABASE_URL": PG, "ESSAIM_DATABASE_REPLICA_URLS": "mysql://r/essaim"},
     "ESSAIM_DATABASE_REPLICA_URLS: 'mysql' is not a PostgreSQL URL"),
    ({"ESSAIM_DATABASE_URL": PG, "ESSAIM_DATABASE_REPLICA_URLS": "replica-host:5432"},
     "ESSAIM_DATABASE_REPLICA_URLS: .* is not a PostgreSQL URL"),
    ({"ESSAIM_DATABASE_REPLICA_URLS": PG}, "ESSAIM_DATABASE_REPLICA_URLS: read replicas need a PostgreSQL primary"),
    ({"ESSAIM_REPLICA_PIN_SECONDS": "ten"}, "ESSAIM_REPLICA_PIN_SECONDS: a whole number"),
    ({"ESSAIM_REPLICA_PIN_SECONDS": "0"}, "ESSAIM_REPLICA_PIN_SECONDS: at least 1"),
    ({"ESSAIM_DATABASE_URL": PG, "ESSAIM_DATABASE_POOLING": "pgpool"}, "ESSAIM_DATABASE_POOLING: use 'pgbouncer'"),
    ({"ESSAIM_DATABASE_POOLING": "pgbouncer"}, "ESSAIM_DATABASE_POOLING: pgbouncer needs a PostgreSQL"),
])
def test_bad_replica_and_pooling_settings_are_clear_errors(tmp_path, env, message):
    with pytest.raises(ValueError, match=message):
        Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), **env})


def test_pgbouncer_turns_off_server_side_cursors_and_prepared_statements(tmp_path):
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), "ESSAIM_DATABASE_URL": PG,
                              "ESSAIM_DATABASE_POOLING": "PgBouncer", "ESSAIM_DATABASE_REPLICA_URLS": PG})
    assert config.database_pooling == "pgbouncer"
    pooled = database_from_url(f"{PG}?prepare_threshold=5&server_side_binding=true&sslmode=require",
                               pooling=config.database_pooling)
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert pooled["OPTIONS"] == {"prepare_threshold": None, "sslmode": "require", "connect_timeout": "5"}
    assert replica_databases(config)["replica1"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    direct = database_from_url(PG)
    assert direct["DISABLE_SERVER_SIDE_CURSORS"] is False and "prepare_threshold" not in direct["OPTIONS"]


def _settings_of(tmp_path, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
    clean.update({"ESSAIM_DATA_DIR": str(tmp_path), **env})
    code = ("import json, essaim.settings as s; print(json.dumps({'routers': s.DATABASE_ROUTERS if "
            "hasattr(s, 'DATABASE_ROUTERS') else [], 'middleware': s.MIDDLEWARE, 'databases': "
            "{k: {'HOST': v.get('HOST'), 'TEST': v.get('TEST')} for k, v in s.DATABASES.items()}, "
            "'replicas': s.ESSAIM_DATABASE_REPLICAS, 'pin': s.ESSAIM_REPLICA_PIN_SECONDS}))")
    out = subprocess.run([sys.executable, "-c", code], env=clean, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_router_and_its_middleware_are_there_only_with_replicas(tmp_path):
    plain = _settings_of(tmp_path, ESSAIM_DATABASE_URL=PG)
    assert plain["routers"] == [] and plain["replicas"] == [] and list(plain["databases"]) == ["default"]
    assert "essaim.core.dbrouter.ReplicaMiddleware" not in plain["middleware"]
    scaled = _settings_of(tmp_path, ESSAIM_DATABASE_URL=PG, ESSAIM_DATABASE_REPLICA_URLS="postgres://r1/essaim",
                          ESSAIM_REPLICA_PIN_SECONDS="30")
    assert scaled["routers"] == ["essaim.core.dbrouter.ReplicaRouter"]
    assert scaled["replicas"] == ["replica1"] and scaled["pin"] == 30
    assert scaled["databases"]["replica1"] == {"HOST": "r1", "TEST": {"MIRROR": "default"}}
    middleware = scaled["middleware"]
    assert middleware.index("essaim.core.dbrouter.ReplicaMiddleware") == middleware.index(
        "essaim.core.middleware.NetworkMiddleware") + 1  # after the person is known


@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_on_postgresql_pgbouncer_mode_iterates_without_a_server_side_cursor(world):
    """A server-side cursor outlives its transaction in autocommit mode (WITH HOLD): the pooler
    would hand the next statement to another server connection, where the cursor does not exist.
    The second connection here takes the settings ESSAIM_DATABASE_POOLING=pgbouncer gives."""
    if connection.vendor != "postgresql":
        pytest.skip("server-side cursors are PostgreSQL's")
    stream.do_create_post(world.owner, "One")
    stream.do_create_post(world.owner, "Two")
    pooled = database_from_url(PG, pooling="pgbouncer")
    second = connections[REPLICA]
    second.close()
    saved = {key: second.settings_dict.get(key) for key in ("OPTIONS", "DISABLE_SERVER_SIDE_CURSORS")}
    second.settings_dict.update(OPTIONS=pooled["OPTIONS"], DISABLE_SERVER_SIDE_CURSORS=True)

    def cursors_open_while_iterating(using: str) -> int:
        rows = Post.objects.using(using).values_list("id", flat=True).iterator(chunk_size=1)
        next(rows)
        with connections[using].cursor() as c:
            c.execute("SELECT count(*) FROM pg_cursors")
            count = c.fetchone()[0]
        list(rows)
        return count

    try:
        assert cursors_open_while_iterating(PRIMARY) == 1
        assert cursors_open_while_iterating(REPLICA) == 0
        assert second.connection.prepare_threshold is None
    finally:
        second.close()
        second.settings_dict.update(saved)

"""Settings read from ESSAIM_* environment variables: what an operator writes, and what they get."""

from __future__ import annotations

import os
import stat

import pytest

from essaim.settings import Config, database_from_url, email_from_url


def test_defaults_live_in_the_data_folder(tmp_path):
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path / "data")})
    data = (tmp_path / "data").resolve()
    assert config.data_dir == data and data.is_dir()
    db = database_from_url(config.database_url)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert os.path.realpath(db["NAME"]) == str(data / "essaim.sqlite3")
    assert config.media_root == data / "media"
    assert email_from_url(config.email_url)["EMAIL_FILE_PATH"].endswith("/mail")
    assert config.allowed_hosts == ["127.0.0.1", "localhost"]
    assert config.debug is False
    assert config.secure_cookies is True  # outside debug, cookies only travel over HTTPS
    assert config.base_url == "http://127.0.0.1:8000"


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 50
    second = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path)})
    assert second.secret_key == first.secret_key  # kept across restarts: sessions survive
    other = tmp_path / "other"
    assert Config.from_env({"ESSAIM_DATA_DIR": str(other)}).secret_key != first.secret_key


def test_secret_key_from_the_environment_is_not_written(tmp_path):
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), "ESSAIM_SECRET_KEY": "k" * 60})
    assert config.secret_key == "k" * 60
    assert not (tmp_path / "secret_key").exists()


def test_explicit_settings_are_read(tmp_path):
    config = Config.from_env({
        "ESSAIM_DATA_DIR": str(tmp_path),
        "ESSAIM_ALLOWED_HOSTS": " essaim.example.com , 10.0.0.5,,",
        "ESSAIM_DEBUG": "yes",
        "ESSAIM_MEDIA_ROOT": str(tmp_path / "uploads"),
        "ESSAIM_FROM_EMAIL": "Essaim <noreply@example.com>",
        "ESSAIM_BASE_URL": "https://essaim.example.com/",
        "ESSAIM_DATABASE_URL": "postgres://app@db/essaim",
        "ESSAIM_EMAIL_URL": "console://",
    })
    assert config.allowed_hosts == ["essaim.example.com", "10.0.0.5"]
    assert config.debug is True
    assert config.secure_cookies is False  # debug alone turns them off...
    assert config.media_root == (tmp_path / "uploads").resolve()
    assert config.default_from_email == "Essaim <noreply@example.com>"
    assert config.base_url == "https://essaim.example.com"
    assert config.database_url == "postgres://app@db/essaim"
    assert config.email_url == "console://"


@pytest.mark.parametrize("value, expected", [("0", False), ("false", False), ("no", False), ("1", True),
                                             ("on", True), ("", True)])
def test_secure_cookies_can_be_set_explicitly(tmp_path, value, expected):
    config = Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), "ESSAIM_SECURE_COOKIES": value})
    assert config.secure_cookies is expected


def test_sqlite_url_gives_wal_mode_and_a_busy_timeout():
    db = database_from_url("sqlite:///var/lib/essaim/db.sqlite3")
    assert db["NAME"] == "/var/lib/essaim/db.sqlite3"
    assert db["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "foreign_keys=ON" in db["OPTIONS"]["init_command"]
    assert database_from_url("sqlite://relative/db.sqlite3")["NAME"] == "relative/db.sqlite3"


def test_postgres_url_with_credentials_port_and_options():
    db = database_from_url("postgres://essaim:p%40ss%2Fword@db.internal:6543/essaim_prod?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "essaim_prod", "essaim", "p@ss/word", "db.internal", "6543")
    # an unreachable server fails fast; no JIT compiling of short queries
    assert db["OPTIONS"] == {"sslmode": "require", "connect_timeout": "5", "options": "-c jit=off"}
    assert database_from_url("postgres://h/x?connect_timeout=20")["OPTIONS"]["connect_timeout"] == "20"
    assert database_from_url("postgres://h/x?options=-c%20work_mem%3D64MB")["OPTIONS"]["options"] == "-c work_mem=64MB"
    assert "options" not in database_from_url("postgres://h/x", pooling="pgbouncer")["OPTIONS"]
    for scheme in ("postgresql", "pgsql"):
        assert database_from_url(f"{scheme}://postgres@127.0.0.1/x")["ENGINE"] == "django.db.backends.postgresql"
    bare = database_from_url("postgres://postgres@127.0.0.1")
    assert bare["NAME"] == "essaim" and bare["PORT"] == "" and bare["PASSWORD"] == ""


@pytest.mark.parametrize("url", ["mysql://root@localhost/essaim", "essaim.sqlite3", "http://db/essaim"])
def test_unknown_database_scheme_is_a_clear_error(url):
    with pytest.raises(ValueError, match="ESSAIM_DATABASE_URL: unsupported scheme"):
        database_from_url(url)


def test_smtp_urls():
    plain = email_from_url("smtp://mailer:s%3Acret@smtp.example.com:587?tls=1")
    assert plain["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (plain["EMAIL_HOST"], plain["EMAIL_PORT"]) == ("smtp.example.com", 587)
    assert (plain["EMAIL_HOST_USER"], plain["EMAIL_HOST_PASSWORD"]) == ("mailer", "s:cret")
    assert plain["EMAIL_USE_TLS"] is True and plain["EMAIL_USE_SSL"] is False
    ssl = email_from_url("smtps://smtp.example.com")
    assert ssl["EMAIL_PORT"] == 465 and ssl["EMAIL_USE_SSL"] is True
    default = email_from_url("smtp://localhost")
    assert default["EMAIL_PORT"] == 25 and default["EMAIL_USE_TLS"] is False
    assert default["EMAIL_TIMEOUT"] == 20 and default["EMAIL_SSL_CERTFILE"] is None
    client = email_from_url("smtps://relay.example.com?certfile=/etc/essaim/c.pem&keyfile=/etc/essaim/k.pem&timeout=5")
    assert (client["EMAIL_SSL_CERTFILE"], client["EMAIL_SSL_KEYFILE"]) == ("/etc/essaim/c.pem", "/etc/essaim/k.pem")
    assert client["EMAIL_TIMEOUT"] == 5


def test_console_memory_and_file_urls():
    assert email_from_url("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert email_from_url("memory://")["EMAIL_BACKEND"].endswith("locmem.EmailBackend")
    file = email_from_url("file:///var/spool/essaim%20mail")
    assert file["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert file["EMAIL_FILE_PATH"] == "/var/spool/essaim mail"


@pytest.mark.parametrize("url", ["sendmail://localhost", "mailto:someone@example.com", ""])
def test_unknown_email_scheme_is_a_clear_error(url):
    with pytest.raises(ValueError, match="ESSAIM_EMAIL_URL: unsupported scheme"):
        email_from_url(url)


def test_redis_jobs_and_threads(tmp_path):
    base = {"ESSAIM_DATA_DIR": str(tmp_path)}
    plain = Config.from_env(base)
    assert (plain.redis_url, plain.jobs, plain.threads) == ("", "embedded", 8)
    scaled = Config.from_env({**base, "ESSAIM_REDIS_URL": "redis://127.0.0.1:6379/0", "ESSAIM_THREADS": "16"})
    assert (scaled.redis_url, scaled.jobs, scaled.threads) == ("redis://127.0.0.1:6379/0", "worker", 16)
    assert Config.from_env({**base, "ESSAIM_REDIS_URL": "redis://r/0", "ESSAIM_JOBS": "embedded"}).jobs == "embedded"


@pytest.mark.parametrize("name, value, message", [
    ("ESSAIM_JOBS", "cron", "ESSAIM_JOBS: use 'embedded'"),
    ("ESSAIM_THREADS", "many", "ESSAIM_THREADS: a whole number"),
    ("ESSAIM_THREADS", "0", "ESSAIM_THREADS: at least 1"),
])
def test_bad_scale_settings_are_clear_errors(tmp_path, name, value, message):
    with pytest.raises(ValueError, match=message):
        Config.from_env({"ESSAIM_DATA_DIR": str(tmp_path), name: value})


@pytest.mark.django_db
def test_postgresql_connections_do_not_compile_queries():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's JIT")
    with connection.cursor() as c:
        c.execute("SHOW jit")
        assert c.fetchone()[0] == "off"

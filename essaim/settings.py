"""Essaim settings, read once from ESSAIM_* environment variables.

Every setting is documented in README.md. Nothing else in the code reads os.environ.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    secret_key: str
    allowed_hosts: list[str]
    debug: bool
    email_url: str
    media_root: Path
    secure_cookies: bool
    default_from_email: str
    base_url: str
    redis_url: str
    threads: int
    jobs: str
    reply_address: str
    reply_days: int
    database_replica_urls: list[str]
    replica_pin_seconds: int
    database_pooling: str
    s3: dict[str, str] | None
    log_format: str
    log_level: str
    metrics_dir: Path
    metrics_token: str

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ = os.environ) -> Config:
        data_dir = Path(env.get("ESSAIM_DATA_DIR") or Path.cwd() / "data").resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        debug = _bool(env.get("ESSAIM_DEBUG"), False)
        return cls(
            data_dir=data_dir,
            database_url=env.get("ESSAIM_DATABASE_URL") or f"sqlite:///{data_dir / 'essaim.sqlite3'}",
            secret_key=env.get("ESSAIM_SECRET_KEY") or _stored_secret_key(data_dir),
            allowed_hosts=[h.strip() for h in (env.get("ESSAIM_ALLOWED_HOSTS") or "127.0.0.1,localhost").split(",") if h.strip()],
            debug=debug,
            email_url=env.get("ESSAIM_EMAIL_URL") or f"file://{data_dir / 'mail'}",
            media_root=Path(env.get("ESSAIM_MEDIA_ROOT") or data_dir / "media").resolve(),
            secure_cookies=_bool(env.get("ESSAIM_SECURE_COOKIES"), not debug),
            default_from_email=env.get("ESSAIM_FROM_EMAIL") or "Essaim <essaim@localhost>",
            base_url=(env.get("ESSAIM_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
            redis_url=env.get("ESSAIM_REDIS_URL") or "",
            threads=_positive_int(env, "ESSAIM_THREADS", 8),
            jobs=_jobs_mode(env),
            reply_address=env.get("ESSAIM_REPLY_ADDRESS") or "",
            reply_days=int(env.get("ESSAIM_REPLY_DAYS") or 30),
            database_replica_urls=_replica_urls(env),
            replica_pin_seconds=_positive_int(env, "ESSAIM_REPLICA_PIN_SECONDS", 10),
            database_pooling=_database_pooling(env),
            s3=_s3_settings(env),
            log_format=_one_of(env, "ESSAIM_LOG_FORMAT", ("text", "json"), "text"),
            log_level=_one_of(env, "ESSAIM_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), "WARNING"),
            metrics_dir=Path(env.get("ESSAIM_METRICS_DIR") or data_dir / "metrics").resolve(),
            metrics_token=(env.get("ESSAIM_METRICS_TOKEN") or "").strip(),
        )


def _positive_int(env, name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}: a whole number is needed, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name}: at least 1")
    return value


def _jobs_mode(env) -> str:
    value = (env.get("ESSAIM_JOBS") or ("worker" if env.get("ESSAIM_REDIS_URL") else "embedded")).strip().lower()
    if value not in {"embedded", "worker"}:
        raise ValueError("ESSAIM_JOBS: use 'embedded' (jobs run inside `essaim serve`) or 'worker' "
                         "(jobs run in `essaim worker` processes)")
    return value


def _is_postgres(url: str) -> bool:
    return urlparse(url).scheme in {"postgres", "postgresql", "pgsql"}


def _replica_urls(env) -> list[str]:
    """ESSAIM_DATABASE_REPLICA_URLS: comma-separated postgres:// URLs of read replicas of the primary."""
    urls = [u.strip() for u in (env.get("ESSAIM_DATABASE_REPLICA_URLS") or "").split(",") if u.strip()]
    for url in urls:
        if not _is_postgres(url):
            raise ValueError(f"ESSAIM_DATABASE_REPLICA_URLS: {urlparse(url).scheme or url!r} is not a PostgreSQL "
                             "URL (use postgres://user:password@host:port/name, comma-separated)")
    if urls and not _is_postgres(env.get("ESSAIM_DATABASE_URL") or ""):
        raise ValueError("ESSAIM_DATABASE_REPLICA_URLS: read replicas need a PostgreSQL primary in ESSAIM_DATABASE_URL")
    return urls


def _database_pooling(env) -> str:
    value = (env.get("ESSAIM_DATABASE_POOLING") or "").strip().lower()
    if value not in {"", "pgbouncer"}:
        raise ValueError("ESSAIM_DATABASE_POOLING: use 'pgbouncer' (a pooler in transaction mode in front of "
                         "PostgreSQL) or leave it empty")
    if value and not _is_postgres(env.get("ESSAIM_DATABASE_URL") or ""):
        raise ValueError("ESSAIM_DATABASE_POOLING: pgbouncer needs a PostgreSQL ESSAIM_DATABASE_URL")
    return value


_S3_NAMES = ("ESSAIM_S3_BUCKET", "ESSAIM_S3_ENDPOINT_URL", "ESSAIM_S3_REGION", "ESSAIM_S3_ACCESS_KEY",
             "ESSAIM_S3_SECRET_KEY", "ESSAIM_S3_PREFIX")


def _s3_settings(env) -> dict[str, str] | None:
    """Object storage for uploaded files, or None for the local media folder."""
    given = {name: (env.get(name) or "").strip() for name in _S3_NAMES}
    bucket = given["ESSAIM_S3_BUCKET"]
    if not bucket:
        others = [name for name, value in given.items() if value]
        if others:
            raise ValueError(f"ESSAIM_S3_BUCKET: needed with {', '.join(others)} (or unset those to keep uploads "
                             "in the local media folder)")
        return None
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        raise ValueError(f"ESSAIM_S3_BUCKET: {bucket!r} is not a bucket name (3 to 63 lower-case letters, "
                         "digits, dots and hyphens)")
    endpoint = given["ESSAIM_S3_ENDPOINT_URL"].rstrip("/")
    if endpoint:
        parsed = urlparse(endpoint)
        if parsed.scheme not in {"http", "https"} or not parsed.hostname or parsed.path or parsed.query:
            raise ValueError(f"ESSAIM_S3_ENDPOINT_URL: {endpoint!r} is not the address of an S3 service "
                             "(e.g. https://s3.fr-par.scw.cloud)")
    elif not given["ESSAIM_S3_REGION"]:
        raise ValueError("ESSAIM_S3_REGION: needed for Amazon S3 (e.g. eu-west-3); for another S3-compatible "
                         "service, set ESSAIM_S3_ENDPOINT_URL")
    access, secret = given["ESSAIM_S3_ACCESS_KEY"], given["ESSAIM_S3_SECRET_KEY"]
    if bool(access) != bool(secret):
        missing = "ESSAIM_S3_SECRET_KEY" if access else "ESSAIM_S3_ACCESS_KEY"
        raise ValueError(f"{missing}: the access key and the secret key go together")
    return {"bucket": bucket, "endpoint_url": endpoint, "region": given["ESSAIM_S3_REGION"],
            "access_key": access, "secret_key": secret, "prefix": given["ESSAIM_S3_PREFIX"].strip("/")}


def _one_of(env, name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise ValueError(f"{name}: use one of {', '.join(choices)}, not {raw!r}")


def _stored_secret_key(data_dir: Path) -> str:
    """A secret key generated once and kept in the data folder (mode 600)."""
    path = data_dir / "secret_key"
    if not path.exists():
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
    return path.read_text().strip()


def database_from_url(url: str, *, name: str = "ESSAIM_DATABASE_URL", pooling: str = "") -> dict:
    """sqlite:///absolute/path or postgres://user:password@host:port/name?sslmode=...

    pooling="pgbouncer": the connection goes through a pooler in transaction mode, which hands each
    transaction to any server connection: no server-side cursors (they outlive a transaction when
    iterating in autocommit mode) and no prepared statements (they belong to one server connection)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc:  # sqlite://relative/path
            path = parsed.netloc + path
        elif path.startswith("//"):  # sqlite:////absolute/path
            path = path[1:]
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": None},
        }
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        options.setdefault("connect_timeout", "5")  # a server that does not answer fails a request, not hangs it
        if pooling == "pgbouncer":  # (a pooler passes no startup options: jit = off is set on the database)
            options["prepare_threshold"] = None
            options.pop("server_side_binding", None)
        else:
            # No JIT compiling: it is for long reports; here it misfires on queries whose estimated
            # cost is high and adds 35 ms of compiling to a 100 ms search (docs/deployment.md).
            options.setdefault("options", "-c jit=off")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "essaim",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            # Keep connections between requests (one per server thread), checked before reuse.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "DISABLE_SERVER_SIDE_CURSORS": pooling == "pgbouncer",
        }
    raise ValueError(f"{name}: unsupported scheme {parsed.scheme!r} (use sqlite:/// or postgres://)")


def email_from_url(url: str) -> dict:
    """smtp://user:pass@host:port?tls=1|ssl=1&timeout=20&certfile=&keyfile=, console://, file:///path, memory://"""
    parsed = urlparse(url)
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    if parsed.scheme in {"smtp", "smtps"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_TLS": _bool(query.get("tls"), False),
            "EMAIL_USE_SSL": parsed.scheme == "smtps" or _bool(query.get("ssl"), False),
            "EMAIL_TIMEOUT": int(query.get("timeout") or 20),
            # A client certificate, for relays that authenticate their clients that way.
            "EMAIL_SSL_CERTFILE": query.get("certfile") or None,
            "EMAIL_SSL_KEYFILE": query.get("keyfile") or None,
        }
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parsed.scheme == "file":
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": unquote(parsed.path)}
    raise ValueError(f"ESSAIM_EMAIL_URL: unsupported scheme {parsed.scheme!r} (use smtp://, smtps://, console://, file://)")


def replica_databases(config: Config) -> dict[str, dict]:
    """The read replicas as database aliases replica1, replica2... In tests each one mirrors the
    test database (Django's TEST MIRROR), so routing can be tested on one database."""
    return {f"replica{n}": {**database_from_url(url, name="ESSAIM_DATABASE_REPLICA_URLS", pooling=config.database_pooling),
                            "TEST": {"MIRROR": "default"}}
            for n, url in enumerate(config.database_replica_urls, start=1)}


def media_storage(config: Config) -> dict:
    """STORAGES["default"]: the local media folder, or a private S3 bucket whose files are read
    through signed URLs that expire after an hour."""
    if config.s3 is None:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    s3 = config.s3
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": s3["bucket"],
        "endpoint_url": s3["endpoint_url"] or None,
        "region_name": s3["region"] or None,
        "access_key": s3["access_key"] or None,  # none: boto3 finds them (instance role, AWS_* variables)
        "secret_key": s3["secret_key"] or None,
        "location": s3["prefix"],
        # Another S3 service is addressed as endpoint/bucket/key: every one of them understands it,
        # and it keeps one origin for the pictures' Content-Security-Policy.
        "addressing_style": "path" if s3["endpoint_url"] else None,
        "default_acl": None,  # objects stay as private as the bucket (a canned ACL fails where ACLs are off)
        "querystring_auth": True,
        "querystring_expire": 3600,
        "signature_version": "s3v4",  # botocore would sign some URLs the old way (version 2)
        "file_overwrite": False,  # like the local folder: a name already taken gets a suffix
    }}


def media_origins(config: Config) -> list[str]:
    """Where pages load uploaded pictures from, for the Content-Security-Policy."""
    if config.s3 is None:
        return []
    if config.s3["endpoint_url"]:
        parsed = urlparse(config.s3["endpoint_url"])
        return [f"{parsed.scheme}://{parsed.netloc}"]
    bucket, region = config.s3["bucket"], config.s3["region"]
    # Amazon S3 signs URLs on the bucket's own host names, or on the regional host for bucket
    # names with dots.
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com",
            f"https://s3.{region}.amazonaws.com"]


CONFIG = Config.from_env()

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = CONFIG.allowed_hosts
DATABASES = {"default": database_from_url(CONFIG.database_url, pooling=CONFIG.database_pooling),
             **replica_databases(CONFIG)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ESSAIM_BASE_URL = CONFIG.base_url
DATA_DIR = CONFIG.data_dir

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves the API docs' Swagger UI from its own package (no CDN, within our CSP)
    "essaim.core",
    "essaim.accounts",
    "essaim.communities",
    "essaim.stream",
    "essaim.notifications",
    "essaim.messaging",
    "essaim.questions",
    "essaim.search",
    "essaim.experts",
    "essaim.importer",
    "essaim.mail",
]

MIDDLEWARE = [
    "essaim.core.middleware.RequestMiddleware",  # request id, duration metrics, access log: around everything
    "essaim.core.middleware.OperationsMiddleware",  # /healthz, /readyz, /metrics: whatever the Host header
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "essaim.core.middleware.NetworkMiddleware",
    "essaim.core.views.PageErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "essaim.urls"
WSGI_APPLICATION = "essaim.wsgi.application"
ASGI_APPLICATION = "essaim.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "essaim.core.context_processors.essaim",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["essaim.accounts.backends.NetworkEmailBackend"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
SILENCED_SYSTEM_CHECKS = ["auth.W004"]  # e-mail is unique per network, not instance-wide

SESSION_COOKIE_SECURE = CONFIG.secure_cookies
CSRF_COOKIE_SECURE = CONFIG.secure_cookies
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [CONFIG.base_url] if CONFIG.base_url.startswith(("http://", "https://")) else []

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https://www.gravatar.com", *media_origins(CONFIG)],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = CONFIG.data_dir / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # collected files go here; served from the app folders until then
STATICFILES_DIRS = [BASE_DIR / "static"]  # essaim/static/essaim/: the stylesheet and JS modules
MEDIA_URL = "/media/"
MEDIA_ROOT = CONFIG.media_root
STORAGES = {
    "default": media_storage(CONFIG),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

ESSAIM_REDIS_URL = CONFIG.redis_url
ESSAIM_JOBS = CONFIG.jobs
ESSAIM_THREADS = CONFIG.threads
ESSAIM_REPLY_ADDRESS = CONFIG.reply_address
ESSAIM_REPLY_DAYS = CONFIG.reply_days
ESSAIM_LOG_FORMAT = CONFIG.log_format
ESSAIM_LOG_LEVEL = CONFIG.log_level
ESSAIM_METRICS_DIR = CONFIG.metrics_dir  # used once `essaim serve` or `essaim worker` sets it up
ESSAIM_METRICS_TOKEN = CONFIG.metrics_token
# Measurement only (`essaim bench --tier` sets it on the server it starts): /bench/raw-home-feed.
ESSAIM_BENCH_ENDPOINTS = _bool(os.environ.get("ESSAIM_BENCH_ENDPOINTS"), False)
# Read replicas (essaim/core/dbrouter.py): feeds and search read from one, except for a person who
# wrote in the last ESSAIM_REPLICA_PIN_SECONDS; everything else reads and writes the primary.
ESSAIM_DATABASE_REPLICAS = [alias for alias in DATABASES if alias != "default"]
ESSAIM_REPLICA_PIN_SECONDS = CONFIG.replica_pin_seconds
if ESSAIM_DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["essaim.core.dbrouter.ReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("essaim.core.middleware.NetworkMiddleware") + 1,
                      "essaim.core.dbrouter.ReplicaMiddleware")
if CONFIG.redis_url:  # shared by every process: login throttles, caches
    # An unreachable Redis is a miss or a no-op, never an error page (essaim/core/cache.py).
    CACHES = {"default": {"BACKEND": "essaim.core.cache.ResilientRedisCache", "LOCATION": CONFIG.redis_url,
                          "KEY_PREFIX": "essaim",
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "essaim"}}

vars().update(email_from_url(CONFIG.email_url))
DEFAULT_FROM_EMAIL = CONFIG.default_from_email

# Logs go to stderr: plain messages, or one JSON object per line with ESSAIM_LOG_FORMAT=json
# (essaim/core/logs.py), which also writes an access line per request (logger essaim.request, INFO).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "essaim.core.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler",
                             **({"formatter": "json"} if CONFIG.log_format == "json" else {})}},
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {"essaim.request": {"level": "INFO" if CONFIG.log_format == "json" else "WARNING"}},
}

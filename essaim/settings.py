"""Essaim settings, read once from ESSAIM_* environment variables.

Every setting is documented in README.md. Nothing else in the code reads os.environ.
"""

from __future__ import annotations

import os
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


def _stored_secret_key(data_dir: Path) -> str:
    """A secret key generated once and kept in the data folder (mode 600)."""
    path = data_dir / "secret_key"
    if not path.exists():
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
    return path.read_text().strip()


def database_from_url(url: str) -> dict:
    """sqlite:///absolute/path or postgres://user:password@host:port/name?sslmode=..."""
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
        }
    raise ValueError(f"ESSAIM_DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:/// or postgres://)")


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


CONFIG = Config.from_env()

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = CONFIG.allowed_hosts
DATABASES = {"default": database_from_url(CONFIG.database_url)}
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
        "img-src": ["'self'", "data:", "https://www.gravatar.com"],
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
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

ESSAIM_REDIS_URL = CONFIG.redis_url
ESSAIM_JOBS = CONFIG.jobs
ESSAIM_THREADS = CONFIG.threads
ESSAIM_REPLY_ADDRESS = CONFIG.reply_address
ESSAIM_REPLY_DAYS = CONFIG.reply_days
if CONFIG.redis_url:  # shared by every process: login throttles, caches
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CONFIG.redis_url,
                          "KEY_PREFIX": "essaim"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "essaim"}}

vars().update(email_from_url(CONFIG.email_url))
DEFAULT_FROM_EMAIL = CONFIG.default_from_email

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

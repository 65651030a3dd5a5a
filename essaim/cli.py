"""The `essaim` command: set up, run and look after an Essaim instance.

Every write goes through the actions.py functions, as it does from pages and the API. Mistakes
at the keyboard (bad option, unknown person, duplicate e-mail...) print one clear line on stderr
and exit with status 2; an unreachable database or a busy port exits with status 1. Operator
messages are in English, like the rest of the server's console output.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import socket
import sys
import time

DEFAULT_NETWORK_NAME = "Essaim"
DEFAULT_NETWORK_SLUG = "essaim"


class CommandError(Exception):
    """Something the person at the keyboard can fix: printed without a traceback."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


# ---------------------------------------------------------------- helpers


def _say(message: str = "") -> None:
    print(message, flush=True)


def _warn(message: str) -> None:
    if _json_logs():  # stderr carries JSON lines only
        logging.getLogger("essaim.cli").warning(message)
        return
    print(f"essaim: warning: {message}", file=sys.stderr, flush=True)


def _json_logs() -> bool:
    from django.conf import settings

    return settings.configured and getattr(settings, "ESSAIM_LOG_FORMAT", "text") == "json"


def _use_metrics_directory() -> None:
    """Before anything imports prometheus_client: this process and those it starts write their
    metrics to ESSAIM_METRICS_DIR, where /metrics adds them up (essaim/core/multiproc.py)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essaim.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from essaim.core.multiproc import use_directory

    try:
        folder = settings.ESSAIM_METRICS_DIR
    except (ValueError, ImproperlyConfigured) as exc:  # the settings themselves are wrong
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"{exc.strerror}: {exc.filename}", 1) from None
    try:
        use_directory(folder)
    except OSError as exc:
        raise CommandError(f"cannot use the metrics folder {folder} (ESSAIM_METRICS_DIR): {exc.strerror}", 1) from None


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essaim.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except (ValueError, ImproperlyConfigured) as exc:  # e.g. ESSAIM_DATABASE_URL with an unknown scheme
        raise CommandError(str(exc)) from None
    except OSError as exc:  # e.g. a data folder that cannot be created or read
        raise CommandError(f"{exc.strerror}: {exc.filename}", 1) from None


def _describe_database() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite database {os.path.realpath(db['NAME'])}"
    where = db.get("HOST") or "local socket"
    if db.get("PORT"):
        where += f":{db['PORT']}"
    return f"PostgreSQL database {db['NAME']} on {where}"


def _pending_migrations() -> int:
    from essaim.core.health import pending_migrations

    return pending_migrations()


def _require_migrated() -> None:
    if _pending_migrations():
        raise CommandError(f"the {_describe_database()} is not up to date: run `essaim migrate` first.", 1)


def default_network(*, create: bool = True, name: str = DEFAULT_NETWORK_NAME, slug: str = DEFAULT_NETWORK_SLUG):
    """The network served to hosts that match no network domain (the same rule as the web middleware)."""
    from essaim.accounts.actions import do_create_network
    from essaim.core.models import Network

    network = Network.objects.filter(domain="").order_by("id").first()
    if network is None and create:
        candidate, n = slug, 1
        while Network.objects.filter(slug=candidate).exists():
            n += 1
            candidate = f"{slug}-{n}"
        network = do_create_network(name, candidate)
    return network


def _existing_person(email: str):
    """The person with this e-mail address in the default network, which must exist."""
    from essaim.accounts.models import User

    _require_migrated()
    network = default_network(create=False)
    if network is None:
        raise CommandError("there is no network yet: run `essaim createadmin` or `essaim demo` first.")
    user = User.objects.filter(network=network, email__iexact=(email or "").strip()).first()
    if user is None:
        raise CommandError(f"no one with the e-mail address {email!r} in the network {network.name!r}.")
    return user


def _interactive() -> bool:
    return sys.stdin.isatty()


def _ask(label: str, value: str | None, option: str) -> str:
    if value:
        return value
    if not _interactive():
        raise CommandError(f"{option} is required (no terminal to ask on).")
    try:
        value = input(f"{label}: ").strip()
    except EOFError:
        value = ""
    if not value:
        raise CommandError(f"{option} is required.")
    return value


def _ask_password(value: str | None, *, required: bool) -> str | None:
    if value:
        return value
    if not _interactive():
        if required:
            raise CommandError("--password is required (no terminal to ask on).")
        return None
    first = getpass.getpass("Password (at least 10 characters)" + ("" if required else ", empty for none") + ": ")
    if not first:
        if required:
            raise CommandError("a password is required.")
        return None
    if getpass.getpass("Password again: ") != first:
        raise CommandError("the two passwords differ.")
    return first


def _sign_in_url() -> str:
    from django.conf import settings

    return settings.ESSAIM_BASE_URL + settings.LOGIN_URL


# ---------------------------------------------------------------- commands


def cmd_migrate(args) -> int:
    from django.core.management import call_command

    pending = _pending_migrations()
    call_command("migrate", verbosity=0, interactive=False)
    _say(f"{_describe_database()}: " + (f"{pending} migrations applied." if pending else "already up to date."))
    return 0


def cmd_check(args) -> int:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=args.deploy)
    except SystemCheckError as exc:
        print(str(exc).strip(), file=sys.stderr)
        return 1
    return 0


def cmd_createadmin(args) -> int:
    from essaim.accounts.actions import do_create_user

    _require_migrated()
    email = _ask("E-mail", args.email, "--email")
    name = _ask("Name", args.name, "--name")
    password = _ask_password(args.password, required=True)
    network = default_network()
    user = do_create_user(network, email=email, display_name=name, password=password, is_admin=True)
    _say(f"Administrator {user.display_name} <{user.email}> (@{user.handle}) created in the network {network.name}.")
    _say(f"Sign in at {_sign_in_url()}")
    return 0


def cmd_user_create(args) -> int:
    from essaim.accounts.actions import do_create_user

    _require_migrated()
    password = _ask_password(args.password, required=False)
    network = default_network()
    user = do_create_user(network, email=args.email, display_name=args.name, password=password,
                          is_admin=args.admin)
    role = "Administrator" if user.is_admin else "Person"
    _say(f"{role} {user.display_name} <{user.email}> (@{user.handle}) created in the network {network.name}.")
    if not password:
        _say("No password set: they choose one with “Forgot your password?” on the sign-in page.")
    return 0


def cmd_user_deactivate(args) -> int:
    from essaim.accounts.actions import do_deactivate_user
    from essaim.accounts.models import ApiToken, User

    user = _existing_person(args.email)
    if not user.is_active:
        _say(f"{user.display_name} <{user.email}> is already deactivated; nothing changed.")
        return 0
    # The command acts with an administrator's rights, as the web page would.
    acting = (User.objects.filter(network_id=user.network_id, is_admin=True, is_active=True).exclude(pk=user.pk)
              .order_by("id").first()) or (user if user.is_admin else None)
    if acting is None:
        raise CommandError("the network has no active administrator: run `essaim createadmin` first.")
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    do_deactivate_user(user, acting_user=acting)
    _say(f"{user.display_name} <{user.email}> is deactivated: signed out everywhere, "
         f"{tokens} API token{'s' if tokens != 1 else ''} revoked.")
    return 0


def cmd_token_create(args) -> int:
    from essaim.accounts.actions import do_create_token

    user = _existing_person(args.user)
    if not user.is_active:
        raise CommandError(f"{user.email} is deactivated: their tokens would not work.")
    scopes = [s for s in args.scopes.split(",") if s.strip()]
    token, raw = do_create_token(user, scopes=scopes, name=args.name, acting_user=user)
    _say(f"API token {token.prefix}… for {user.email}, scopes: {', '.join(sorted(token.scope_set))}.")
    _say("Use it as `Authorization: Bearer <token>`. It is shown once only; keep it secret.")
    _say(raw)
    return 0


def cmd_legalhold_export(args) -> int:
    """Every conversation and message a person took part in, as JSON, for a legal hold. The only way
    anyone but a participant reads direct messages; each export leaves an audit line."""
    import json
    import tempfile

    from django.utils import timezone

    from essaim.messaging.actions import do_record_legal_hold_export
    from essaim.messaging.queries import legal_hold_conversations

    user = _existing_person(args.user)
    out = os.path.abspath(args.out)
    folder = os.path.dirname(out)
    if not os.path.isdir(folder):
        raise CommandError(f"no such folder: {folder}")
    if os.path.exists(out) and not args.force:
        raise CommandError(f"{out} already exists (use --force to replace it).")
    try:
        operator = getpass.getuser()
    except (KeyError, OSError):
        operator = "unknown"
    conversations = messages = 0
    handle, partial = tempfile.mkstemp(prefix=".legalhold-", suffix=".json", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            os.chmod(partial, 0o600)  # messages are confidential: readable by the operator only
            header = {"format": "essaim-legal-hold/1", "exported_at": timezone.now().isoformat(),
                      "exported_by": operator, "network": {"id": str(user.network_id), "name": user.network.name},
                      "person": {"id": str(user.id), "email": user.email, "handle": user.handle,
                                 "display_name": user.display_name, "is_active": user.is_active}}
            file.write(json.dumps(header, ensure_ascii=False, indent=1)[:-2] + ',\n "conversations": [')
            for conversation in legal_hold_conversations(user):
                file.write(("," if conversations else "") + "\n" + json.dumps(conversation, ensure_ascii=False))
                conversations += 1
                messages += len(conversation["messages"])
            file.write("\n ]\n}\n")
        do_record_legal_hold_export(user, operator=operator, destination=out, conversation_count=conversations,
                                    message_count=messages)
        os.replace(partial, out)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    _say(f"Exported {conversations} conversation{'s' if conversations != 1 else ''} and {messages} "
         f"message{'s' if messages != 1 else ''} of {user.display_name} <{user.email}> to {out}.")
    _say("This export is recorded in the audit log (messaging_legalholdexport).")
    return 0


def cmd_import_stackexchange(args) -> int:
    from essaim.importer.stackexchange import ImportError_, import_stackexchange

    _require_migrated()
    network = default_network(create=False)
    if network is None:
        raise CommandError("there is no network yet: run `essaim createadmin` first.")
    try:
        report = import_stackexchange(args.dir, network=network, community_name=args.community,
                                      visibility=args.visibility, until=args.until)
    except ImportError_ as exc:
        raise CommandError(f"{exc} (nothing of the batch in progress was imported; "
                           f"run the command again once fixed to resume)") from None
    for warning in report.warnings:
        _warn(warning)
    for line in report.lines():
        _say(line)
    return 0


def cmd_demo(args) -> int:
    from essaim import demo

    _require_migrated()
    network = default_network(name=demo.DEMO_NETWORK_NAME, slug=demo.DEMO_NETWORK_SLUG)
    if demo.is_loaded(network):
        _say(f"The demo network is already there ({demo.DEMO_ADMIN_EMAIL}); nothing changed.")
        return 0
    started = time.monotonic()
    summary = demo.load(network)
    _say(f"Demo network loaded into {network.name} in {time.monotonic() - started:.0f} s: "
         + ", ".join(f"{count} {what}" for what, count in summary.items()) + ".")
    _say(f"Sign in as {demo.DEMO_ADMIN_EMAIL} with password {demo.DEMO_PASSWORD} "
         "(every demo person has this password).")
    return 0


def cmd_search_reindex(args) -> int:
    from essaim.search import indexing

    _require_migrated()
    counts = indexing.reindex_all(only=args.only or None, say=_say)
    _say(f"Search index rebuilt: {sum(counts.values())} entries.")
    return 0


def cmd_experts_rebuild(args) -> int:
    from essaim.experts.jobs import rebuild_all

    _require_migrated()
    done = rebuild_all(say=_say)
    _say(f"Expertise summarised for {done:,} people.")
    return 0


def cmd_experts_eval(args) -> int:
    import json
    from dataclasses import asdict

    from essaim.experts import evaluate
    from essaim.importer.stackexchange import ImportError_

    _require_migrated()
    try:
        results = evaluate.evaluate(args.dump, share=args.test_share, say=_warn if args.json else _say,
                                    keep=args.keep, limit_questions=args.questions)
    except (ImportError_, ValueError, OSError) as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        _say(json.dumps([asdict(r) for r in results], indent=2))
    else:
        _say(evaluate.table(results))
    return 0


def _until(value: str):
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _share(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0.05 <= share <= 0.5:
        raise argparse.ArgumentTypeError("the test share is between 0.05 and 0.5")
    return share


def cmd_search_eval(args) -> int:
    import json

    from essaim.search import evaluate

    _require_migrated()
    network = default_network(create=False)
    if network is None:
        raise CommandError("there is no network yet: run `essaim createadmin` first.")
    try:
        queries = evaluate.read_queries(args.queries)
        viewer = evaluate.viewer_for(network, args.as_email)
        community = evaluate.community_for(network, args.community)
        reports = evaluate.evaluate(queries, viewer=viewer, community=community, depth=args.limit,
                                    baseline=args.baseline)
    except OSError as exc:
        raise CommandError(f"{exc.strerror}: {exc.filename}") from None
    except (ValueError, RuntimeError, evaluate.EvaluationError) as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        _say(json.dumps({"queries": len(queries), "community": community.name, "viewer": viewer.email,
                         "engines": {r.name: r.as_dict() for r in reports}}, indent=2))
    else:
        _say(evaluate.table(reports, f"{len(queries)} judged queries in {community.name}, searching as "
                                     f"{viewer.email} ({_describe_database()})"))
    return 0


def cmd_search_eval_queries(args) -> int:
    from essaim.importer.stackexchange import ImportError_
    from essaim.search import evaluate

    try:
        queries = evaluate.build_queries(args.dir)
        evaluate.write_queries(queries, args.out)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None
    except ImportError_ as exc:  # malformed XML: the file, line and column
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"{exc.strerror}: {exc.filename}") from None
    _say(f"Wrote {len(queries)} judged queries to {args.out}.")
    return 0


def cmd_bench(args) -> int:
    from essaim import bench

    _require_migrated()
    if args.tier:
        from essaim import loadbench

        result = loadbench.measure(tier=args.tier, concurrency=args.concurrency, duration=args.duration,
                                   url=args.url, workers=args.workers if args.workers > 1 else 2,
                                   people=args.bench_people, say=lambda m: print(m, file=sys.stderr, flush=True))
        loadbench.print_table(result)
        if args.json:
            import json

            text = json.dumps(result, indent=2)
            if args.json == "-":
                print(text)
            else:
                with open(args.json, "w") as out:
                    out.write(text + "\n")
        errors = result["all"]["errors"] + sum(s["errors"] for s in result["floors"].values())
        return 1 if errors else 0
    return bench.run(concurrency=args.concurrency, requests=args.requests, only=args.only, as_json=bool(args.json),
                     workers=args.workers, wsgi=args.wsgi, people=args.people, clients=args.clients,
                     posts=args.posts, rate=args.rate, corpus=args.corpus)


def cmd_generate(args) -> int:
    from essaim import generate

    _require_migrated()
    _say(f"Generating tier {args.tier} (seed {args.seed}) into the {_describe_database()}:")
    result = generate.generate(args.tier, seed=args.seed, end=args.end, say=_say)
    if args.json:
        import json

        print(json.dumps(result, indent=2))
    else:
        _say(f"Done in {result['seconds']:.0f} s: {result['people']:,} people, {result['communities']:,} communities "
             f"({result['memberships']:,} memberships), {result['follows']:,} follows, {result['posts']:,} posts "
             f"({result['questions']:,} questions, {result['answers']:,} answers), {result['comments']:,} comments, "
             f"{result['reactions']:,} reactions.")
        _say(f"Sign in as {generate.ADMIN_EMAIL} with password {generate.ADMIN_PASSWORD} (generated people have no "
             "password).")
    return 0


def cmd_digest(args) -> int:
    from django.db import transaction

    from essaim.notifications import actions

    _require_migrated()
    if not args.now:
        with transaction.atomic():
            due = actions.do_schedule_digests()
        _say(f"{due} people due for their digest: jobs queued for `essaim worker` (or the job runner of "
             "`essaim serve`). Use --now to send them from this command.")
        return 0
    result = actions.run_digests_now()
    _say(f"{result['emails_sent']} digest e-mail{'s' if result['emails_sent'] != 1 else ''} sent "
         f"({result['due']} people due, {result['people']} looked at) in {result['seconds']:.1f} s.")
    return 0


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror:
            raise CommandError(f"unknown host {host!r}.") from None
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port} ({exc.strerror}); is Essaim already running? "
                               "Choose another port with --port.", 1) from None


def _sign_in_hint(network) -> str:
    from essaim import demo
    from essaim.accounts.models import User

    if network is None:
        return "There is no network yet: stop here and run `essaim demo` or `essaim createadmin`."
    admin = User.objects.filter(network=network, email__iexact=demo.DEMO_ADMIN_EMAIL, is_active=True).first()
    if admin is not None and admin.check_password(demo.DEMO_PASSWORD):
        return f"Sign in as {demo.DEMO_ADMIN_EMAIL} with password {demo.DEMO_PASSWORD}"
    if not User.objects.filter(network=network, is_active=True).exists():
        return "No one can sign in yet: run `essaim createadmin` in another terminal."
    return "Sign in with your e-mail address and password."


def cmd_serve(args) -> int:
    from django.conf import settings
    from django.db import connections

    _check_port_free(args.host, args.port)
    if args.threads is None:
        args.threads = settings.ESSAIM_THREADS
    pending = _pending_migrations()
    if pending:
        _warn(f"{pending} database migrations are not applied: run `essaim migrate`.")
        network = None
    else:
        network = default_network(create=False)
    host_in_url = f"[{args.host}]" if ":" in args.host else args.host
    lines = [f"Essaim is running on http://{host_in_url}:{args.port}", _sign_in_hint(network)]
    allowed = settings.ALLOWED_HOSTS
    if args.host not in allowed and args.host not in ("0.0.0.0", "::") and "*" not in allowed:
        _warn(f"{args.host} is not in ESSAIM_ALLOWED_HOSTS ({', '.join(settings.ALLOWED_HOSTS)}): "
              "requests to it will be refused.")
    if settings.SESSION_COOKIE_SECURE:
        lines.append("Cookies are marked Secure: sign-in needs HTTPS in front of Essaim "
                     "(ESSAIM_SECURE_COOKIES=0 for plain http on this machine).")
    lines.append("Press Ctrl-C to stop.")
    os.makedirs(settings.STATIC_ROOT, exist_ok=True)  # collected files go there; app files are served directly
    connections.close_all()  # no database connection may cross the fork into the workers
    if args.wsgi:
        _run_gunicorn(args, lines)
    else:
        _run_uvicorn(args, lines)
    from essaim.core.multiproc import forget_process

    forget_process(settings.ESSAIM_METRICS_DIR)
    return 0


_banner: list[str] = []


class BannerHandler(logging.Handler):
    """Prints the banner once uvicorn reports that the application has started (and nothing else
    of uvicorn's informational chatter)."""

    def emit(self, record) -> None:
        if "Application startup complete" in record.getMessage():
            for line in _banner:
                _say(line)


def _run_uvicorn(args, banner: list[str]) -> None:
    import uvicorn
    from django.conf import settings

    if args.workers > 1 and not settings.ESSAIM_REDIS_URL:
        _warn("Several server processes without ESSAIM_REDIS_URL: a live update reaches only the people "
              "connected to the process that made the change. Set ESSAIM_REDIS_URL.")
    if settings.ESSAIM_JOBS == "embedded" and args.workers > 1:
        _warn("ESSAIM_JOBS=embedded runs jobs in every server process; with several, prefer "
              "ESSAIM_JOBS=worker and `essaim worker`.")
    from essaim.core.logs import formatter_config

    _banner[:] = banner
    log_config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": formatter_config(settings.ESSAIM_LOG_FORMAT)},  # or one JSON object a line
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "level": settings.ESSAIM_LOG_LEVEL},
            "banner": {"()": "essaim.cli.BannerHandler", "level": "INFO"},
        },
        "loggers": {"uvicorn.error": {"handlers": ["stderr", "banner"], "level": "INFO", "propagate": False}},
    }
    if args.workers > 1:  # each child reports its own start-up: print once, from here
        for line in banner:
            _say(line)
        _banner.clear()
    os.environ["ESSAIM_THREADS"] = str(args.threads)  # read by the settings of each server process
    # (PROMETHEUS_MULTIPROC_DIR, set by _use_metrics_directory, is inherited by them too.)
    uvicorn.run("essaim.asgi:application", host=args.host, port=args.port, workers=args.workers,
                log_config=log_config, access_log=False, lifespan="on", proxy_headers=False,
                timeout_graceful_shutdown=5, server_header=False)
    _say("Essaim stopped.")


def cmd_worker(args) -> int:
    import signal

    from django.conf import settings

    from essaim.core.jobs import Runner
    from essaim.core.multiproc import forget_process

    _require_migrated()
    runner = Runner(poll=args.poll)

    def stop(signum, frame) -> None:
        runner.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _say(f"Essaim worker running jobs from the {_describe_database()}. Press Ctrl-C to stop.")
    runner.run_forever()
    forget_process(settings.ESSAIM_METRICS_DIR)
    _say("Essaim worker stopped.")
    return 0


def cmd_mailgate(args) -> int:
    from essaim.mail.gate import run_gate

    _require_migrated()
    run_gate(host=args.host, port=args.port, lmtp=args.lmtp, announce=_say)
    return 0


def _run_gunicorn(args, banner: list[str]) -> None:
    from gunicorn.app.base import BaseApplication

    def when_ready(server) -> None:
        for line in banner:
            _say(line)

    def on_exit(server) -> None:
        _say("Essaim stopped.")

    options = {
        "bind": f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}",
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": args.threads,
        "timeout": 60,
        "graceful_timeout": 10,
        "proc_name": "essaim",
        "loglevel": "warning",
        "errorlog": "-",
        "control_socket_disable": True,
        "when_ready": when_ready,
        "on_exit": on_exit,
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            from essaim.wsgi import application

            return application

    Server(prog="essaim serve").run()


# ---------------------------------------------------------------- parser


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 1 and 65535, not {port}")
    return port


def _between(low: int, high: int):
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected a number between {low} and {high}, not {number}")
        return number

    return parse


_positive = _between(1, 256)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="essaim", description="Essaim, an open-source enterprise social network.",
        epilog="Settings come from ESSAIM_* environment variables; see README.md.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser("serve", help="run the web server (never adds data by itself)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (default 1)")
    serve.add_argument("--threads", type=_positive, default=None,
                       help="threads per process for pages and API (default ESSAIM_THREADS, else 8)")
    serve.add_argument("--wsgi", action="store_true",
                       help="serve pages and the API with gunicorn (WSGI) instead: no live event stream, no job "
                            "runner (for measurements and set-ups that stream from other processes)")
    serve.set_defaults(func=cmd_serve)

    worker = commands.add_parser("worker", help="run background jobs (notifications by e-mail, digests, ...)")
    worker.add_argument("--poll", type=float, default=1.0, help="seconds between looks for new jobs (default 1)")
    worker.set_defaults(func=cmd_worker)

    mailgate = commands.add_parser("mailgate", help="receive replies by e-mail (an SMTP or LMTP server)")
    mailgate.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    mailgate.add_argument("--port", type=_port, default=2525, help="port to listen on (default 2525)")
    mailgate.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
    mailgate.set_defaults(func=cmd_mailgate)

    migrate = commands.add_parser("migrate", help="create or update the database tables")
    migrate.set_defaults(func=cmd_migrate)

    check = commands.add_parser("check", help="run the system checks")
    check.add_argument("--deploy", action="store_true", help="also run the checks for production deployments")
    check.set_defaults(func=cmd_check)

    admin = commands.add_parser("createadmin", help="create an administrator (and the network if there is none)")
    admin.add_argument("--email")
    admin.add_argument("--name", help="display name")
    admin.add_argument("--password", help="asked for when missing and a terminal is attached")
    admin.set_defaults(func=cmd_createadmin)

    user = commands.add_parser("user", help="manage people").add_subparsers(dest="user_command", metavar="ACTION",
                                                                             required=True)
    create = user.add_parser("create", help="create a person")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--password", help="without one, the person sets it through “Forgot your password?”")
    create.add_argument("--admin", action="store_true", help="make them an administrator")
    create.set_defaults(func=cmd_user_create)
    deactivate = user.add_parser("deactivate", help="deactivate a person: ends their sessions and tokens")
    deactivate.add_argument("--email", required=True)
    deactivate.set_defaults(func=cmd_user_deactivate)

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(dest="token_command",
                                                                                  metavar="ACTION", required=True)
    token_create = token.add_parser("create", help="create an API token; prints it alone on the last line")
    token_create.add_argument("--user", required=True, metavar="EMAIL", help="e-mail address of the token's owner")
    token_create.add_argument("--scopes", default="read", help="comma-separated: read, write, admin (default read)")
    token_create.add_argument("--name", default="", help="a label to recognise the token by")
    token_create.set_defaults(func=cmd_token_create)

    bench = commands.add_parser("bench", help="measure SQL queries per feed page and home-feed latency "
                                             "(on the demo network)")
    bench.add_argument("--concurrency", type=_positive, default=50, help="concurrent clients (default 50)")
    bench.add_argument("--requests", type=_between(1, 100_000), default=1000, help="requests in all (default 1000)")
    bench.add_argument("--only", choices=["queries", "feed", "digest", "events", "search", "experts", "fanout"],
                       help="run one measure (digest, events, search, experts and fanout: only with --only)")
    bench.add_argument("--corpus", type=_between(1, 5_000_000), default=200_000,
                       help="posts the network holds for the search measure (all posts) or the experts measure "
                            "(All company posts by generated people), generated when missing (default 200,000)")
    bench.add_argument("--clients", type=_between(1, 5000), default=50,
                       help="open event streams in the events measure (default 50)")
    bench.add_argument("--posts", type=_between(1, 100_000), default=200,
                       help="posts written in the events measure (default 200)")
    bench.add_argument("--rate", type=float, default=0.0,
                       help="posts per second in the events measure (default 0: as fast as possible)")
    bench.add_argument("--people", type=_between(1, 1_000_000),
                       help="people in the digest measure (default 1,000), or the network holds for the experts "
                            "measure, generated when missing (default 200,000)")
    bench.add_argument("--json", nargs="?", const="-", metavar="FILE",
                       help="the results as JSON: printed, or written to FILE (with --tier)")
    bench.add_argument("--tier", choices=["S", "M", "L"],
                       help="drive a running Essaim with a realistic mix as many people, with its floors (hello "
                            "view, raw-SQL feed); generates the tier first when the database has none")
    bench.add_argument("--duration", type=_between(1, 86_400), default=300,
                       help="seconds of the mix with --tier (default 300; each floor a fifth, at least 10)")
    bench.add_argument("--url", help="with --tier: the server to drive (on this machine's database); default: "
                                     "start `essaim serve` (--workers, default 2) and `essaim worker` here")
    bench.add_argument("--bench-people", type=_between(1, 100_000), default=200, metavar="N",
                       help="with --tier: distinct people driving the mix (default 200)")
    bench.add_argument("--workers", type=_positive, default=1, help="server processes to measure (default 1)")
    bench.add_argument("--wsgi", action="store_true", help="measure the feed under `essaim serve --wsgi` (gunicorn)")
    bench.set_defaults(func=cmd_bench)

    generate = commands.add_parser("generate", help="generate a realistic network to measure (tiers S, M, L; the "
                                                    "same seed gives the same data)")
    generate.add_argument("--tier", choices=["S", "M", "L"], required=True,
                          help="S: 10 people, 1,000 posts; M: 2,000 people, 200,000 posts, 200 communities; "
                               "L: 200,000 people, 2,000,000 posts, 10,000 communities")
    generate.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    generate.add_argument("--end", type=_until, default=None,
                          help="the latest date of generated content, e.g. 2026-11-27 (default: today, 00:00 UTC)")
    generate.add_argument("--json", action="store_true", help="print what was made and the time of each step as JSON")
    generate.set_defaults(func=cmd_generate)

    legalhold = commands.add_parser("legalhold", help="legal hold: export a person's direct messages").add_subparsers(
        dest="legalhold_command", metavar="ACTION", required=True)
    legalhold_export = legalhold.add_parser(
        "export", help="write every conversation and message a person took part in to a JSON file (audited)")
    legalhold_export.add_argument("--user", required=True, metavar="EMAIL", help="e-mail address of the person")
    legalhold_export.add_argument("--out", required=True, metavar="FILE.json", help="the file to write (mode 600)")
    legalhold_export.add_argument("--force", action="store_true", help="replace the file if it exists")
    legalhold_export.set_defaults(func=cmd_legalhold_export)

    digest = commands.add_parser("digest", help="the digest e-mails of everyone due now (for cron)")
    digest.add_argument("--now", action="store_true",
                        help="send them from this command (else: queue them for the job runner)")
    digest.set_defaults(func=cmd_digest)

    imports = commands.add_parser("import", help="import content from another system").add_subparsers(
        dest="import_command", metavar="SOURCE", required=True)
    stackexchange = imports.add_parser(
        "stackexchange", help="import a StackExchange data dump (questions, answers, comments, people) into a "
                              "community; running it again imports nothing twice and resumes a stopped run")
    stackexchange.add_argument("dir", metavar="DIR", help="the dump's folder (Posts.xml, Users.xml, Comments.xml, ...)")
    stackexchange.add_argument("--community", required=True, metavar="NAME",
                               help="the community to import into (created when missing)")
    stackexchange.add_argument("--visibility", choices=["open", "private", "secret"],
                               help="of the community when it is created (default open)")
    stackexchange.add_argument("--until", type=_until, metavar="DATE",
                               help="import the site as it was at this date (UTC): nothing created from then on, "
                                    "scores from the votes cast before, answers accepted before")
    stackexchange.set_defaults(func=cmd_import_stackexchange)

    experts = commands.add_parser("experts", help="expert finding").add_subparsers(
        dest="experts_command", metavar="ACTION", required=True)
    experts_rebuild = experts.add_parser("rebuild", help="summarise everyone's contributions again (in batches)")
    experts_rebuild.set_defaults(func=cmd_experts_rebuild)
    experts_eval = experts.add_parser("eval", help="measure expert finding on a StackExchange dump (MAP, MRR, P@5 "
                                                   "against the most-answers and plain Model 2 baselines)")
    experts_eval.add_argument("--dump", required=True, metavar="DIR", help="the dump's folder")
    experts_eval.add_argument("--test-share", type=_share, default=0.2, metavar="F",
                              help="the newest share of the questions used as the test (default 0.2)")
    experts_eval.add_argument("--questions", type=_between(1, 100_000), metavar="N",
                              help="use only the first N test questions")
    experts_eval.add_argument("--keep", action="store_true",
                              help="keep the throwaway network the history was imported into")
    experts_eval.add_argument("--json", action="store_true", help="print the figures as JSON")
    experts_eval.set_defaults(func=cmd_experts_eval)

    search = commands.add_parser("search", help="the search index").add_subparsers(
        dest="search_command", metavar="ACTION", required=True)
    search_reindex = search.add_parser("reindex", help="rebuild the search index (in batches; people included)")
    search_reindex.add_argument("--only", action="append",
                                choices=["post", "comment", "answer", "person", "community", "topic"],
                                help="rebuild only this kind (repeatable)")
    search_reindex.set_defaults(func=cmd_search_reindex)
    search_eval = search.add_parser("eval", help="measure search quality on judged queries (nDCG@10, MRR@10, "
                                                 "recall, latency), optionally against a plain BM25 baseline")
    search_eval.add_argument("--queries", required=True, metavar="FILE.jsonl",
                             help='one {"query": ..., "relevant": {source id: grade}, "exclude": [...]} a line')
    search_eval.add_argument("--as", dest="as_email", metavar="EMAIL",
                             help="search as this person (default: the first active administrator)")
    search_eval.add_argument("--community", metavar="NAME",
                             help="the community of the imported questions (default: the only one with any)")
    search_eval.add_argument("--limit", type=_between(10, 1000), default=100, metavar="N",
                             help="results fetched per query, the depth of the recall (default 100)")
    search_eval.add_argument("--baseline", action="store_true",
                             help="also rank with plain BM25 (the bm25s package: pip install -e '.[eval]')")
    search_eval.add_argument("--json", action="store_true", help="print the figures as JSON")
    search_eval.set_defaults(func=cmd_search_eval)
    search_queries = search.add_parser("eval-queries", help="build judged queries from a StackExchange dump's "
                                                            "duplicate and related links")
    search_queries.add_argument("dir", metavar="DIR", help="the dump's folder (Posts.xml, PostLinks.xml)")
    search_queries.add_argument("--out", required=True, metavar="FILE.jsonl", help="the file to write")
    search_queries.set_defaults(func=cmd_search_eval_queries)

    demo = commands.add_parser("demo", help="load the demo network once (running it again changes nothing)")
    demo.set_defaults(func=cmd_demo)
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("essaim")
    except Exception:  # not installed (running from a source tree)
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # exits with status 2 on a bad command line
    try:
        if args.func in (cmd_serve, cmd_worker):
            _use_metrics_directory()
        _setup_django()
        from django.db import DatabaseError

        from essaim.core.errors import EssaimError

        try:
            return args.func(args)
        except EssaimError as exc:  # refused by an action: bad input, duplicate, not allowed
            raise CommandError(exc.message) from None
        except DatabaseError as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if "does not exist" in detail and "database" in detail:
                detail += " (create it first, for example with createdb)"
            raise CommandError(f"cannot use the {_describe_database()}: {detail}", 1) from None
    except CommandError as exc:
        print(f"essaim: error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

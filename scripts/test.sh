#!/usr/bin/env bash
# The one test command, run by `make test` (and so by .ci/run):
#   1. system checks and missing migrations;
#   2. the whole pytest suite on SQLite, browser tests included;
#   3. the suite again on PostgreSQL (browser tests once is enough).
# With CI set, a missing Chromium, an unreachable PostgreSQL or Redis (127.0.0.1:6379, database 15
# for the multi-process live tests) fails the run; without CI they are skipped with a warning, so
# that a laptop without them can still run the tests.
#
# ESSAIM_TEST_POSTGRES_URL  PostgreSQL to test on (default postgres://postgres@127.0.0.1:5432/essaim;
#                           the tests create and drop the database test_<name> next to it)
# ESSAIM_CHROMIUM           the browser for the browser tests (default /usr/bin/chromium)
# Extra arguments go to both pytest runs, e.g. scripts/test.sh -x -k demo
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
PG_URL=${ESSAIM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/essaim}
CHROMIUM=${ESSAIM_CHROMIUM:-/usr/bin/chromium}

say() { printf '\n== %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
fail() { printf 'scripts/test.sh: %s\n' "$*" >&2; exit 1; }
in_ci() { case "${CI:-}" in "" | 0 | false | False | FALSE) return 1 ;; *) return 0 ;; esac; }

[[ -x $BIN/python ]] || fail "no virtual environment: run \`make test\`, which creates it."

# The tests get a scratch data folder and the defaults, whatever the caller's environment says.
for name in $(compgen -e | grep '^ESSAIM_' || true); do
  case $name in ESSAIM_TEST_*|ESSAIM_CHROMIUM) ;; *) unset "$name" ;; esac
done
ESSAIM_DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/essaim-test.XXXXXX")
export ESSAIM_DATA_DIR
trap 'rm -rf "$ESSAIM_DATA_DIR"' EXIT
mkdir -p "$ESSAIM_DATA_DIR/static"
export DJANGO_SETTINGS_MODULE=essaim.settings

ensure_chromium() {
  [[ -x $CHROMIUM ]] && return 0
  if [[ $CHROMIUM == /usr/bin/chromium && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "Installing Chromium for the browser tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  [[ -x $CHROMIUM ]] && return 0
  in_ci && fail "Chromium is missing at $CHROMIUM: the browser tests cannot run (apt-get install chromium)."
  warn "Chromium is missing at $CHROMIUM: the browser tests will be skipped (apt-get install chromium)."
}

ensure_axe() {
  # axe-core (npm, pinned in package.json) checks accessibility in the browser tests.
  [[ -f node_modules/axe-core/axe.min.js ]] && return 0
  if ! command -v npm >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "Installing npm for the accessibility checks"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null || true
  fi
  if command -v npm >/dev/null; then
    say "Installing axe-core for the accessibility checks"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null && return 0
  fi
  in_ci && fail "axe-core could not be installed (npm ci): the accessibility checks cannot run."
  warn "axe-core is missing (npm ci): the accessibility checks will be skipped."
}

postgres_reachable() {
  "$BIN/python" - "$PG_URL" <<'PY'
import sys

import psycopg

from essaim.settings import database_from_url

db = database_from_url(sys.argv[1])
try:
    psycopg.connect(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
                    password=db["PASSWORD"] or None, dbname="postgres", connect_timeout=5).close()
except psycopg.Error as exc:
    print(str(exc).strip().splitlines()[0], file=sys.stderr)
    sys.exit(1)
PY
}

run_pytest() {
  local label=$1 status=0
  shift
  say "Tests on $label"
  "$BIN/python" -m pytest "$@" || status=$?
  case $status in
    0) ;;
    5) fail "$label: pytest collected no tests, which is a failure, not a success." ;;
    *) fail "$label: tests failed (pytest exit status $status)." ;;
  esac
}

say "System checks and migrations"
"$BIN/essaim" check
"$BIN/python" -m django makemigrations --check --dry-run >/dev/null \
  || fail "the models changed without a migration: run \`.venv/bin/python -m django makemigrations\`."

ensure_chromium
ensure_axe
run_pytest "SQLite (browser tests included)" "$@"

if postgres_reachable; then
  ESSAIM_DATABASE_URL=$PG_URL run_pytest "PostgreSQL ($PG_URL)" -m "not e2e" "$@"
elif in_ci; then
  fail "PostgreSQL is unreachable at $PG_URL: CI runs every test on it too."
else
  warn "PostgreSQL is unreachable at $PG_URL: the PostgreSQL run is SKIPPED (with CI set, this fails)."
  say "Tests passed on SQLite only (PostgreSQL skipped)"
  exit 0
fi
say "All tests passed, on SQLite and PostgreSQL"

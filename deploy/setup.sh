#!/usr/bin/env bash
# Prepares a machine to run (or test) Readiness: system packages, a Python >= 3.12,
# the virtualenv and the Python dependencies. Safe to run again: each step is skipped
# when it is already done.
#
#   deploy/setup.sh run    # runtime dependencies only
#   deploy/setup.sh test   # plus development and browser-test dependencies
set -euo pipefail

MODE="${1:-run}"
VENV="${VENV:-.venv}"
MIN_PY="3.12"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo "$@";
  else die "need root (or sudo) to run: $*"; fi
}

os_id() { . /etc/os-release 2>/dev/null && echo "${ID:-unknown}"; }

# --- system packages -------------------------------------------------------------
# Pango/HarfBuzz/fonts for WeasyPrint (PDF: Liberation Sans, DejaVu Sans for the glyphs it lacks),
# poppler-utils to check PDFs in tests, PostgreSQL's server for the suite's second run (deploy/with-postgres.sh),
# chromium for browser tests.
# gettext compiles the interface's translations (locale/*/LC_MESSAGES/django.po -> .mo).
RUNTIME_PKGS=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation fonts-dejavu-core gettext)
TEST_PKGS=(poppler-utils postgresql)

missing_pkgs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

APT_UPDATED=0
apt_install() {
  [ "$#" -gt 0 ] || return 0
  command -v apt-get >/dev/null 2>&1 || die "missing system packages ($*) and no apt-get: install them by hand"
  say "Installing system packages: $*"
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    || die "apt-get could not install: $*"
}

ensure_system_packages() {
  command -v dpkg-query >/dev/null 2>&1 || { say "Not a Debian-like system: skipping system packages"; return 0; }
  local wanted=("${RUNTIME_PKGS[@]}")
  if [ "$MODE" = test ]; then
    wanted+=("${TEST_PKGS[@]}")
    # Debian ships a real chromium package; on Ubuntu it is a snap stub, so Playwright's
    # own Chromium build is installed later instead (see ensure_browser).
    if [ "$(os_id)" = debian ] && ! command -v chromium >/dev/null 2>&1; then wanted+=(chromium); fi
  fi
  # shellcheck disable=SC2207
  local todo=($(missing_pkgs "${wanted[@]}"))
  apt_install "${todo[@]}"
}

# --- Python ----------------------------------------------------------------------
py_ok() { "$1" -c "import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)" >/dev/null 2>&1; }

find_python() {
  local candidates=() c
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.14 python3.13 python3.12 python3)
  if command -v pyenv >/dev/null 2>&1; then
    for c in "$(pyenv root)"/versions/3.1[2-9]*/bin/python3; do candidates+=("$c"); done
  fi
  for c in "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 /root/.pyenv/versions/3.1[2-9]*/bin/python3 \
           /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    [ -x "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && py_ok "$c"; then command -v "$c"; return 0; fi
  done
  return 1
}

ensure_venv() {
  if [ -x "$VENV/bin/python" ] && py_ok "$VENV/bin/python"; then return 0; fi
  local py
  py="$(find_python)" || die "no Python >= $MIN_PY found (tried \$PYTHON, python3.1x, python3, pyenv). Install one, e.g. 'apt-get install python3' on Debian 13 / Ubuntu 24.04, or set PYTHON=/path/to/python3.12"
  say "Using $py ($("$py" --version 2>&1))"
  rm -rf "$VENV"
  if ! "$py" -m venv "$VENV" >/dev/null 2>&1; then
    # Debian and Ubuntu split venv/ensurepip out of the interpreter package.
    local ver; ver="$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    apt_install "python${ver}-venv"
    rm -rf "$VENV"
    "$py" -m venv "$VENV" || die "could not create a virtualenv with $py"
  fi
}

pip_install() {
  local stamp="$VENV/.installed-$1"; shift
  local req
  for req in "$@"; do
    [ -f "$stamp" ] && [ "$stamp" -nt "$req" ] && continue
    say "Installing Python packages from $*"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${@/#/-r}"
    touch "$stamp"
    return 0
  done
}

ensure_browser() {
  command -v chromium >/dev/null 2>&1 && return 0
  [ -x /usr/bin/chromium ] && return 0
  # No system Chromium (e.g. Ubuntu): let Playwright fetch its own build and libraries.
  say "Installing Playwright's Chromium"
  as_root "$VENV/bin/python" -m playwright install --with-deps chromium \
    || die "no Chromium for the browser tests: install the 'chromium' package or run 'playwright install chromium'"
}

# --- translations ----------------------------------------------------------------
# The catalogues are kept as .po in git and compiled here (what `manage.py compilemessages`
# does, without needing the app's settings); only those changed since their last compile.
compile_translations() {
  local po mo
  for po in locale/*/LC_MESSAGES/*.po; do
    [ -e "$po" ] || continue
    mo="${po%.po}.mo"
    [ -f "$mo" ] && [ "$mo" -nt "$po" ] && continue
    msgfmt --check -o "$mo" "$po" || die "could not compile $po"
  done
}

ensure_system_packages
compile_translations
ensure_venv
pip_install run requirements.txt
if [ "$MODE" = test ]; then
  pip_install dev requirements.txt requirements-dev.txt
  ensure_browser
fi
say "Environment ready ($VENV, $("$VENV/bin/python" --version))"

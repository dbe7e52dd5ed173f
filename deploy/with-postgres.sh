#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server: a fresh cluster in a temporary
# directory, listening on 127.0.0.1 on a free port, with DATABASE_URL pointing at it; the
# server is stopped and the directory removed when the command ends, however it ends.
#
#   deploy/with-postgres.sh .venv/bin/pytest
#
# Needs PostgreSQL's server binaries (deploy/setup.sh test installs them). As root, the
# server runs as the "postgres" system user: initdb refuses to run as root.
set -euo pipefail

die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

bindir=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
  bindir="$(pg_config --bindir)"
fi
if [ -z "$bindir" ]; then
  # Debian and Ubuntu keep each major version apart; take the newest.
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] || die "PostgreSQL server binaries not found (install the postgresql package)"

run_as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' system user (the postgresql package creates it)"
  run_as=(runuser -u postgres --)
fi

workdir="$(mktemp -d /tmp/readiness-pg.XXXXXX)"
chmod 700 "$workdir"
[ "${#run_as[@]}" -eq 0 ] || chown postgres "$workdir"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

stop() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop EXIT

"${run_as[@]}" "$bindir/initdb" -D "$workdir/data" -U readiness --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  >"$workdir/initdb.log" 2>&1 || { cat "$workdir/initdb.log" >&2; die "initdb failed"; }
# fsync off: a throwaway test database, much faster and nothing to lose. READINESS_PG_DURABLE=1
# keeps PostgreSQL's durable defaults instead (the benchmark measures commits as deployed).
options="-p $port -k $workdir -c listen_addresses=127.0.0.1 -c max_connections=200"
if [ "${READINESS_PG_DURABLE:-0}" != 1 ]; then
  options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
# READINESS_PG_OPTIONS adds server settings (bench/national.py sizes memory as a deployment would).
options="$options ${READINESS_PG_OPTIONS:-}"
"${run_as[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -o "$options" \
  start >/dev/null || { cat "$workdir/server.log" >&2; die "PostgreSQL did not start"; }
"$bindir/psql" -h 127.0.0.1 -p "$port" -U readiness -d postgres -q -c "CREATE DATABASE readiness" >/dev/null

printf '\033[1m==> PostgreSQL %s on 127.0.0.1:%s (throwaway)\033[0m\n' "$("$bindir/postgres" --version | awk '{print $3}')" "$port"
export DATABASE_URL="postgres://readiness@127.0.0.1:$port/readiness"
"$@"

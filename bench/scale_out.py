"""Stateless scale-out on one machine: nginx in front of two app instances, the mixed load through it.

    make bench-scale-out          # runs this inside deploy/with-postgres.sh (durable commits)

One PostgreSQL (the throwaway server of ``deploy/with-postgres.sh``: ``DATABASE_URL``), two
gunicorn instances of the app on two loopback ports (``deploy/gunicorn.conf.py``, two workers
each: the machine has two cores), two ``db_worker`` processes, and nginx from Debian's package
balancing round-robin across the instances, with no sticky sessions. The mixed load of
``make bench`` (``bench/mixed_load.py``) then runs through nginx, so consecutive requests of
one simulated person land on either instance.

What the instances share, said plainly: the database (sessions, CSRF secrets are in cookies
signed with the one ``DJANGO_SECRET_KEY``, the task queue, the peer snapshot, every record)
and the configured file storage for generated PDFs and ZIPs — here a shared folder
(``DJANGO_MEDIA_ROOT``), in production the S3-compatible storage or a shared volume
(docs/deploy.md). Nothing else: each instance has its own working directory, its own static
root (collected apart), its own logs and its own in-process caches.

Prints each step of the load (as ``make bench`` does), how many requests each instance served
(from its own access log) and whether the split caused any error; exits non-zero if a request
failed or one instance served nothing.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

import mixed_load
import run as bench
from http_session import HOST, Request, send

INSTANCES = 2
WORKERS_PER_INSTANCE = 2
MAX_USERS = int(os.environ.get("BENCH_MIXED_MAX_USERS", "320"))
RESULTS_FILE = bench.BENCH_DIR / "results" / "scale-out.json"

NGINX_CONF = """\
worker_processes 2;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    # Round robin, no ip_hash and no cookie affinity: any request may land on either instance.
    upstream readiness {{
{servers}
    }}
    server {{
        listen {host}:{port};
        client_max_body_size 2m;
        location / {{
            proxy_pass http://readiness;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def ensure_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found:
        return found
    as_root = [] if os.geteuid() == 0 else ["sudo"]
    say("Installing nginx (apt-get, Debian's package)")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "nginx-light"]):
        done = subprocess.run(
            [*as_root, "env", "DEBIAN_FRONTEND=noninteractive", *command], capture_output=True, text=True
        )
        if done.returncode:
            raise bench.BenchError(f"`{' '.join(command)}` failed:\n{done.stdout}{done.stderr}")
    # The package starts its own server on port 80 where a service manager runs; not ours.
    subprocess.run([*as_root, "nginx", "-s", "stop"], capture_output=True)
    return shutil.which("nginx") or "/usr/sbin/nginx"


def instance_env(base: Mapping[str, str], root: Path, number: int) -> dict[str, str]:
    """One instance's environment: the shared database, secret key and storage; its own rest."""
    own = root / f"instance-{number}"
    (own / "home").mkdir(parents=True)
    return {
        **base,
        "HOME": str(own / "home"),
        "TMPDIR": str(own / "home"),
        "DJANGO_STATIC_ROOT": str(own / "static"),
        "WEB_CONCURRENCY": str(WORKERS_PER_INSTANCE),
    }


@contextmanager
def nginx(binary: str, tmp: Path, ports: list[int]) -> Iterator[int]:
    port = bench.free_port()
    servers = "\n".join(f"        server {HOST}:{p};" for p in ports)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, user=user, servers=servers, host=HOST, port=port))
    server = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if send(port, Request("GET", "/healthz/")).status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise bench.BenchError(f"nginx did not come up:\n{(tmp / 'nginx-error.log').read_text()}")
            time.sleep(0.2)
        say(f"nginx on {HOST}:{port}, round-robin over {', '.join(map(str, ports))}")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=15)


def served_by(log: Path) -> int:
    return sum(1 for line in log.read_text().splitlines() if '"GET ' in line or '"POST ' in line)


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("bench/scale_out.py: run it through `make bench-scale-out` (it needs PostgreSQL)", file=sys.stderr)
        return 2
    database_url = os.environ["DATABASE_URL"]
    try:
        binary = ensure_nginx()
        with tempfile.TemporaryDirectory(prefix="readiness-scale-out-", ignore_cleanup_errors=True) as tmp:
            root = Path(tmp)
            shared = {**bench.bench_env(root), "DATABASE_URL": database_url}
            shared["DJANGO_MEDIA_ROOT"] = str(root / "shared-storage")  # the one shared folder
            bench.prepare_database({**shared, "DJANGO_STATIC_ROOT": str(root / "setup-static")})
            envs = [instance_env(shared, root, n) for n in range(1, INSTANCES + 1)]
            for env in envs:
                bench.run_python(env, "manage.py", "collectstatic", "--noinput")
            steps = tuple(n for n in mixed_load.STEP_USERS if n <= MAX_USERS)
            most = max(steps)
            advisors = max(1, round(most * mixed_load.ADVISOR_SHARE))
            output = bench.run_python(
                shared, str(bench.PORTFOLIO_SCRIPT), "--generate-only", str(bench.MIXED_AGENCY_CLIENTS)
            )
            agency_id = json.loads(output.strip().splitlines()[-1])["agency_id"]
            output = bench.run_python(
                shared, str(bench.MIXED_FIXTURE_SCRIPT), str(agency_id), str(most - advisors), str(advisors)
            )
            fixture = json.loads(output.strip().splitlines()[-1])
            with ExitStack() as stack:
                ports = []
                for number, env in enumerate(envs, start=1):
                    own = root / f"instance-{number}"
                    ports.append(stack.enter_context(bench.gunicorn(env, own, production_config=True)))
                    stack.enter_context(bench.db_worker(env, own))
                (root / "nginx").mkdir()
                port = stack.enter_context(nginx(binary, root / "nginx", ports))
                figures = mixed_load.run_steps(port, fixture, steps, say)
                served = [served_by(root / f"instance-{n}" / "access.log") for n in range(1, INSTANCES + 1)]
    except bench.BenchError as exc:
        print(f"bench/scale_out.py: {exc}", file=sys.stderr)
        return 1
    figures["gunicorn_workers"] = WORKERS_PER_INSTANCE * INSTANCES
    print()
    stamp = datetime.datetime.now().astimezone()
    print(
        f"Scale-out on PostgreSQL — {stamp:%Y-%m-%d %H:%M %Z}: nginx round-robin over {INSTANCES} instances of "
        f"{WORKERS_PER_INSTANCE} gunicorn workers, {INSTANCES} db_workers, one shared storage folder"
    )
    print(bench.mixed_load_lines(figures))
    errors = sum(step["errors"] for step in figures["steps"])
    print(f"Requests served by each instance: {', '.join(f'{n:,}' for n in served)}; errors in all steps: {errors}")
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps({**figures, "served_by_instance": served}, indent=2) + "\n")
    failed_steps = [s for s in figures["steps"] if s["errors"]]
    if min(served) == 0 or (failed_steps and failed_steps[0]["users"] == figures["steps"][0]["users"]):
        print("scale-out: FAILED (an instance served nothing, or the first step had errors)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

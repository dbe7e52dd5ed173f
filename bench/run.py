"""`make bench`: throughput of Readiness's pages under gunicorn, measured with wrk.

One run: a throwaway database and static root in a temporary directory, the app under
gunicorn (2 sync workers, DEBUG off) on a free loopback port, a browser-like login, then each
scenario of ``SCENARIOS`` checked once and measured with wrk (same settings for all). Prints a
table, writes bench/results/latest.json, and exits non-zero if any scenario had an error or
missed its budget. See bench/README.md for how to read the figures.

Standard library only (plus the project's own virtualenv, for manage.py and gunicorn).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mixed_load
from http_session import HOST, Browser, Request, Response, form_inputs, send

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
WRK_SCRIPT = BENCH_DIR / "request.lua"
FIXTURE_SCRIPT = BENCH_DIR / "fixture.py"
PDF_BUILD_SCRIPT = BENCH_DIR / "pdf_build.py"
# The database under the app: SQLite in a file of the run's directory, or, with
# BENCH_DATABASE_URL (``make bench BENCH_POSTGRES=1`` sets it to a throwaway server of
# deploy/with-postgres.sh), PostgreSQL. Each writes its own results and table.
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
DATABASE = "postgresql" if DATABASE_URL.startswith(("postgres://", "postgresql://")) else "sqlite"
RESULTS_FILE = BENCH_DIR / "results" / f"latest-{DATABASE}.json"
TABLE_FILE = BENCH_DIR / "results" / f"latest-{DATABASE}.txt"
QUESTIONNAIRE = "questionnaires/content/readiness-2026.2.yaml"
POLICY_EXAMPLES = "questionnaires/content/policy-examples-2026.1.yaml"
ACTIONS = "questionnaires/content/actions-2026.2.yaml"
# Median seconds to build one PDF action plan (cold cache), DESIGN "Budgets": builds in batches
# a few seconds apart, before the server starts (wrk's bursts leave the CPU slower for a while).
PDF_BUILD_BUDGET_S = 1.0
PDF_BUILD_BATCHES = 5
PDF_BUILDS_PER_BATCH = int(os.environ.get("BENCH_PDF_BUILDS", "3"))
PDF_BUILD_PAUSE_S = 3
# The agency side (bench/portfolio.py): clients generated, and budgets (DESIGN, "Budgets"; issue 5).
PORTFOLIO_SCRIPT = BENCH_DIR / "portfolio.py"
# The portfolio sizes measured, smallest first: the budget applies to the first, the growth
# limit to the last against the first.
PORTFOLIO_SIZES = sorted(int(n) for n in os.environ.get("BENCH_CLIENTS", "10000,100000").split(","))
DASHBOARD_BUDGET_S = 0.3
DASHBOARD_GROWTH_LIMIT = 3.0  # the largest portfolio's dashboard at most this many times slower
CSV_BUDGET_S = 1.5
API_LIST_BUDGET_S = 1.0  # every client of the smallest portfolio listed through the API (issue 17)
# The mixed load (bench/mixed_load.py): firms answering while advisors watch dashboards.
MIXED_FIXTURE_SCRIPT = BENCH_DIR / "mixed_fixture.py"
MIXED_MAX_USERS = int(os.environ.get("BENCH_MIXED_MAX_USERS", "320"))
MIXED_AGENCY_CLIENTS = 10_000
GUNICORN_PRODUCTION_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"

GUNICORN_WORKERS = 2  # one per core of the reference machine
WRK_THREADS = 1
WRK_CONNECTIONS = 8
# BENCH_DURATION shortens a run while working on the harness; figures to compare use the default.
WRK_DURATION_S = int(os.environ.get("BENCH_DURATION", "6"))
WRK_WARMUP_S = 2
# Every scenario is measured once per round, rounds interleaved. The load generator shares the
# two cores and the machine's speed drifts (the trivial view alone swings by +-15 % between
# samples), so a ratio is taken within each round, between samples seconds apart, and the
# median of the rounds' ratios is reported; req/s shown are the median round's.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
STARTUP_TIMEOUT_S = 30
LOGIN_PATH = "/accounts/login/"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class BenchError(Exception):
    """The run cannot go on; the message says why and what to do."""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def csrf_form_token(html: str, page: str) -> str:
    for attrs in form_inputs(html):
        if attrs.get("name") == "csrfmiddlewaretoken":
            return attrs.get("value", "")
    raise BenchError(f"{page} has no csrfmiddlewaretoken input")


# --- The session the scenarios replay -----------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A logged-in user on the first page of an assessment in progress."""

    port: int
    assessment_id: int
    pillar_code: str
    answers: Mapping[str, list[str]]  # question code -> choice codes, valid for the pillar
    cookie_header: str  # "csrftoken=...; sessionid=..."
    csrf_token: str  # the form's csrfmiddlewaretoken (masked; matches the csrftoken cookie)
    results_assessment_id: int  # a submitted assessment of the same user, among generated peers

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pillar_path(self) -> str:
        return f"/app/assessments/{self.assessment_id}/{self.pillar_code}/"

    @property
    def results_path(self) -> str:
        return f"/app/assessments/{self.results_assessment_id}/results/"

    @property
    def action_plan_path(self) -> str:
        return f"/app/assessments/{self.results_assessment_id}/action-plan.pdf"

    @property
    def save_body(self) -> str:
        """The pillar form as a browser posts it: one field per ticked box, then the button."""
        fields = [("csrfmiddlewaretoken", self.csrf_token)]
        fields += [(f"q-{code}", choice) for code, choices in self.answers.items() for choice in choices]
        fields.append(("action", "stay"))
        return urllib.parse.urlencode(fields)


def log_in(browser: Browser, email: str, password: str) -> None:
    page = browser.request("GET", LOGIN_PATH)
    if page.status != 200:
        raise BenchError(f"GET {LOGIN_PATH} answered {page.describe()}, expected 200")
    names = {attrs.get("name") for attrs in form_inputs(page.body)}
    # Django's AuthenticationForm calls the e-mail field "username"; accept either name.
    user_field = "username" if "username" in names else "email"
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf_form_token(page.body, LOGIN_PATH), user_field: email, "password": password}
    )
    headers = {"Content-Type": FORM_CONTENT_TYPE, "Referer": f"http://{HOST}:{browser.port}{LOGIN_PATH}"}
    response = browser.request("POST", LOGIN_PATH, body, headers)
    if response.status != 302 or "sessionid" not in browser.cookies:
        raise BenchError(f"login failed: POST {LOGIN_PATH} answered {response.describe()}, no session cookie")


def open_session(port: int, fixture: Mapping[str, Any], email: str, password: str) -> Session:
    """Log in, open the assessment's first page and keep what wrk needs to replay it."""
    browser = Browser(port)
    log_in(browser, email, password)
    path = f"/app/assessments/{fixture['assessment_id']}/{fixture['pillar_code']}/"
    page = browser.request("GET", path)
    if page.status != 200:
        raise BenchError(f"GET {path} after login answered {page.describe()}, expected 200")
    # The login rotated the CSRF cookie: the form token is read after it, from the page itself.
    return Session(
        port=port,
        assessment_id=fixture["assessment_id"],
        pillar_code=fixture["pillar_code"],
        answers=fixture["answers"],
        cookie_header=browser.cookie_header,
        csrf_token=csrf_form_token(page.body, path),
        results_assessment_id=fixture["results_assessment_id"],
    )


# --- Scenarios ----------------------------------------------------------------------------------

# Extra check of the one response fetched before measuring; returns the problem, or None.
Check = Callable[[Response, Session], str | None]


def no_check(response: Response, session: Session) -> str | None:
    return None


@dataclass(frozen=True)
class Scenario:
    name: str  # key in latest.json
    label: str  # row of the table
    request: Callable[[Session], Request]
    expect_status: int  # any other status counts as an error, during the check and under wrk
    check: Check = no_check
    budget: float | None = None  # least acceptable throughput, as a fraction of the baseline's (median round)
    round_floor: float | None = None  # and the least any single round may show


def healthz(session: Session) -> Request:
    return Request("GET", "/healthz/")


def pillar_get(session: Session) -> Request:
    return Request("GET", session.pillar_path, {"Cookie": session.cookie_header})


def pillar_save(session: Session) -> Request:
    headers = {
        "Cookie": session.cookie_header,
        "Referer": session.base_url + session.pillar_path,
        "Content-Type": FORM_CONTENT_TYPE,
    }
    return Request("POST", session.pillar_path, headers, session.save_body)


def results_get(session: Session) -> Request:
    return Request("GET", session.results_path, {"Cookie": session.cookie_header})


def action_plan_get(session: Session) -> Request:
    return Request("GET", session.action_plan_path, {"Cookie": session.cookie_header})


def is_a_pdf(response: Response, session: Session) -> str | None:
    """The first request builds the PDF (cold); wrk then measures serving the stored file."""
    content_type = response.headers.get("Content-Type", "")
    if content_type != "application/pdf" or not response.body.startswith("%PDF-"):
        return f"answered {content_type or 'no content type'}, not a PDF"
    return None


def shows_peer_figures(response: Response, session: Session) -> str | None:
    """The results page compares with a peer group drawn from the generated population."""
    if "Peer median" not in response.body:
        return "the results page shows no peer figures"
    return None


def shows_answered_questions(response: Response, session: Session) -> str | None:
    """The page has the pillar's inputs, with the stored answers (the fixture's) checked."""
    inputs = [attrs for attrs in form_inputs(response.body) if attrs.get("name", "").startswith("q-")]
    if not inputs:
        return 'the page has no question inputs (name="q-...")'
    names = {attrs["name"] for attrs in inputs}
    missing = [code for code in session.answers if f"q-{code}" not in names]
    if missing:
        return f"the page lacks the inputs of {', '.join(missing)}"
    checked = {(attrs["name"], attrs.get("value")) for attrs in inputs if "checked" in attrs}
    expected = {(f"q-{code}", choice) for code, choices in session.answers.items() for choice in choices}
    if checked != expected:
        return f"checked inputs {sorted(checked)} differ from the stored answers {sorted(expected)}"
    return None


def saves_and_stays(response: Response, session: Session) -> str | None:
    target = urllib.parse.urlsplit(response.headers.get("Location", "")).path
    if target != session.pillar_path:
        return f"redirects to {target or 'nowhere'}, expected {session.pillar_path} (action=stay)"
    return None


BASELINE = "trivial"
# The rows of the table, in order. Add a scenario here; the first one is the baseline.
SCENARIOS: tuple[Scenario, ...] = (
    Scenario(BASELINE, "trivial view", healthz, expect_status=200),
    Scenario(
        "questionnaire_page",
        "questionnaire page",
        pillar_get,
        expect_status=200,
        check=shows_answered_questions,
        budget=0.50,  # issue 19
        round_floor=0.40,
    ),
    Scenario("save_page", "save page", pillar_save, expect_status=302, check=saves_and_stays, budget=0.25),
    Scenario(
        "results_page",
        f"results page ({int(os.environ.get('BENCH_PEERS', '10000')):,} peers)",
        results_get,
        expect_status=200,
        check=shows_peer_figures,
        budget=0.40,
    ),
    Scenario("action_plan_cached", "PDF action plan, cached", action_plan_get, expect_status=200, check=is_a_pdf),
)


# --- Measuring ----------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: Scenario
    path: str = ""
    problem: str | None = None  # the one-off check failed: not measured
    requests: int = 0
    duration_s: float = 0.0
    bytes_read: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    wrk_output: str = ""
    rounds_req_per_s: list[float] = field(default_factory=list)
    rounds_ratio: list[float] = field(default_factory=list)  # to the baseline of the same round

    @property
    def req_per_s(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        # Non-2xx/3xx responses ("status") are a subset of the unexpected statuses: not added twice.
        socket_errors = sum(self.errors.get(kind, 0) for kind in ("connect", "read", "write", "timeout"))
        return socket_errors + self.errors.get("unexpected_status", 0)

    @property
    def failed(self) -> bool:
        return self.problem is not None or self.error_count > 0


def preflight(scenario: Scenario, session: Session) -> str | None:
    """Send the scenario's request once; wrk would count a wrong but fast answer as success."""
    response = send(session.port, scenario.request(session))
    if response.status != scenario.expect_status:
        return f"check: answered {response.describe()}, expected {scenario.expect_status}"
    problem = scenario.check(response, session)
    return f"check: {problem}" if problem else None


def wrk(request: Request, expect_status: int, port: int, duration_s: int) -> tuple[dict[str, Any], str]:
    """Run wrk on one request; return the figures printed by request.lua's done() and the raw output."""
    env = {
        **os.environ,
        "BENCH_METHOD": request.method,
        "BENCH_HEADERS": "\n".join(f"{name}: {value}" for name, value in request.headers.items()),
        "BENCH_BODY": request.body,
        "BENCH_EXPECT_STATUS": str(expect_status),
    }
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{WRK_CONNECTIONS}",
        f"-d{duration_s}s",
        "--latency",
        "-s",
        str(WRK_SCRIPT),
        f"http://{HOST}:{port}{request.path}",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration_s + 60)
    output = done.stdout + done.stderr
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.removeprefix("BENCH_RESULT ")), output
    raise BenchError(f"wrk gave no result (exit {done.returncode}):\n{output}")


def measure(scenario: Scenario, session: Session, warm_up: bool = True) -> Result:
    request = scenario.request(session)
    result = Result(scenario, path=request.path)
    result.problem = preflight(scenario, session)
    if result.problem:
        say(f"{scenario.label}: {result.problem}; not measured")
        return result
    say(f"{scenario.label}: {request.method} {request.path} ({WRK_DURATION_S} s measured)")
    if warm_up:
        wrk(request, scenario.expect_status, session.port, WRK_WARMUP_S)  # warm caches and connections; discarded
    figures, result.wrk_output = wrk(request, scenario.expect_status, session.port, WRK_DURATION_S)
    result.requests = figures["requests"]
    result.duration_s = figures["duration_us"] / 1e6
    result.bytes_read = figures["bytes"]
    result.p50_ms = figures["latency_p50_us"] / 1000
    result.p99_ms = figures["latency_p99_us"] / 1000
    result.max_ms = figures["latency_max_us"] / 1000
    result.errors = figures["errors"]
    return result


# --- The throwaway environment ------------------------------------------------------------------


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if not shutil.which("apt-get"):
        raise BenchError("wrk is not installed and there is no apt-get: install wrk (https://github.com/wg/wrk)")
    if os.geteuid() == 0:
        as_root: list[str] = []
    elif shutil.which("sudo"):
        as_root = ["sudo"]
    else:
        raise BenchError("wrk is not installed and installing it needs root: run `apt-get install wrk` as root")
    say("Installing wrk (apt-get)")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        # dpkg is chatty even with -qq: its output is only shown when something went wrong.
        done = subprocess.run(
            [*as_root, "env", "DEBIAN_FRONTEND=noninteractive", *command], capture_output=True, text=True
        )
        if done.returncode:
            raise BenchError(f"`{' '.join(command)}` failed, install wrk by hand:\n{done.stdout}{done.stderr}")
    if not shutil.which("wrk"):
        raise BenchError("apt-get installed wrk but it is not on PATH")


def bench_env(workdir: Path) -> dict[str, str]:
    """The environment of every process of the run: production-like settings, nothing shared."""
    # Drop the developer's own DJANGO_*/DATABASE_* settings: figures must not depend on a shell.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "BENCH_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "readiness.settings",
            "DATABASE_URL": DATABASE_URL or f"sqlite:///{workdir / 'bench.sqlite3'}",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            # Production settings, but plain HTTP on loopback: no redirect to HTTPS, cookies usable.
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
        }
    )
    return env


def run_python(env: Mapping[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=dict(env), capture_output=True, text=True)
    if done.returncode:
        raise BenchError(f"`python {' '.join(args)}` failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare_database(env: Mapping[str, str]) -> None:
    say("Fresh database: migrate, collectstatic, load_questionnaire, load_policy_examples, load_actions")
    run_python(env, "manage.py", "migrate", "--noinput")
    run_python(env, "manage.py", "collectstatic", "--noinput")
    run_python(env, "manage.py", "load_questionnaire", QUESTIONNAIRE)
    run_python(env, "manage.py", "load_policy_examples", POLICY_EXAMPLES)
    run_python(env, "manage.py", "load_actions", ACTIONS)


def measure_pdf_builds(env: Mapping[str, str], assessment_id: int) -> dict[str, Any]:
    builds = PdfBuilds(env, assessment_id)
    for batch in range(PDF_BUILD_BATCHES):
        if batch:
            time.sleep(PDF_BUILD_PAUSE_S)
        builds.measure(PDF_BUILDS_PER_BATCH)
    return builds.close()


class PdfBuilds:
    """``bench/pdf_build.py`` kept running: timed builds of the same PDF on request.

    In-process (no HTTP), cold cache: each build is the whole work of a first download.
    """

    def __init__(self, env: Mapping[str, str], assessment_id: int) -> None:
        say(f"PDF action plan of assessment {assessment_id}: timing builds in batches (cold cache, in-process)")
        self.process = subprocess.Popen(
            [sys.executable, str(PDF_BUILD_SCRIPT), str(assessment_id)],
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.figures: dict[str, Any] = {**self._read(), "builds_s": []}
        self.figures.pop("ready", None)

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise BenchError(f"bench/pdf_build.py stopped (exit {self.process.wait()}); run it by hand to see why")
        return json.loads(line)

    def measure(self, count: int) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{count}\n")
        self.process.stdin.flush()
        self.figures["builds_s"] += self._read()["builds_s"]

    def close(self) -> dict[str, Any]:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        builds = self.figures["builds_s"]
        self.figures["median_s"] = round(statistics.median(builds), 3)
        self.figures["budget_s"] = PDF_BUILD_BUDGET_S
        self.figures["budget_ok"] = self.figures["median_s"] <= PDF_BUILD_BUDGET_S
        return self.figures


def create_fixture(env: Mapping[str, str], email: str, password: str) -> dict[str, Any]:
    output = run_python({**env, "BENCH_EMAIL": email, "BENCH_PASSWORD": password}, str(FIXTURE_SCRIPT))
    fixture = json.loads(output.strip().splitlines()[-1])
    say(
        f"User {email}, assessment {fixture['assessment_id']} in progress, "
        f"pillar '{fixture['pillar_code']}' pre-filled ({len(fixture['answers'])} questions)"
    )
    return fixture


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until_healthy(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if send(port, Request("GET", "/healthz/")).status == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    raise BenchError(f"/healthz/ did not answer 200 within {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.terminate()  # SIGTERM: gunicorn stops its workers and exits
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        # Our own process group (start_new_session): the master and its workers only.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@contextmanager
def gunicorn(env: Mapping[str, str], workdir: Path, production_config: bool = False) -> Iterator[int]:
    """Serve the app on a free loopback port for the duration of the block; yield the port.

    By default as the wrk scenarios are measured (2 sync workers, no access log); with
    ``production_config``, as deployed: ``deploy/gunicorn.conf.py`` (workers, time-outs, access
    log), only the address and the log level changed.
    """
    port = free_port()
    log = workdir / ("gunicorn-production.log" if production_config else "gunicorn.log")
    if production_config:
        settings = [f"--config={GUNICORN_PRODUCTION_CONFIG}", f"--access-logfile={workdir / 'access.log'}"]
    else:
        # No --access-logfile: access logging is off, as writing it would be measured too.
        settings = [f"--workers={GUNICORN_WORKERS}", "--worker-class=sync"]
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "readiness.wsgi",
        *settings,
        f"--bind={HOST}:{port}",
        "--log-level=warning",
        "--no-control-socket",  # its default path is shared with any other gunicorn of this user
    ]
    with log.open("wb") as log_file:
        # A session of its own: Ctrl+C reaches this script, which then stops gunicorn in order.
        server = subprocess.Popen(
            command, cwd=ROOT, env=dict(env), stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_until_healthy(server, port, log)
            how = "deploy/gunicorn.conf.py" if production_config else f"{GUNICORN_WORKERS} sync workers"
            say(f"gunicorn on {HOST}:{port}, {how}")
            yield port
        finally:
            stop(server)


# --- Report -------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def ratio(result: Result, baseline: Result | None) -> float | None:
    if baseline is None or result.problem or baseline.problem or not baseline.req_per_s:
        return None
    if result.rounds_ratio:
        return statistics.median(result.rounds_ratio)
    return result.req_per_s / baseline.req_per_s


def budget_ok(result: Result, baseline: Result | None) -> bool | None:
    if result.scenario.budget is None:
        return None
    value = ratio(result, baseline)
    floor = result.scenario.round_floor
    rounds_ok = floor is None or all(r >= floor for r in result.rounds_ratio)
    return value is not None and value >= result.scenario.budget and rounds_ok


def database_label() -> str:
    if DATABASE == "postgresql":
        return "PostgreSQL (throwaway server, durable commits)"
    return "SQLite (WAL)"


def headline(date: datetime.datetime) -> str:
    return (
        f"Readiness benchmark on {database_label()} — {date:%Y-%m-%d %H:%M %Z}, {cpu_model()} "
        f"({os.cpu_count()} cores), "
        f"{GUNICORN_WORKERS} gunicorn sync workers, "
        f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{WRK_DURATION_S}s, loopback, "
        f"{ROUNDS} interleaved rounds (median)"
    )


# How the error counters of request.lua read in the notes under the table.
ERROR_LABELS = {"status": "non-2xx/3xx", "unexpected_status": "unexpected status", "timeout": "timeouts"}


def table(results: list[Result], date: datetime.datetime) -> str:
    baseline = results[0]
    lines = [
        headline(date),
        f"{'scenario':<30} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>8} {'vs ' + baseline.scenario.name:>11}",
    ]
    notes = []
    for result in results:
        value = ratio(result, baseline)
        if result.problem:
            figures = f"{'—':>9} {'—':>8} {'—':>8} {'FAILED':>8} {'—':>11}"
            notes.append(f"{result.scenario.label}: {result.problem}")
        else:
            # Truncated, not rounded: 0.398 must not read "0.40" next to a budget FAIL.
            shown = f"{math.floor(value * 100) / 100:.2f}" if value is not None else "—"
            figures = (
                f"{result.req_per_s:>9.1f} {result.p50_ms:>8.1f} {result.p99_ms:>8.1f} "
                f"{result.error_count:>8} {shown:>11}"
            )
        if result.error_count:
            breakdown = ", ".join(f"{ERROR_LABELS.get(kind, kind)} {n}" for kind, n in result.errors.items() if n)
            notes.append(f"{result.scenario.label}: {result.error_count} errors of {result.requests} ({breakdown})")
        verdict = budget_ok(result, baseline)
        if verdict is not None:
            floor = result.scenario.round_floor
            every = f", every round >= {floor:.2f}" if floor is not None else ""
            figures += f"   (budget >= {result.scenario.budget:.2f}{every}: {'OK' if verdict else 'FAIL'})"
        lines.append(f"{result.scenario.label:<30} {figures}")
    rounds = "; ".join(
        f"{r.scenario.name} {' / '.join(f'{v:.0f}' for v in r.rounds_req_per_s)}" for r in results if r.rounds_req_per_s
    )
    lines.append(f"  req/s in each round: {rounds}")
    ratios = "; ".join(
        f"{r.scenario.name} {' / '.join(f'{v:.2f}' for v in r.rounds_ratio)}" for r in results[1:] if r.rounds_ratio
    )
    lines.append(f"  ratio to the trivial view in each round: {ratios}")
    return "\n".join(lines + [f"  ! {note}" for note in notes])


def report_json(results: list[Result], date: datetime.datetime) -> dict[str, Any]:
    baseline = results[0]
    return {
        "date": date.isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version()},
        "server": {"gunicorn_workers": GUNICORN_WORKERS, "worker_class": "sync", "debug": False},
        "load": {
            "tool": "wrk",
            "threads": WRK_THREADS,
            "connections": WRK_CONNECTIONS,
            "duration_s": WRK_DURATION_S,
            "warmup_s": WRK_WARMUP_S,
            "rounds": ROUNDS,
        },
        "baseline": baseline.scenario.name,
        "ok": not failures(results),
        "failures": failures(results),
        "scenarios": [
            {
                "name": r.scenario.name,
                "label": r.scenario.label,
                "path": r.path,
                "expect_status": r.scenario.expect_status,
                "problem": r.problem,
                "requests": r.requests,
                "duration_s": round(r.duration_s, 3),
                "req_per_s": round(r.req_per_s, 1),
                "rounds_req_per_s": r.rounds_req_per_s,
                "rounds_ratio": [round(v, 3) for v in r.rounds_ratio],
                "p50_ms": round(r.p50_ms, 2),
                "p99_ms": round(r.p99_ms, 2),
                "max_ms": round(r.max_ms, 2),
                "bytes_per_response": round(r.bytes_read / r.requests) if r.requests else None,
                "errors": r.errors,
                "error_count": r.error_count,
                "vs_baseline": None if (v := ratio(r, baseline)) is None else round(v, 3),
                "budget": r.scenario.budget,
                "budget_ok": budget_ok(r, baseline),
                "wrk_output": r.wrk_output,
            }
            for r in results
        ],
    }


def pdf_build_line(figures: Mapping[str, Any]) -> str:
    verdict = "OK" if figures["budget_ok"] else "FAIL"
    return (
        f"PDF action plan, build (cold cache, in-process): median {figures['median_s'] * 1000:.0f} ms "
        f"over {len(figures['builds_s'])} builds in {PDF_BUILD_BATCHES} batches "
        f"(min {min(figures['builds_s']) * 1000:.0f}, "
        f"max {max(figures['builds_s']) * 1000:.0f}; first build in a fresh process "
        f"{figures['first_build_s'] * 1000:.0f} ms), {figures['pages']} pages, {figures['bytes']:,} bytes"
        f"   (budget <= {figures['budget_s']:.1f} s: {verdict})"
    )


def portfolio_lines(p: Mapping[str, Any]) -> str:
    csv_all, csv_fifth = p["csv_all"], p["csv_fifth"]
    small, large = p["sizes"][0], p["sizes"][-1]
    lines = [
        f"Agency dashboard ({size['clients']:,} clients, in-process): "
        f"median {size['dashboard_median_s'] * 1000:.0f} ms, {size['dashboard_queries']} queries "
        f"(clients generated in {size['generated_in_s']:.0f} s)"
        for size in p["sizes"]
    ]
    lines[0] += f"   (budget <= {DASHBOARD_BUDGET_S * 1000:.0f} ms: {'OK' if p['dashboard_budget_ok'] else 'FAIL'})"
    if len(p["sizes"]) > 1:
        lines.append(
            f"  {large['clients']:,} against {small['clients']:,}: {p['dashboard_growth']:.2f}x the time, "
            f"{large['dashboard_queries']} against {small['dashboard_queries']} queries   "
            f"(budget <= {DASHBOARD_GROWTH_LIMIT:.0f}x, same queries: {'OK' if p['dashboard_growth_ok'] else 'FAIL'})"
        )
    lines.append(
        f"CSV export ({p['csv_clients']:,} clients): {csv_all['seconds']:.2f} s, {csv_all['queries']} queries, "
        f"{csv_all['bytes'] / 2**20:.1f} MB, peak memory {csv_all['peak_memory_mb']} MB "
        f"(a fifth of the rows: {csv_fifth['seconds']:.2f} s, {csv_fifth['queries']} queries, peak "
        f"{csv_fifth['peak_memory_mb']} MB)   "
        f"(budget <= {CSV_BUDGET_S:.1f} s: {'OK' if p['csv_budget_ok'] else 'FAIL'})"
    )
    lines.append(
        f"API, every client listed ({p['api_listed']:,} clients, {p['api_calls']} calls of 1,000, in-process): "
        f"{p['api_list_s']:.2f} s, {p['api_queries_per_call']} queries a call   "
        f"(budget <= {API_LIST_BUDGET_S:.1f} s: {'OK' if p['api_budget_ok'] else 'FAIL'})"
    )
    return "\n".join(lines)


def portfolio_verdicts(p: dict[str, Any]) -> dict[str, Any]:
    small, large = p["sizes"][0], p["sizes"][-1]
    p["dashboard_budget_ok"] = small["dashboard_median_s"] <= DASHBOARD_BUDGET_S
    p["dashboard_growth"] = large["dashboard_median_s"] / small["dashboard_median_s"]
    p["dashboard_growth_ok"] = (
        p["dashboard_growth"] <= DASHBOARD_GROWTH_LIMIT and large["dashboard_queries"] == small["dashboard_queries"]
    )
    p["csv_budget_ok"] = p["csv_all"]["seconds"] <= CSV_BUDGET_S
    p["api_budget_ok"] = p["api_list_s"] <= API_LIST_BUDGET_S
    return p


def mixed_load_lines(mixed: Mapping[str, Any]) -> str:
    think = mixed["think_s"]
    lines = [
        f"Mixed load (deploy/gunicorn.conf.py, {mixed['gunicorn_workers']} sync workers; think time: firms "
        f"{think['firm'][0]:.0f}-{think['firm'][1]:.0f} s, "
        f"advisors {think['advisor'][0]:.0f}-{think['advisor'][1]:.0f} s; "
        f"{mixed['step_s']} s per step; held = no error and p95 <= {mixed['p95_limit_s']:.1f} s):",
        f"  {'users':>6} {'firms':>6} {'advisors':>8} {'requests':>9} {'req/s':>7} {'errors':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  held",
    ]
    for step in mixed["steps"]:
        lines.append(
            f"  {step['users']:>6} {step['firms']:>6} {step['advisors']:>8} {step['requests']:>9} "
            f"{step['req_per_s']:>7.1f} {step['errors']:>7} {step['p50_ms'] or 0:>7} {step['p95_ms'] or 0:>7} "
            f"{step['max_ms'] or 0:>7}  {'yes' if step['held'] else 'NO'}"
        )
        if step["error_kinds"]:
            lines.append(f"    errors: {step['error_kinds']}")
        lines.append("    p95 ms by request: " + ", ".join(f"{k} {v}" for k, v in step["p95_ms_by_kind"].items()))
        for kind, wait in step.get("wait_ms_by_kind", {}).items():
            lines.append(
                f"    {kind}, click to file (progress page included): p50 {wait['p50']} ms, p95 {wait['p95']} ms"
            )
    lines.append(f"  users held with zero errors: {mixed['users_held']}")
    return "\n".join(lines)


def failures(results: list[Result]) -> list[str]:
    found = [f"{r.scenario.label}: {r.problem or f'{r.error_count} errors'}" for r in results if r.failed]
    found += [f"{r.scenario.label}: below budget" for r in results if budget_ok(r, results[0]) is False]
    return found


# --- Main ---------------------------------------------------------------------------------------


def run() -> tuple[list[Result], dict[str, Any], dict[str, Any], dict[str, Any]]:
    email, password = "bench@example.com", secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="readiness-bench-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp)
        env = bench_env(workdir)
        prepare_database(env)
        fixture = create_fixture(env, email, password)
        pdf_build = measure_pdf_builds(env, fixture["results_assessment_id"])
        # What the background worker does after a submission (the results assessment's PDF),
        # done before the rounds: they measure the web server alone, and "PDF action plan,
        # cached" serves the file the worker built.
        run_python(env, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--verbosity", "0")
        with gunicorn(env, workdir) as port:
            session = open_session(port, fixture, email, password)
            rounds = []
            for number in range(1, ROUNDS + 1):
                say(f"round {number} of {ROUNDS}")
                rounds.append([measure(scenario, session, warm_up=number == 1) for scenario in SCENARIOS])
            for round_results in rounds:
                baseline = round_results[0]
                for result in round_results:
                    if result.problem is None and baseline.problem is None and baseline.req_per_s:
                        result.rounds_ratio.append(result.req_per_s / baseline.req_per_s)
            results = [median_round([r[i] for r in rounds]) for i in range(len(SCENARIOS))]
        # Before the portfolio's 100,000 clients: the mixed load runs on a platform of the size
        # its budgets speak of (10,000 peers, an agency of 10,000), not on a 110,000-firm SQLite file.
        mixed = measure_mixed_load(env, workdir)
        sizes = ", ".join(f"{n:,}" for n in PORTFOLIO_SIZES)
        say(f"Agencies of {sizes} clients; dashboards (and the smallest one's CSV) timed in-process")
        output = run_python(env, str(PORTFOLIO_SCRIPT), *map(str, PORTFOLIO_SIZES))
        portfolio = portfolio_verdicts(json.loads(output.strip().splitlines()[-1]))
        return results, pdf_build, portfolio, mixed


def measure_mixed_load(env: Mapping[str, str], workdir: Path) -> dict[str, Any]:
    """Firms answering while advisors watch a 10,000-client dashboard (``bench/mixed_load.py``),
    served as deployed: ``deploy/gunicorn.conf.py`` and a background worker beside it."""
    steps = tuple(n for n in mixed_load.STEP_USERS if n <= MIXED_MAX_USERS)
    most = max(steps)
    advisors = max(1, round(most * mixed_load.ADVISOR_SHARE))
    output = run_python(env, str(PORTFOLIO_SCRIPT), "--generate-only", str(MIXED_AGENCY_CLIENTS))
    agency_id = json.loads(output.strip().splitlines()[-1])["agency_id"]
    say(f"Mixed load: {most - advisors} firm users, {advisors} advisors of an agency of {MIXED_AGENCY_CLIENTS:,}")
    output = run_python(env, str(MIXED_FIXTURE_SCRIPT), str(agency_id), str(most - advisors), str(advisors))
    fixture = json.loads(output.strip().splitlines()[-1])
    with gunicorn(env, workdir, production_config=True) as port, db_worker(env, workdir):
        figures = mixed_load.run_steps(port, fixture, steps, say)
    figures["gunicorn_workers"] = production_workers(env)
    figures["agency_clients"] = MIXED_AGENCY_CLIENTS
    return figures


@contextmanager
def db_worker(env: Mapping[str, str], workdir: Path) -> Iterator[None]:
    """The background worker (peer-statistics snapshots, ZIPs of action plans), as deployed beside the web."""
    with (workdir / "db_worker.log").open("wb") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--verbosity", "0"],
            cwd=ROOT,
            env=dict(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield
        finally:
            stop(worker)


def production_workers(env: Mapping[str, str]) -> int:
    """The worker count deploy/gunicorn.conf.py chooses on this machine (for the report)."""
    return int(env.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1)


def median_round(results: list[Result]) -> Result:
    """The round with the median throughput, carrying every round's figure and all errors."""
    measured = sorted((r for r in results if r.problem is None), key=lambda r: r.req_per_s)
    chosen = measured[len(measured) // 2] if measured else results[0]
    chosen.rounds_req_per_s = [round(r.req_per_s, 1) for r in results if r.problem is None]
    chosen.rounds_ratio = [ratio for r in results for ratio in r.rounds_ratio]
    chosen.errors = {kind: sum(r.errors.get(kind, 0) for r in results) for kind in chosen.errors}
    chosen.problem = next((r.problem for r in results if r.problem), None)
    return chosen


def print_tables() -> int:
    """``--tables``: the last tables of each database, one after the other (``make bench`` with
    ``BENCH_POSTGRES=1`` ends with this)."""
    shown = 0
    for database in ("sqlite", "postgresql"):
        path = BENCH_DIR / "results" / f"latest-{database}.txt"
        if path.exists():
            print(f"\n{path.read_text()}")
            shown += 1
    return 0 if shown else 1


def main() -> int:
    if sys.argv[1:] == ["--tables"]:
        return print_tables()
    # A plain `kill` must clean up like Ctrl+C does: turn SIGTERM/SIGHUP into SystemExit.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda number, frame: sys.exit(128 + number))
    try:
        ensure_wrk()
        results, pdf_build, portfolio, mixed = run()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    date = datetime.datetime.now().astimezone()
    printed = "\n".join(
        [table(results, date), pdf_build_line(pdf_build), portfolio_lines(portfolio), mixed_load_lines(mixed)]
    )
    print()
    print(printed)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    report = {
        **report_json(results, date),
        "database": DATABASE,
        "pdf_build": pdf_build,
        "portfolio": portfolio,
        "mixed_load": mixed,
    }
    RESULTS_FILE.write_text(json.dumps(report, indent=2) + "\n")
    TABLE_FILE.write_text(printed + "\n")
    print(f"\nFigures written to {RESULTS_FILE}")
    problems = failures(results)
    if not pdf_build["budget_ok"]:
        problems.append(f"PDF build median {pdf_build['median_s']:.3f} s over {PDF_BUILD_BUDGET_S:.1f} s")
    if not portfolio["dashboard_budget_ok"]:
        problems.append(f"agency dashboard over {DASHBOARD_BUDGET_S:.1f} s")
    if not portfolio["dashboard_growth_ok"]:
        problems.append(f"agency dashboard {portfolio['dashboard_growth']:.2f}x slower at the largest portfolio")
    if not portfolio["api_budget_ok"]:
        problems.append(f"API listing {portfolio['api_list_s']:.2f} s over {API_LIST_BUDGET_S:.1f} s")
    if not portfolio["csv_budget_ok"]:
        problems.append(f"CSV export {portfolio['csv_all']['seconds']:.2f} s over {CSV_BUDGET_S:.1f} s")
    if not mixed["users_held"]:
        problems.append("mixed load: not even the first step was held")
    if problems:
        print(f"bench: FAILED — {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

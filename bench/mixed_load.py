"""The mixed-load scenario of ``make bench``: firms answering while advisors watch dashboards.

Simulated users, each a thread with its own cookies, do what a person does, with a pause
("think time") between requests:

- a **firm** goes through every questionnaire page (opens it, answers each question at random
  among the offered choices, saves and continues), opens the review, submits, reads the
  results, downloads the PDF action plan, and starts its re-assessment — then again;
- an **advisor** opens the agency dashboard (10,000 clients), now and then filtered or on
  another page of the client table, and drills down to a client and its results.

The load rises in steps of more simultaneous users, each held for ``STEP_S`` seconds. A step
is *held* when no request failed (an unexpected status, a refused connection or a time-out
all count) and the 95th percentile of response times is within ``P95_LIMIT_S``. The run stops
at the first step not held, or after the last; it reports every step. Bounded: at most
``BENCH_MIXED_MAX_USERS`` users (default 320), loopback only.

Pauses are much shorter than a person's (who reads a page of questions for a minute or more):
one simulated user stands for several real ones.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from http_session import Browser, Response

STEP_USERS = (20, 40, 80, 160, 320)
STEP_S = int(os.environ.get("BENCH_MIXED_STEP_S", "40"))
P95_LIMIT_S = 2.0
WARM_UP_S = 10  # fresh workers fill their caches (page fragments, content) before the first step
ADVISOR_SHARE = 0.1  # one user in ten is an advisor
FIRM_THINK_S = (2.0, 6.0)
PLAN_CHECK_S = 2.0  # the action plan's progress page checks back this often (assessments.pages)
ADVISOR_THINK_S = (3.0, 8.0)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

_INPUT = re.compile(r"<input\b[^>]*>")
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
_CLIENT_LINK = re.compile(r'href="(/app/agency/\d+/clients/\d+/)"')
_RESULTS_LINK = re.compile(r'href="(/app/agency/\d+/assessments/\d+/results/)"')


class RequestFailed(Exception):
    pass


class StepOver(Exception):
    """The step ended: the user stops where it is (its state carries over to the next step)."""


@dataclass
class Tally:
    """The requests of one step, shared by its users."""

    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    # Not response times: how long a person waited from clicking "download" to having the file,
    # progress page included (reported apart, not in the step's percentiles).
    waits: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record_wait(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.waits.setdefault(kind, []).append(seconds)

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_kind.setdefault(kind, []).append(seconds)

    def fail(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def inputs(html: str) -> list[dict[str, str]]:
    """Every <input>'s attributes (a regular expression: the load generator shares the CPU)."""
    return [dict(_ATTRIBUTE.findall(tag)) for tag in _INPUT.findall(html)]


def random_answers(page_inputs: list[dict[str, str]], rng: random.Random) -> list[tuple[str, str]]:
    """A valid answer to every question of a page: one radio, or some ordinary boxes of a checklist
    (or one box that stands alone, such as "Don't know")."""
    groups: dict[str, list[dict[str, str]]] = {}
    for attrs in page_inputs:
        if attrs.get("name", "").startswith("q-"):
            groups.setdefault(attrs["name"], []).append(attrs)
    fields = []
    for name, options in groups.items():
        if options[0].get("type") == "checkbox":
            ordinary = [o for o in options if o.get("data-exclusive") != "true"]
            if ordinary and rng.random() < 0.9:
                chosen = rng.sample(ordinary, rng.randint(1, len(ordinary)))
            else:
                chosen = [rng.choice(options)]
        else:
            chosen = [rng.choice(options)]
        fields += [(name, option["value"]) for option in chosen]
    return fields


class SimulatedUser:
    def __init__(self, port: int, session: str, tally: Tally, stop: threading.Event, seed: int) -> None:
        self.browser = Browser(port)
        self.browser.cookies["sessionid"] = session
        self.tally = tally
        self.stop = stop
        self.rng = random.Random(seed)

    def request(self, kind: str, method: str, path: str, expect: int | tuple[int, ...], body: str = "") -> Response:
        if self.stop.is_set():
            raise StepOver
        started = time.perf_counter()
        try:
            response = self.browser.request(method, path, body, FORM if body else None)
        except OSError as exc:  # refused, reset, timed out
            self.tally.fail(f"{kind}: {type(exc).__name__}")
            raise RequestFailed from exc
        if response.status not in (expect if isinstance(expect, tuple) else (expect,)):
            self.tally.fail(f"{kind}: {response.status}")
            raise RequestFailed
        self.tally.record(kind, time.perf_counter() - started)
        return response

    def think(self, bounds: tuple[float, float]) -> None:
        self.stop.wait(self.rng.uniform(*bounds))

    def run(self, first_pause: float) -> None:
        self.stop.wait(first_pause)  # users arrive spread out, not all in one instant
        while not self.stop.is_set():
            try:
                self.cycle()
            except RequestFailed:
                self.think((1.0, 2.0))  # a person would retry after a moment
            except StepOver:
                return

    def cycle(self) -> None:
        raise NotImplementedError


class FirmUser(SimulatedUser):
    def __init__(self, *args: Any, state: dict[str, Any], pillars: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = state  # the fixture's entry for this firm: its assessment, kept across steps
        self.pillars = pillars
        # Firms are spread over their round (the fixture answered every page): some submit and
        # download their PDF within the first step, as on a site that has been up for a while.
        self.state.setdefault("next_page", self.rng.randrange(len(pillars) + 1))

    def cycle(self) -> None:
        if self.state.get("submitted"):  # the last step ended between submitting and starting anew
            self.start_again()
        base = f"/app/assessments/{self.state['assessment_id']}"
        for index, code in enumerate(self.pillars):
            if index < self.state["next_page"]:
                continue
            self.state["next_page"] = index
            page = self.request("questionnaire page", "GET", f"{base}/{code}/", 200)
            page_inputs = inputs(page.body)
            hidden = {a["name"]: a.get("value", "") for a in page_inputs if a.get("type") == "hidden"}
            self.think(FIRM_THINK_S)
            fields = [
                ("csrfmiddlewaretoken", hidden.get("csrfmiddlewaretoken", "")),
                ("loaded", hidden.get("loaded", "")),
                *random_answers(page_inputs, self.rng),
                ("action", "next"),
            ]
            self.request("save page", "POST", f"{base}/{code}/", 302, urllib.parse.urlencode(fields))
        self.state["next_page"] = len(self.pillars)
        review = self.request("review", "GET", f"{base}/review/", 200)
        self.think(FIRM_THINK_S)
        submitted = self.request("submit", "POST", f"{base}/submit/", 302, self.token_body(review))
        if not submitted.headers.get("Location", "").endswith("/results/"):
            self.tally.fail("submit: not accepted (incomplete)")
            raise RequestFailed
        self.state["submitted"] = True
        self.request("results page", "GET", f"{base}/results/", 200)
        self.think(FIRM_THINK_S)
        self.download_plan(f"{base}/action-plan.pdf")
        self.think(FIRM_THINK_S)
        self.start_again()

    def download_plan(self, path: str) -> None:
        """As a browser does: the file, or (202) the progress page, whose script asks every
        2 s whether the file is ready and then fetches it."""
        clicked = time.perf_counter()
        response = self.request("PDF action plan", "GET", path, (200, 202))
        while response.status == 202:
            self.think((PLAN_CHECK_S, PLAN_CHECK_S))
            if self.stop.is_set():
                raise StepOver
            check = self.request("PDF progress check", "GET", f"{path}?status=1", 200)
            if json.loads(check.body).get("ready"):
                response = self.request("PDF action plan", "GET", path, 200)
        self.tally.record_wait("PDF action plan", time.perf_counter() - clicked)

    def token_body(self, page: Response) -> str:
        token = next((a.get("value", "") for a in inputs(page.body) if a.get("name") == "csrfmiddlewaretoken"), "")
        return urllib.parse.urlencode({"csrfmiddlewaretoken": token})

    def start_again(self) -> None:
        """The re-assessment, from the dashboard's "Start" button."""
        dashboard = self.request("firm dashboard", "GET", "/app/", 200)
        body = self.token_body(dashboard)
        started = self.request("start re-assessment", "POST", "/app/assessments/start/", 302, body)
        self.state["assessment_id"] = int(started.headers["Location"].rstrip("/").split("/")[-2])
        self.state["submitted"] = False
        self.state["next_page"] = 0


class AdvisorUser(SimulatedUser):
    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dashboard = f"/app/agency/{agency_id}/"

    def cycle(self) -> None:
        query = self.rng.choice(["", "", "?page=2", "?level=beginner", "?sort=-score", "?size_class=small&country=IT"])
        board = self.request("agency dashboard", "GET", self.dashboard + query, 200)
        clients = _CLIENT_LINK.findall(board.body)
        self.think(ADVISOR_THINK_S)
        if not clients:
            return
        client = self.request("client drill-down", "GET", self.rng.choice(clients), 200)
        results = _RESULTS_LINK.findall(client.body)
        self.think(ADVISOR_THINK_S)
        if results:
            self.request("client results", "GET", results[0], 200)
            self.think(ADVISOR_THINK_S)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_step(port: int, fixture: Mapping[str, Any], users: int, step_s: float) -> dict[str, Any]:
    """``users`` simulated users for ``step_s`` seconds; figures of the requests they made."""
    advisors = max(1, round(users * ADVISOR_SHARE))
    firms = users - advisors
    if firms > len(fixture["firms"]) or advisors > len(fixture["advisors"]):
        raise ValueError(f"the fixture has too few users for a step of {users}")
    tally, stop = Tally(), threading.Event()
    people: list[SimulatedUser] = [
        FirmUser(port, f["session"], tally, stop, seed, state=f, pillars=fixture["pillars"])
        for seed, f in enumerate(fixture["firms"][:firms])
    ]
    people += [
        AdvisorUser(port, a["session"], tally, stop, 10_000 + seed, agency_id=fixture["agency_id"])
        for seed, a in enumerate(fixture["advisors"][:advisors])
    ]
    arrivals = random.Random(users)
    threads = [
        threading.Thread(target=person.run, args=(arrivals.uniform(0, FIRM_THINK_S[1]),), daemon=True)
        for person in people
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(step_s)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.perf_counter() - started
    latencies = tally.latencies
    p95 = percentile(latencies, 0.95) if latencies else None
    errors = sum(tally.errors.values())
    return {
        "users": users,
        "firms": firms,
        "advisors": advisors,
        "seconds": round(elapsed, 1),
        "requests": len(latencies) + errors,
        "req_per_s": round((len(latencies) + errors) / elapsed, 1),
        "errors": errors,
        "error_kinds": dict(tally.errors),
        "p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
        "p95_ms": round(p95 * 1000) if p95 is not None else None,
        "max_ms": round(max(latencies) * 1000) if latencies else None,
        "p95_ms_by_kind": {
            kind: round(percentile(values, 0.95) * 1000) for kind, values in sorted(tally.by_kind.items())
        },
        "requests_by_kind": {kind: len(values) for kind, values in sorted(tally.by_kind.items())},
        "wait_ms_by_kind": {
            kind: {"p50": round(statistics.median(values) * 1000), "p95": round(percentile(values, 0.95) * 1000)}
            for kind, values in sorted(tally.waits.items())
        },
        "held": bool(latencies) and errors == 0 and p95 is not None and p95 <= P95_LIMIT_S,
    }


def run_steps(
    port: int, fixture: Mapping[str, Any], steps: tuple[int, ...], say: Callable[[str], None]
) -> dict[str, Any]:
    say(f"mixed load: warming up ({WARM_UP_S} s, {steps[0]} users, not reported)")
    run_step(port, fixture, steps[0], WARM_UP_S)
    results = []
    for users in steps:
        say(f"mixed load: {users} simulated users for {STEP_S} s")
        step = run_step(port, fixture, users, STEP_S)
        results.append(step)
        say(
            f"  {step['requests']} requests, {step['errors']} errors, p95 {step['p95_ms']} ms"
            + ("" if step["held"] else " — not held, stopping")
        )
        if not step["held"]:
            break
    held = [step["users"] for step in results if step["held"]]
    return {
        "steps": results,
        "users_held": max(held) if held else 0,
        "step_s": STEP_S,
        "p95_limit_s": P95_LIMIT_S,
        "think_s": {"firm": FIRM_THINK_S, "advisor": ADVISOR_THINK_S},
    }

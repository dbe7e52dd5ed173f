"""How long a new user takes through the whole questionnaire, driven in headless Chromium.

    make run                                  # in one terminal (or any running site)
    .venv/bin/python bench/questionnaire_time.py [--url http://127.0.0.1:8000] [--screenshots DIR]

A new person signs up, describes a firm, and answers every question of the current version,
page by page, picking a middle answer (a ladder's middle rung, half of a checklist's items). A
script reads and clicks far faster than a person, so the time is MODELLED from what each page
shows, and the figures say which part is which:

- reading: every word of the question, its help text and its answers, at 238 words a minute
  (the average silent reading rate for non-fiction in English, Brysbaert 2019, "How many words
  do we read per minute?", Journal of Memory and Language 109); a second figure leaves the help
  texts unread, as a hurried reader would;
- deciding and clicking: 3 seconds per question, plus 1 second per extra box ticked;
- the site: the measured time from clicking "Save and continue" until the next page has loaded.

Prints one line per pillar and the totals. Nothing is stored but the new account and its
assessment, like any visitor's.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORDS_PER_MINUTE = 238
SECONDS_PER_QUESTION = 3.0
SECONDS_PER_EXTRA_TICK = 1.0


@dataclass
class PillarTime:
    title: str
    questions: int = 0
    question_words: int = 0  # question and answer texts
    help_words: int = 0
    ticks: int = 0
    site_seconds: float = 0.0
    extra: list[str] = field(default_factory=list)

    def reading(self, with_help: bool = True) -> float:
        words = self.question_words + (self.help_words if with_help else 0)
        return words / WORDS_PER_MINUTE * 60

    def deciding(self) -> float:
        return self.questions * SECONDS_PER_QUESTION + max(self.ticks - self.questions, 0) * SECONDS_PER_EXTRA_TICK

    def total(self, with_help: bool = True) -> float:
        return self.reading(with_help) + self.deciding() + self.site_seconds


def words(text: str) -> int:
    return len(text.split())


def answer_middle(fieldset: Any) -> int:
    """Pick the middle rung of a ladder, or tick the first half of a checklist; boxes ticked."""
    regular = fieldset.locator("input:not([data-special])")
    count = regular.count()
    if regular.first.get_attribute("type") == "radio":
        regular.nth(count // 2).check()
        return 1
    for i in range(max(count // 2, 1)):
        regular.nth(i).check()
    return max(count // 2, 1)


def read_page(page: Any, pillar: PillarTime) -> None:
    fieldsets = page.locator("fieldset.question")
    for i in range(fieldsets.count()):
        fieldset = fieldsets.nth(i)
        pillar.questions += 1
        pillar.question_words += words(fieldset.locator("legend").inner_text())
        pillar.question_words += sum(words(label) for label in fieldset.locator("label").all_inner_texts())
        pillar.help_words += words(fieldset.locator("p.form-text").inner_text())
        pillar.ticks += answer_middle(fieldset)


def run(url: str, screenshots: Path | None) -> list[PillarTime]:
    from playwright.sync_api import sync_playwright

    email = f"timing-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(16)
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        page.goto(url.rstrip("/") + "/accounts/signup/")
        page.locator("#id_email").fill(email)
        page.locator("#id_password1").fill(password)
        page.locator("#id_password2").fill(password)
        page.get_by_role("button", name="Create account").click()
        page.locator("#id_name").fill("Timing test firm")
        page.locator("#id_country").select_option("ES")
        page.locator("#id_sector").select_option("C")
        page.locator("#id_size_class").select_option("small")
        page.locator("input[name=benchmark_consent][value=no]").check()
        page.locator("main form [type=submit]").click()
        page.get_by_role("button", name="Start the assessment").click()
        pillars: list[PillarTime] = []
        while page.locator("fieldset.question").count():
            pillar = PillarTime(title=page.locator("h1").inner_text())
            read_page(page, pillar)
            if screenshots:
                page.screenshot(path=str(screenshots / f"pillar-{len(pillars) + 1}.png"), full_page=True)
            button = page.get_by_role("button", name="Save and continue")
            if not button.count():
                button = page.get_by_role("button", name="Save and review")
            started = time.perf_counter()
            button.first.click()
            page.wait_for_load_state("load")
            pillar.site_seconds = time.perf_counter() - started
            pillars.append(pillar)
            if page.get_by_role("button", name="Submit the assessment").count():
                break
        submit = page.get_by_role("button", name="Submit the assessment")
        if submit.is_disabled():
            sys.exit("The review page says questions are still unanswered: the script missed some.")
        submit.click()
        page.wait_for_load_state("load")
        if screenshots:
            page.screenshot(path=str(screenshots / "results.png"), full_page=True)
        browser.close()
    return pillars


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {round(seconds % 60):02d} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--screenshots", type=Path, help="a folder for a full-page screenshot of each pillar")
    args = parser.parse_args()
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    pillars = run(args.url, args.screenshots)
    columns = ("questions", 9), ("words", 6), ("help words", 10), ("reading", 8), ("deciding", 8), ("site", 6)
    print(f"{'pillar':<24} " + " ".join(f"{name:>{width}}" for name, width in columns) + f" {'total':>12}")
    for p in pillars:
        print(
            f"{p.title:<24} {p.questions:>9} {p.question_words:>6} {p.help_words:>10} {p.reading():>7.0f}s "
            f"{p.deciding():>7.0f}s {p.site_seconds:>5.2f}s {minutes(p.total()):>12}"
        )
    total = sum(p.total() for p in pillars)
    hurried = sum(p.total(with_help=False) for p in pillars)
    print(
        f"{'all pillars':<24} {sum(p.questions for p in pillars):>9} {sum(p.question_words for p in pillars):>6} "
        f"{sum(p.help_words for p in pillars):>10}"
    )
    print(f"Reading everything: {minutes(total)}; leaving the help texts unread: {minutes(hurried)}.")
    print(
        f"(Modelled: {WORDS_PER_MINUTE} words a minute, {SECONDS_PER_QUESTION:.0f} s to decide a question, "
        f"{SECONDS_PER_EXTRA_TICK:.0f} s per extra box ticked, plus the site's measured page loads.)"
    )


if __name__ == "__main__":
    main()

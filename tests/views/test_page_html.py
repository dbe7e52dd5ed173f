"""Every page type, as the person who sees it: it answers 200 at its own URL, and no element id
is used twice (two forms on one page once both rendered ``id_email``, which breaks labels and
the links of the error summary)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from readiness.models import User
from tests.helpers import demo_site, page_types

pytestmark = pytest.mark.django_db


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


@pytest.fixture
def site(db: None) -> dict[str, Any]:
    return demo_site()


def test_every_page_type_answers_at_its_url_with_unique_ids(site: dict[str, Any]) -> None:
    checked = 0
    for who, paths in page_types(site):
        client = Client()
        if who is not None:
            client.force_login(User.objects.get(email=who))
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.status_code)
            assert response.request["PATH_INFO"] == path
            assert duplicate_ids(response.content.decode()) == [], (who, path)
            checked += 1
    assert checked == sum(len(paths) for _who, paths in page_types(site)) >= 20

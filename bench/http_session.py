"""HTTP as a browser does it, for the benchmark's checks and its simulated users.

Standard library only. One request per connection, as gunicorn's sync workers close each one.
"""

from __future__ import annotations

import http.client
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie

HOST = "127.0.0.1"
TIMEOUT_S = 30


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def describe(self) -> str:
        location = self.headers.get("Location")
        return f"{self.status}" + (f" (Location: {location})" if location else "")


def send(port: int, request: Request) -> Response:
    """One request on a fresh connection; redirects are returned, never followed."""
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
    try:
        connection.request(
            request.method, request.path, body=request.body.encode() or None, headers=dict(request.headers)
        )
        raw = connection.getresponse()
        return Response(raw.status, raw.headers, raw.read().decode("utf-8", "replace"))
    finally:
        connection.close()


class Browser:
    """Keeps cookies across requests, as a browser does."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in sorted(self.cookies.items()))

    def request(self, method: str, path: str, body: str = "", headers: Mapping[str, str] | None = None) -> Response:
        all_headers = {"Cookie": self.cookie_header} if self.cookies else {}
        all_headers.update(headers or {})
        response = send(self.port, Request(method, path, all_headers, body))
        for set_cookie in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(set_cookie)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response


class _InputCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append({name: value or "" for name, value in attrs})


def form_inputs(html: str) -> list[dict[str, str]]:
    """The attributes of every <input> of a page."""
    collector = _InputCollector()
    collector.feed(html)
    return collector.inputs

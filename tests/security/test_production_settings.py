"""The production settings (DJANGO_DEBUG=0), loaded for real in a fresh process: what
`check --deploy` says, and the headers and cookies the site sends."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "readiness.example.org"


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "readiness.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            # A deployment sends mail over SMTP (check --deploy refuses the console backend).
            "DJANGO_EMAIL_HOST": "smtp.example.org",
            **extra,
        }
    )
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603


def test_check_deploy_is_clean(tmp_path: Path) -> None:
    done = run(production_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    done = run(env, "manage.py", "check")
    assert done.returncode != 0 and "DJANGO_SECRET_KEY must be set" in done.stderr


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    """A deployment that sets nothing gets production's settings: no debug pages, a secret key
    required, HTTPS only."""
    env = production_env(tmp_path)
    del env["DJANGO_DEBUG"], env["DJANGO_SECRET_KEY"]
    done = run(env, "manage.py", "check")
    assert done.returncode != 0 and "DJANGO_SECRET_KEY must be set" in done.stderr
    env = production_env(tmp_path)
    del env["DJANGO_DEBUG"]
    show = "from django.conf import settings; print(settings.DEBUG, settings.SECURE_SSL_REDIRECT)"
    unset = [(None, "False True")]
    for value, expected in [
        *unset,
        ("", "False True"),
        ("0", "False True"),
        ("yes-please", "False True"),
        ("1", "True False"),
    ]:
        if value is not None:
            env = production_env(tmp_path, DJANGO_DEBUG=value)
        done = run(env, "manage.py", "shell", "-c", show)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1].split() == expected.split(), value


# Requests made in a fresh process under the production settings; each line of output is one
# response's status, headers and cookies, as JSON.
PROBE = """
import json, os, django
django.setup()
from django.conf import settings
# Headers and cookies are the point here, not static files: no manifest, so no collectstatic.
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
from readiness.models import User
User.objects.create_user("owner@example.com", "a long enough passphrase 42")
def show(response):
    cookies = {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]), "samesite": c["samesite"]}
               for name, c in response.cookies.items()}
    print(json.dumps({"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}))
host = {"HTTP_HOST": os.environ["PROBE_HOST"]}
show(Client().get("/", **host))
show(Client().get("/", secure=True, **host))
client = Client()
show(client.get("/accounts/login/", secure=True, **host))
show(client.post("/accounts/login/", {"username": "owner@example.com", "password": "a long enough passphrase 42"},
                 secure=True, **host))
show(Client().get("/healthz/", **host))
"""


@pytest.fixture(scope="module")
def responses(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    done = run(production_env(tmp_path_factory.mktemp("prod"), PROBE_HOST=HOST), "-c", PROBE)
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_plain_http_is_redirected_to_https(responses: list[dict]) -> None:
    assert responses[0]["status"] == 301 and responses[0]["headers"]["Location"] == f"https://{HOST}/"


def test_the_health_check_answers_over_http(responses: list[dict]) -> None:
    assert responses[4]["status"] == 200


def test_security_headers(responses: list[dict]) -> None:
    headers = responses[1]["headers"]
    assert responses[1]["status"] == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["Strict-Transport-Security"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_cookies_are_secure_and_http_only(responses: list[dict]) -> None:
    csrf = responses[2]["cookies"]["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    login = responses[3]
    assert login["status"] == 302
    session = login["cookies"]["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_the_compose_file_publishes_the_app_on_loopback_only() -> None:
    """The TLS proxy in front is the only way in: no container port is published on all addresses."""
    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "deploy" / "compose.yaml").read_text())
    published = [
        (name, str(port)) for name, service in compose["services"].items() for port in service.get("ports", [])
    ]
    # The scale-out profile's balancer is the TLS proxy's way in then (docs/deploy.md).
    assert published == [("web", "127.0.0.1:8000:8000"), ("nginx", "127.0.0.1:8080:8080")]

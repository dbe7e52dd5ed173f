"""The policy-example catalogue: loading, immutability, bad files, and the public page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from questionnaires.loader import ContentError
from questionnaires.models import PolicyExample
from questionnaires.policies import policy_examples_load

pytestmark = pytest.mark.django_db
SMALL = Path(__file__).resolve().parents[1] / "data" / "policy-examples-small.yaml"


def small() -> dict[str, Any]:
    return yaml.safe_load(SMALL.read_text())


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_loads_once_and_refuses_changes(tmp_path: Path) -> None:
    assert policy_examples_load(path=SMALL) == ("test-1", "created", 3)
    assert policy_examples_load(path=SMALL) == ("test-1", "unchanged", 3)
    data = small()
    data["examples"][0]["title"] = {"en": "Changed"}
    with pytest.raises(ContentError, match="cannot change"):
        policy_examples_load(path=write(tmp_path, data))
    assert PolicyExample.objects.get(code="cyber_self_check").title == {"en": "A free cyber-risk self-check"}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("pillars", ["finance"], "'pillars' must list"),
        ("actors", ["bank"], "'actors' must list"),
        ("source", "a newspaper", "seed file"),
        ("code", "Bad Code", "snake_case"),
    ],
)
def test_bad_files_are_rejected_whole(tmp_path: Path, field: str, value: object, reason: str) -> None:
    data = small()
    data["examples"][1][field] = value
    with pytest.raises(ContentError) as error:
        policy_examples_load(path=write(tmp_path, data))
    assert reason in str(error.value) and "example" in str(error.value)
    assert not PolicyExample.objects.exists()


def test_duplicate_codes(tmp_path: Path) -> None:
    data = small()
    data["examples"][2]["code"] = "cyber_self_check"
    with pytest.raises(ContentError, match="duplicate example code"):
        policy_examples_load(path=write(tmp_path, data))


def test_command_reports(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    call_command("load_policy_examples", str(SMALL))
    assert "3 examples" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("load_policy_examples", str(tmp_path / "missing.yaml"))


class TestPage:
    def test_lists_and_filters(self) -> None:
        policy_examples_load(path=SMALL)
        client = Client()
        url = reverse("policy_examples")
        html = client.get(url).content.decode()
        assert "3 examples" in html and "Source:" in html and "002_50b4064faa11e839.txt" in html
        assert "1 example" in client.get(url, {"pillar": "cyber"}).content.decode()
        by_agency = client.get(url, {"actor": "agency"}).content.decode()
        assert "2 examples" in by_agency and "Time set aside for training" not in by_agency
        assert "1 example" in client.get(url, {"pillar": "ai", "actor": "agency"}).content.decode()
        assert "No policy example matches" in client.get(url, {"pillar": "green"}).content.decode()

    def test_unknown_filters_are_ignored(self) -> None:
        policy_examples_load(path=SMALL)
        response = Client().get(reverse("policy_examples"), {"pillar": "<script>", "actor": "x" * 5000})
        assert response.status_code == 200 and "3 examples" in response.content.decode()
        assert "<script>" not in response.content.decode()

    def test_empty_catalogue(self) -> None:
        assert "No policy example matches" in Client().get(reverse("policy_examples")).content.decode()


def test_the_shipped_catalogue() -> None:
    """At least 30 examples from all four seeds, every pillar and every actor, each citing a seed file."""
    import re

    from questionnaires.loader import KNOWN_PILLARS
    from questionnaires.policies import parse_policy_examples

    path = Path(__file__).resolve().parents[2] / "questionnaires" / "content" / "policy-examples-2026.1.yaml"
    _label, examples = parse_policy_examples(yaml.safe_load(path.read_text()), str(path))
    assert len(examples) >= 30
    for pillar in KNOWN_PILLARS:
        assert sum(pillar in e.pillars for e in examples) >= 5, pillar
    for actor in ("firm", "agency", "government"):
        assert any(actor in e.actors for e in examples), actor
    cited = {name for e in examples for name in re.findall(r"\d{3}_[0-9a-f]{16}\.txt", e.source)}
    assert cited == {
        "000_7b14055dea39cffc.txt",
        "001_45476b91a6a569c3.txt",
        "002_50b4064faa11e839.txt",
        "003_9fb1818520dbe4d0.txt",
    }

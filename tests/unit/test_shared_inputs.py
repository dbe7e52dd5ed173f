"""The content's sources in ../shared: present beside this checkout, or a failure under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import helpers


def test_a_missing_folder_fails_under_ci_and_skips_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helpers, "SHARED", tmp_path)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        helpers.shared_folder("seeds")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        helpers.shared_folder("seeds")
    (tmp_path / "seeds").mkdir()
    monkeypatch.setenv("CI", "true")
    assert helpers.shared_folder("seeds") == tmp_path / "seeds"


def test_the_folders_the_content_tests_read_are_where_the_helper_looks() -> None:
    workspace = Path(__file__).resolve().parents[2].parent
    assert workspace / "shared" == helpers.SHARED

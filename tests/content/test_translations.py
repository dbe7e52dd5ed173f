"""The shipped content is translated in full, and merging translations keeps a file's layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from questionnaires import content_texts

CONTENT = Path(__file__).parent.parent.parent / "questionnaires" / "content"
SHIPPED = [
    "readiness-2026.1.yaml",
    "readiness-2026.2.yaml",
    "actions-2026.1.yaml",
    "actions-2026.2.yaml",
    "policy-examples-2026.1.yaml",
    "indicators.yaml",
    "dma-2026.1.yaml",
    "dma-2026.2.yaml",
]
# Spanish for Spain, the variety of the EU's users: words of Latin-American Spanish that have
# a different everyday word in Spain (left: what must not appear, in any form).
NOT_SPAIN = {
    "computadora": "ordenador",
    "celular": "móvil",
    "costo": "coste",
    "sin fines de lucro": "sin ánimo de lucro",
    "laptop": "portátil",
    "video": "vídeo",
    "aplicativo": "aplicación",
    "respaldo": "copia de seguridad",
}


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_shipped_text_is_translated(name: str, language: str) -> None:
    fields = content_texts.text_fields((CONTENT / name).read_text(encoding="utf-8"))
    assert fields
    missing = [f.id for f in content_texts.missing(fields, language)]
    assert not missing, f"{len(missing)} texts of {name} lack {language}, e.g. {missing[:3]}"
    untranslated = [f.id for f in fields if f.texts[language] == f.texts["en"] and len(f.texts["en"]) > 20]
    assert not untranslated, f"copied English in {language}: {untranslated[:3]}"


@pytest.mark.parametrize("name", SHIPPED)
def test_the_spanish_is_written_for_spain(name: str) -> None:
    fields = content_texts.text_fields((CONTENT / name).read_text(encoding="utf-8"))
    found = [
        (field.id, word)
        for field in fields
        for word in NOT_SPAIN
        if re.search(rf"\b{word}\b", field.texts.get("es", "").lower())
    ]
    assert not found, f"write {', '.join(NOT_SPAIN[w] for _f, w in found[:3])} instead: {found[:3]}"


def test_the_interface_spanish_is_written_for_spain() -> None:
    catalogue = (Path(__file__).parents[2] / "locale" / "es" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    translations = " ".join(re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', catalogue, re.M)).lower()
    assert translations.strip()
    found = [word for word in NOT_SPAIN if re.search(rf"\b{word}\b", translations)]
    assert not found, found


SAMPLE = """\
# A comment that must survive.
title:
  en: "Block style"
items:
  - code: one
    text: {en: "Flow style"}   # and a trailing comment
    help: {en: "Ünïcode “quotes” and a \\"backslash\\" \\\\"}
"""


def test_merge_adds_the_language_next_to_the_english_and_keeps_everything_else() -> None:
    fields = content_texts.text_fields(SAMPLE)
    assert [f.id for f in fields] == ["title", "items[one].text", "items[one].help"]
    merged = content_texts.merge(
        SAMPLE, "fr", {"title": "Style bloc", "items[one].text": 'Style "flux"', "items[one].help": "Aide : ü"}
    )
    assert "# A comment that must survive." in merged and "# and a trailing comment" in merged
    data = yaml.safe_load(merged)
    assert data["title"] == {"en": "Block style", "fr": "Style bloc"}
    assert data["items"][0]["text"] == {"en": "Flow style", "fr": 'Style "flux"'}
    assert data["items"][0]["help"]["en"] == yaml.safe_load(SAMPLE)["items"][0]["help"]["en"]
    assert data["items"][0]["help"]["fr"] == "Aide : ü"


@pytest.mark.parametrize(
    ("language", "translations"),
    [("en", {"title": "x"}), ("xx-long", {"title": "x"}), ("fr", {"nope": "x"}), ("fr", {"title": "  "})],
)
def test_merge_refuses_what_it_cannot_place(language: str, translations: dict[str, str]) -> None:
    with pytest.raises(content_texts.TranslationError):
        content_texts.merge(SAMPLE, language, translations)

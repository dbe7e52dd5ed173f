"""The translatable texts of a content file, found and edited in the YAML itself.

Every text of the questionnaire, the actions and the policy examples is a mapping of language
to text (``{en: "...", fr: "...", es: "..."}``). Here each one gets a stable id built from the
codes around it (``pillars[skills].questions[skills.basic_skills].choices[most].text``), so a
translator can export what is missing in a language, translate it anywhere, and merge it back:
the merge inserts the new language next to the English in the file, keeping its comments,
order and layout, and never touches the English.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from .loader import LANGUAGE, SOURCE_LANGUAGE


@dataclass(frozen=True)
class TextField:
    id: str
    texts: dict[str, str]
    node: yaml.MappingNode


def _is_texts(node: yaml.Node) -> bool:
    if not isinstance(node, yaml.MappingNode) or not node.value:
        return False
    keys = [key.value for key, _ in node.value]
    return (
        SOURCE_LANGUAGE in keys
        and all(isinstance(key, str) and LANGUAGE.match(key) for key in keys)
        and all(isinstance(value, yaml.ScalarNode) for _, value in node.value)
    )


def _code_of(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "code" and isinstance(value, yaml.ScalarNode):
                return str(value.value)
    return None


def _walk(node: yaml.Node, path: str) -> Iterator[TextField]:
    if _is_texts(node):
        assert isinstance(node, yaml.MappingNode)
        yield TextField(path, {key.value: str(value.value) for key, value in node.value}, node)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _walk(value, f"{path}.{key.value}" if path else str(key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk(item, f"{path}[{_code_of(item) or index}]")


def text_fields(source: str) -> list[TextField]:
    """Every translatable text of a content file's YAML, in file order."""
    root = yaml.compose(source)
    return list(_walk(root, "")) if root is not None else []


def missing(fields: list[TextField], language: str) -> list[TextField]:
    return [f for f in fields if not f.texts.get(language, "").strip()]


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


class TranslationError(ValueError):
    pass


def merge(source: str, language: str, translations: Mapping[str, str]) -> str:
    """``source`` with ``translations`` (text id -> text) added in ``language``.

    Only texts that have no translation in that language yet are added; an id the file does
    not have, or an empty translation, is an error (nothing is merged).
    """
    if not LANGUAGE.match(language) or language == SOURCE_LANGUAGE:
        raise TranslationError(f"{language!r} is not a language to translate into")
    fields = {f.id: f for f in text_fields(source)}
    unknown = sorted(set(translations) - set(fields))
    if unknown:
        raise TranslationError(f"{len(unknown)} ids are not texts of this file, e.g. {unknown[0]}")
    not_text = sorted(i for i, text in translations.items() if not isinstance(text, str))
    if not_text:
        raise TranslationError(f"{len(not_text)} translations are not text, e.g. {not_text[0]}")
    empty = sorted(i for i, text in translations.items() if not text.strip())
    if empty:
        raise TranslationError(f"{len(empty)} translations are empty, e.g. {empty[0]}")
    inserts: list[tuple[int, str]] = []
    for text_id, text in translations.items():
        node = fields[text_id].node
        if language in fields[text_id].texts:
            continue
        value = _quoted(text.strip())
        if node.flow_style:
            # "{en: "...", fr: "..."}": before the closing brace (the end mark is just after it).
            inserts.append((node.end_mark.index - 1, f", {language}: {value}"))
        else:
            # A block mapping: a line after its last entry, indented as its first key.
            first_key = node.value[0][0]
            last_value = node.value[-1][1]
            line_end = source.find("\n", last_value.end_mark.index)
            line_end = len(source) if line_end == -1 else line_end
            indent = " " * first_key.start_mark.column
            inserts.append((line_end, f"\n{indent}{language}: {value}"))
    merged = source
    for position, text in sorted(inserts, reverse=True):
        merged = merged[:position] + text + merged[position:]
    return merged


def merge_file(path: Path, language: str, translations: Mapping[str, str]) -> int:
    """Merge into the file in place; returns how many texts were added."""
    source = path.read_text(encoding="utf-8")
    before = len(missing(text_fields(source), language))
    merged = merge(source, language, translations)
    after = len(missing(text_fields(merged), language))
    path.write_text(merged, encoding="utf-8")
    return before - after

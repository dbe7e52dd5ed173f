"""The indicator catalogue (content/indicators.yaml): parsing, validation, and whether a firm
does what an indicator counts."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..scoring import DONT_KNOW, NONE_OF_THESE, NOT_APPLICABLE
from .common import CODE, DATASET, DII_BANDS, DII_POINTS, DII_VERSION, INDICATOR, LANGUAGE, ReferenceDataError, text_in

# --------------------------------------------------------------------------------------------
# Indicator links (content/indicators.yaml)


@dataclass(frozen=True)
class Rule:
    """When this firm "does it": it answered ``question`` with at least one of ``any_of``."""

    question: str
    any_of: tuple[str, ...]


def rule_answered(rules: Sequence[Rule], answers: Mapping[str, Sequence[str]]) -> Rule:
    """The rule of the question these answers belong to.

    A fact keeps one rule per question that has asked it: when a questionnaire version replaces
    a linked question, the link names the earlier question and its successor, and an assessment
    (of one version) answers at most one of them. Unanswered: the first rule.
    """
    return next((rule for rule in rules if rule.question in answers), rules[0])


@dataclass(frozen=True)
class IndicatorLink:
    """An official indicator and the answers that mean the firm does what it counts."""

    code: str
    label: dict[str, str]  # what firms do, per language: "uses at least one AI technology"
    dataset: str
    indic_is: str
    rules: tuple[Rule, ...]  # one per question asking it, across questionnaire versions

    def label_text(self, language: str | None = None) -> str:
        return text_in(self.label, language)


@dataclass(frozen=True)
class DiiItem:
    """One DII variable that the questionnaire observes."""

    code: str
    label: dict[str, str]
    eurostat_variable: str  # the DII variable it stands for, in Eurostat's words
    rules: tuple[Rule, ...]

    def label_text(self, language: str | None = None) -> str:
        return text_in(self.label, language)


@dataclass(frozen=True)
class DiiSpec:
    """Where the DII distribution is read from and which answers count as DII variables."""

    dataset: str
    bands: dict[str, str]  # band code -> indicator code, all of one DII version
    at_least_basic: str
    items: tuple[DiiItem, ...]

    def indicator_codes(self) -> tuple[str, ...]:
        return (*(self.bands[band] for band in DII_BANDS), self.at_least_basic)


@dataclass(frozen=True)
class IndicatorCatalogue:
    links: tuple[IndicatorLink, ...]
    digital_intensity: DiiSpec

    def indicator_keys(self) -> frozenset[tuple[str, str]]:
        """Every (dataset, indicator code) the comparison reads: what a selector must load."""
        keys = {(link.dataset, link.indic_is) for link in self.links}
        dii = self.digital_intensity
        keys |= {(dii.dataset, code) for code in dii.indicator_codes()}
        return frozenset(keys)

    def rules(self) -> Iterator[tuple[str, tuple[Rule, ...]]]:
        """(where, rules) for every link and item, to check them against a questionnaire version."""
        for link in self.links:
            yield f"link {link.code}", link.rules
        for item in self.digital_intensity.items:
            yield f"digital_intensity item {item.code}", item.rules


LINK_KEYS = {"code", "label", "dataset", "indic_is", "rule", "why"}
DII_KEYS = {"dataset", "bands", "at_least_basic", "items", "why"}
ITEM_KEYS = {"code", "label", "eurostat_variable", "rule", "why"}
RULE_KEYS = {"question", "any_of"}
TOP_KEYS = {"links", "digital_intensity"}


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def mapping(self, value: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.add(where, f"expected a mapping, got {type(value).__name__}")
            return {}
        for key in sorted(set(value) - allowed, key=str):
            self.add(where, f"unknown field '{key}'")
        for key in sorted(required - set(value)):
            self.add(where, f"missing field '{key}'")
        return value

    def string(self, value: Any, where: str, name: str, pattern: re.Pattern[str]) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            self.add(where, f"'{name}' {value!r} is not valid")
            return ""
        return value

    def texts(self, value: Any, where: str, name: str) -> dict[str, str]:
        if value is None:  # reported as a missing field already
            return {}
        if isinstance(value, str):
            value = {"en": value}
        if not isinstance(value, dict) or not value:
            self.add(where, f"'{name}' must be a text or a mapping of language to text")
            return {}
        result: dict[str, str] = {}
        for language, text in value.items():
            if not isinstance(language, str) or not LANGUAGE.match(language):
                self.add(where, f"'{name}' has an invalid language code {language!r}")
            elif not isinstance(text, str) or not text.strip():
                self.add(where, f"'{name}' in '{language}' is empty or not text")
            else:
                result[language] = text.strip()
        if "en" not in value:
            self.add(where, f"'{name}' has no English ('en') text")
        return result

    def rules(self, value: Any, where: str) -> tuple[Rule, ...]:
        """One rule, or a list of them: one per question that has asked it (see rule_answered)."""
        if value is None:  # reported as a missing field already
            return (Rule(question="", any_of=()),)
        if not isinstance(value, list):
            return (self.rule(value, where),)
        if not value:
            self.add(f"{where}, rule", "a list of rules must not be empty")
            return (Rule(question="", any_of=()),)
        rules = tuple(self.rule(item, where) for item in value)
        if len({rule.question for rule in rules}) < len(rules):
            self.add(f"{where}, rule", "names a question twice")
        return rules

    def rule(self, value: Any, where: str) -> Rule:
        mapping = self.mapping(value, f"{where}, rule", RULE_KEYS, RULE_KEYS)
        question = mapping.get("question")
        if not isinstance(question, str) or not re.match(r"^[a-z]+\.[a-z0-9_]+$", question):
            self.add(f"{where}, rule", f"'question' must be a question code such as 'cyber.backup', got {question!r}")
            question = ""
        any_of = mapping.get("any_of")
        if not isinstance(any_of, list) or not any_of or not all(isinstance(c, str) and CODE.match(c) for c in any_of):
            self.add(f"{where}, rule", "'any_of' must be a non-empty list of choice codes")
            any_of = []
        elif len(set(any_of)) != len(any_of):
            self.add(f"{where}, rule", "'any_of' lists a choice twice")
        return Rule(question=question, any_of=tuple(any_of))


def parse_indicator_catalogue(data: Any, path: str = "indicators.yaml") -> IndicatorCatalogue:
    """Validate the parsed indicator links; raise ``ReferenceDataError`` with every problem."""
    p = _Problems()
    top = p.mapping(data, "top", TOP_KEYS, TOP_KEYS)
    links: list[IndicatorLink] = []
    raw_links = top.get("links")
    if not isinstance(raw_links, list) or not raw_links:
        p.add("top", "'links' must be a non-empty list")
        raw_links = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_links, start=1):
        code = raw.get("code") if isinstance(raw, dict) else None
        where = f"link {code}" if isinstance(code, str) else f"link #{index}"
        mapping = p.mapping(raw, where, LINK_KEYS, LINK_KEYS - {"why"})
        code = p.string(mapping.get("code"), where, "code", CODE)
        if code in seen:
            p.add(where, "duplicate link code")
        seen.add(code)
        links.append(
            IndicatorLink(
                code=code,
                label=p.texts(mapping.get("label"), where, "label"),
                dataset=p.string(mapping.get("dataset"), where, "dataset", DATASET),
                indic_is=p.string(mapping.get("indic_is"), where, "indic_is", INDICATOR),
                rules=p.rules(mapping.get("rule"), where),
            )
        )
    dii = _parse_dii(p, top.get("digital_intensity"))
    if p.items:
        raise ReferenceDataError(path, p.items)
    return IndicatorCatalogue(links=tuple(links), digital_intensity=dii)


def _parse_dii(p: _Problems, raw: Any) -> DiiSpec:
    where = "digital_intensity"
    mapping = p.mapping(raw, where, DII_KEYS, DII_KEYS - {"why"})
    raw_bands = p.mapping(mapping.get("bands", {}), f"{where}, bands", set(DII_BANDS), set(DII_BANDS))
    bands = {band: p.string(raw_bands.get(band), f"{where}, bands", band, INDICATOR) for band in DII_BANDS}
    at_least_basic = p.string(mapping.get("at_least_basic"), where, "at_least_basic", INDICATOR)
    # Versions 3 and 4 score different technologies: one distribution must be one version.
    versions = {m.group(1) if (m := DII_VERSION.match(code)) else code for code in (*bands.values(), at_least_basic)}
    if len(versions) > 1:
        p.add(where, f"the band indicators mix DII versions ({', '.join(sorted(versions))})")
    items: list[DiiItem] = []
    raw_items = mapping.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        p.add(where, "'items' must be a non-empty list")
        raw_items = []
    elif len(raw_items) > DII_POINTS:
        p.add(where, f"the DII has {DII_POINTS} variables, 'items' lists {len(raw_items)}")
    seen: set[str] = set()
    for index, raw_item in enumerate(raw_items, start=1):
        code = raw_item.get("code") if isinstance(raw_item, dict) else None
        item_where = f"{where} item {code}" if isinstance(code, str) else f"{where} item #{index}"
        item = p.mapping(raw_item, item_where, ITEM_KEYS, ITEM_KEYS - {"why"})
        code = p.string(item.get("code"), item_where, "code", CODE)
        if code in seen:
            p.add(item_where, "duplicate item code")
        seen.add(code)
        variable = item.get("eurostat_variable")
        if not isinstance(variable, str) or not variable.strip():
            p.add(item_where, "'eurostat_variable' must name the DII variable")
            variable = ""
        items.append(
            DiiItem(
                code=code,
                label=p.texts(item.get("label"), item_where, "label"),
                eurostat_variable=variable.strip(),
                rules=p.rules(item.get("rule"), item_where),
            )
        )
    return DiiSpec(
        dataset=p.string(mapping.get("dataset"), where, "dataset", DATASET),
        bands=bands,
        at_least_basic=at_least_basic,
        items=tuple(items),
    )


def rule_problems(catalogue: IndicatorCatalogue, questions: Mapping[str, Collection[str]]) -> list[str]:
    """Rules that do not fit a questionnaire version, given its question code -> choice codes.

    Each link and item must have exactly one rule whose question the version asks, naming only
    that question's own options: "don't know", "none of these" and "not applicable" never mean
    that a firm does something. (Rules for other versions' questions are checked against those.)
    """
    reserved = {DONT_KNOW, NONE_OF_THESE, NOT_APPLICABLE}
    problems: list[str] = []
    for where, rules in catalogue.rules():
        asked = [rule for rule in rules if rule.question in questions]
        if not asked:
            names = "' or '".join(rule.question for rule in rules)
            problems.append(f"{where}: no question '{names}'")
            continue
        if len(asked) > 1:
            problems.append(f"{where}: this version asks more than one of its questions")
        rule = asked[0]
        for code in rule.any_of:
            if code in reserved:
                problems.append(f"{where}: '{code}' cannot mean that the firm does it")
            elif code not in questions[rule.question]:
                problems.append(f"{where}: '{rule.question}' has no choice '{code}'")
    return problems


# --------------------------------------------------------------------------------------------
# The firm's side


def firm_does(rule: Rule | Sequence[Rule] | Mapping[str, Any], answers: Mapping[str, Sequence[str]]) -> bool | None:
    """Whether the answers say the firm does what ``rule`` describes.

    ``rule`` is a ``Rule``, its mapping form ``{question: ..., any_of: [...]}``, or the rules
    of a link or item (the one whose question was answered applies); ``answers`` maps question
    codes to the selected choice codes. None when the question is unanswered or answered "not
    applicable"; "don't know" and "none of these" count as no.
    """
    if isinstance(rule, Mapping):
        rule = Rule(question=str(rule["question"]), any_of=tuple(rule["any_of"]))
    elif not isinstance(rule, Rule):
        rule = rule_answered(rule, answers)
    selected = answers.get(rule.question) or ()
    if not selected or NOT_APPLICABLE in selected:
        return None
    return any(code in rule.any_of for code in selected)

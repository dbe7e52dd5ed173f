"""Reading and validating questionnaire content files (YAML).

``parse_questionnaire_file`` turns a file into plain, validated data or raises
``ContentError`` listing every problem found, each with the file, the question code (where
there is one) and what is wrong. Nothing here touches the database: writing is
``services.questionnaire_version_load``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .scoring import CHECKLIST, DONT_KNOW, LADDER, NONE_OF_THESE, NOT_APPLICABLE

# The five pillars of the method, in their fixed order (DESIGN, "Questionnaire").
KNOWN_PILLARS = ("skills", "data", "cyber", "ai", "green")
RESERVED_CHOICE_CODES = frozenset({DONT_KNOW, NOT_APPLICABLE, NONE_OF_THESE})
SEED_FILE = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
SLUG = re.compile(r"^[a-z][a-z0-9_]{0,58}$")
LANGUAGE = re.compile(r"^[a-z]{2}(-[a-z]{2})?$")
SOURCE_LANGUAGE = "en"
MAX_TEXT = 2000

TOP_KEYS = {"label", "title", "special_choices", "pillars"}
PILLAR_KEYS = {"code", "title", "description", "source", "weight", "questions"}
QUESTION_KEYS = {"code", "type", "text", "help", "source", "weight", "allow_not_applicable", "choices", "carries_over"}
CARRIES_OVER_KEYS = {"from", "choices"}
QUESTION_CODE = re.compile(r"^[a-z]+\.[a-z0-9_]+$")
CHOICE_KEYS = {"code", "text", "score", "weight"}

Texts = dict[str, str]


@dataclass
class ChoiceContent:
    code: str
    text: Texts
    kind: str = "option"
    score: float | None = None
    weight: float = 1.0


@dataclass
class QuestionContent:
    code: str
    kind: str
    text: Texts
    help: Texts
    source: str
    weight: float
    allow_not_applicable: bool
    choices: list[ChoiceContent] = field(default_factory=list)
    # A question that replaces one of an earlier version (a new code) may name the earlier answers
    # that keep their meaning: {"from": old question code, "choices": {old choice: new choice}}.
    # A re-assessment then starts from them too. None: nothing carries over but by the same code.
    carries_over: dict[str, Any] | None = None


@dataclass
class PillarContent:
    code: str
    title: Texts
    description: Texts
    source: str
    weight: float
    questions: list[QuestionContent] = field(default_factory=list)


@dataclass
class QuestionnaireContent:
    label: str
    title: Texts
    special_choices: dict[str, Texts]
    pillars: list[PillarContent]
    source_path: str = ""

    def content_hash(self) -> str:
        """Identity of the content itself, independent of formatting, of the file's path and of
        translations (``source_language_only``): a published version gains languages, never changes."""
        payload = source_language_only(asdict(self))
        payload.pop("source_path")
        for pillar in payload["pillars"]:
            for question in pillar["questions"]:
                if question["carries_over"] is None:
                    del question["carries_over"]  # versions written before the field keep their identity
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def question_count(self) -> int:
        return sum(len(p.questions) for p in self.pillars)


def is_texts(value: Any) -> bool:
    """A mapping of language to text, such as ``{"en": "...", "fr": "..."}``."""
    return (
        isinstance(value, dict)
        and SOURCE_LANGUAGE in value
        and all(isinstance(k, str) and LANGUAGE.match(k) and isinstance(v, str) for k, v in value.items())
    )


def source_language_only(value: Any) -> Any:
    """``value`` with every text reduced to its English: what a content hash is taken of.

    Translations are added to a loaded version in place (a version's meaning is its English);
    content written before translations existed hashes exactly as it did then.
    """
    if is_texts(value):
        return {SOURCE_LANGUAGE: value[SOURCE_LANGUAGE]}
    if isinstance(value, dict):
        return {k: source_language_only(v) for k, v in value.items()}
    if isinstance(value, list):
        return [source_language_only(v) for v in value]
    return value


class ContentError(Exception):
    """A content file that cannot be loaded; ``problems`` lists every reason found."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))

    def __str__(self) -> str:
        lines = [f"{self.path}: {len(self.problems)} problem(s); nothing was loaded."]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


class Validator:
    """Collects problems instead of stopping at the first, so an author fixes them in one go."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def mapping(self, value: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(where, f"expected a mapping, got {type(value).__name__}")
            return None
        for key in sorted(set(value) - allowed, key=str):
            self.problem(where, f"unknown field '{key}'")
        for key in sorted(required - set(value)):
            self.problem(where, f"missing field '{key}'")
        return value

    def texts(self, value: Any, where: str, name: str, required: bool = True) -> Texts:
        if value is None:
            if required:
                self.problem(where, f"missing field '{name}'")
            return {}
        if isinstance(value, str):
            value = {"en": value}
        if not isinstance(value, dict):
            self.problem(where, f"'{name}' must be a text or a mapping of language to text")
            return {}
        result: Texts = {}
        for language, text in value.items():
            if not isinstance(language, str) or not LANGUAGE.match(language):
                self.problem(where, f"'{name}' has an invalid language code {language!r}")
            elif not isinstance(text, str) or not text.strip():
                self.problem(where, f"'{name}' in '{language}' is empty or not text")
            elif len(text) > MAX_TEXT:
                self.problem(where, f"'{name}' in '{language}' is longer than {MAX_TEXT} characters")
            else:
                result[language] = text.strip()
        if value and "en" not in value:
            self.problem(where, f"'{name}' has no English ('en') text")
        return result

    def number(
        self, value: Any, where: str, name: str, default: float, low: float, high: float, low_open: bool = False
    ) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(where, f"'{name}' must be a number, got {value!r}")
            return default
        if value < low or value > high or (low_open and value == low):
            interval = f"({low:g}, {high:g}]" if low_open else f"[{low:g}, {high:g}]"
            self.problem(where, f"'{name}' {value:g} is outside {interval}")
            return default
        return float(value)

    def source(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.problem(where, "missing field 'source' (the seed passage it derives from)")
            return ""
        if not SEED_FILE.search(value):
            self.problem(where, f"'source' must name a seed file (NNN_<16 hex>.txt), got {value!r}")
        return value.strip()


def parse_questionnaire(data: Any, path: str) -> QuestionnaireContent:
    """Validate parsed YAML; raise ``ContentError`` with every problem, or return the content."""
    v = Validator()
    top = v.mapping(data, "", TOP_KEYS, {"label", "special_choices", "pillars"})
    if top is None:
        raise ContentError(path, v.problems)

    label = top.get("label")
    if not isinstance(label, str) or not LABEL.match(label):
        v.problem("", f"'label' must be 1-40 letters, digits, '.', '_' or '-', got {label!r}")
        label = ""
    title = v.texts(top.get("title"), "", "title")

    special: dict[str, Texts] = {}
    raw_special = v.mapping(
        top.get("special_choices"), "special_choices", set(RESERVED_CHOICE_CODES), set(RESERVED_CHOICE_CODES)
    )
    if raw_special is not None:
        for code in sorted(RESERVED_CHOICE_CODES):
            special[code] = v.texts(raw_special.get(code), "special_choices", code)

    pillars: list[PillarContent] = []
    raw_pillars = top.get("pillars")
    if not isinstance(raw_pillars, list) or not raw_pillars:
        v.problem("", "'pillars' must be a non-empty list")
        raw_pillars = []
    seen_pillars: set[str] = set()
    seen_questions: set[str] = set()
    for index, raw_pillar in enumerate(raw_pillars, start=1):
        pillar = _parse_pillar(v, raw_pillar, index, seen_pillars, seen_questions)
        if pillar is not None:
            pillars.append(pillar)
    for code in KNOWN_PILLARS:
        if code not in seen_pillars:
            v.problem("", f"pillar '{code}' is missing (every version has {', '.join(KNOWN_PILLARS)})")

    if v.problems:
        raise ContentError(path, v.problems)
    return QuestionnaireContent(label=label, title=title, special_choices=special, pillars=pillars, source_path=path)


def _parse_pillar(v: Validator, raw: Any, index: int, seen: set[str], seen_questions: set[str]) -> PillarContent | None:
    where = f"pillar #{index}"
    mapping = v.mapping(raw, where, PILLAR_KEYS, {"code", "questions"})
    if mapping is None:
        return None
    code = mapping.get("code")
    if code not in KNOWN_PILLARS:
        v.problem(where, f"unknown pillar {code!r} (known: {', '.join(KNOWN_PILLARS)})")
        return None
    where = f"pillar {code}"
    if code in seen:
        v.problem(where, "duplicate pillar code")
        return None
    seen.add(code)
    pillar = PillarContent(
        code=code,
        title=v.texts(mapping.get("title"), where, "title"),
        description=v.texts(mapping.get("description"), where, "description", required=False),
        source=str(mapping.get("source") or "").strip(),
        weight=v.number(mapping.get("weight"), where, "weight", 1.0, 0.0, 100.0, low_open=True),
    )
    raw_questions = mapping.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        v.problem(where, "'questions' must be a non-empty list")
        return pillar
    for q_index, raw_question in enumerate(raw_questions, start=1):
        question = _parse_question(v, raw_question, code, q_index, seen_questions)
        if question is not None:
            pillar.questions.append(question)
    return pillar


def _parse_question(v: Validator, raw: Any, pillar: str, index: int, seen: set[str]) -> QuestionContent | None:
    code = raw.get("code") if isinstance(raw, dict) else None
    where = f"question {code}" if isinstance(code, str) and code else f"pillar {pillar}, question #{index}"
    # text, help and source report their own absence.
    mapping = v.mapping(raw, where, QUESTION_KEYS, {"code", "type", "choices"})
    if mapping is None:
        return None
    if not isinstance(code, str) or not re.match(rf"^{pillar}\.[a-z0-9_]+$", code) or len(code) > 80:
        v.problem(where, f"code must look like '{pillar}.snake_case' (its pillar's code first), got {code!r}")
    elif code in seen:
        v.problem(where, "duplicate question code")
    else:
        seen.add(code)
    kind = mapping.get("type")
    if kind not in (LADDER, CHECKLIST):
        v.problem(where, f"'type' must be '{LADDER}' or '{CHECKLIST}', got {kind!r}")
        kind = LADDER
    allow_na = mapping.get("allow_not_applicable", False)
    if not isinstance(allow_na, bool):
        v.problem(where, "'allow_not_applicable' must be true or false")
        allow_na = False
    question = QuestionContent(
        code=str(code),
        kind=kind,
        text=v.texts(mapping.get("text"), where, "text"),
        help=v.texts(mapping.get("help"), where, "help"),
        source=v.source(mapping.get("source"), where),
        weight=v.number(mapping.get("weight"), where, "weight", 1.0, 0.0, 100.0, low_open=True),
        allow_not_applicable=allow_na,
    )
    raw_choices = mapping.get("choices")
    if not isinstance(raw_choices, list) or len(raw_choices) < 2:
        v.problem(where, "'choices' must be a list of at least two choices")
        return question
    seen_choices: set[str] = set()
    for c_index, raw_choice in enumerate(raw_choices, start=1):
        choice = _parse_choice(v, raw_choice, where, kind, c_index, seen_choices)
        if choice is not None:
            question.choices.append(choice)
    if mapping.get("carries_over") is not None:
        question.carries_over = _parse_carries_over(v, mapping["carries_over"], where, question)
    return question


def _parse_carries_over(v: Validator, raw: Any, where: str, question: QuestionContent) -> dict[str, Any] | None:
    """Which earlier answers keep their meaning in this question: checked against its own choices."""
    mapping = v.mapping(raw, f"{where}, carries_over", CARRIES_OVER_KEYS, CARRIES_OVER_KEYS)
    if mapping is None:
        return None
    source = mapping.get("from")
    if not isinstance(source, str) or not QUESTION_CODE.match(source) or source == question.code:
        v.problem(where, f"'carries_over.from' must be another question's code, got {source!r}")
        return None
    targets = {choice.code for choice in question.choices} | {DONT_KNOW}
    if question.allow_not_applicable:
        targets.add(NOT_APPLICABLE)
    if question.kind == CHECKLIST:
        targets.add(NONE_OF_THESE)
    pairs = mapping.get("choices")
    if not isinstance(pairs, dict) or not pairs:
        v.problem(where, "'carries_over.choices' must map earlier choice codes to this question's choice codes")
        return None
    for old, new in pairs.items():
        if not isinstance(old, str) or not SLUG.match(old) or new not in targets:
            v.problem(where, f"'carries_over.choices': {old!r} -> {new!r} does not map to one of this question's codes")
            return None
    return {"from": source, "choices": dict(pairs)}


def _parse_choice(
    v: Validator, raw: Any, question_where: str, kind: str, index: int, seen: set[str]
) -> ChoiceContent | None:
    code = raw.get("code") if isinstance(raw, dict) else None
    where = f"{question_where}, choice {code if isinstance(code, str) and code else f'#{index}'}"
    mapping = v.mapping(raw, where, CHOICE_KEYS, {"code"})
    if mapping is None:
        return None
    if not isinstance(code, str) or not SLUG.match(code):
        v.problem(where, f"code must be snake_case, got {code!r}")
    elif code in RESERVED_CHOICE_CODES:
        v.problem(where, f"'{code}' is reserved: the loader adds it")
    elif code in seen:
        v.problem(where, "duplicate choice code")
    else:
        seen.add(code)
    choice = ChoiceContent(code=str(code), text=v.texts(mapping.get("text"), where, "text"))
    if kind == LADDER:
        if "weight" in mapping:
            v.problem(where, "a ladder rung has a 'score', not a 'weight'")
        if "score" not in mapping:
            v.problem(where, "missing field 'score' (a number in [0, 1])")
        else:
            choice.score = v.number(mapping["score"], where, "score", 0.0, 0.0, 1.0)
    else:
        if "score" in mapping:
            v.problem(where, "a checklist item has a 'weight', not a 'score'")
        choice.weight = v.number(mapping.get("weight"), where, "weight", 1.0, 0.0, 100.0, low_open=True)
    return choice


def parse_questionnaire_file(path: str | Path) -> QuestionnaireContent:
    """Read and validate one content file."""
    path_str = str(path)
    try:
        raw_text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path_str, [f"cannot read the file: {exc}"]) from exc
    try:
        data = yaml.safe_load(raw_text)
    except yaml.YAMLError as exc:
        raise ContentError(path_str, [f"not valid YAML: {exc}"]) from exc
    return parse_questionnaire(data, path_str)

"""Action sets: reading, validating and loading ``content/actions-<label>.yaml``.

All or nothing, like the questionnaire and policy-example loaders: every problem is reported
with the file and the action's code. An action set belongs to one questionnaire version (its
triggers use that version's question and choice codes) and names policy examples of one
catalogue; both must be loaded first, and every code is checked against them. A loaded set
label never changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import F

from .loader import KNOWN_PILLARS, LABEL, ContentError, Validator, source_language_only
from .models import Action, PolicyExample, QuestionnaireVersion, texts_update
from .policies import CODE
from .recommendations import TRIGGER_LEVELS
from .scoring import CHECKLIST, DONT_KNOW, NOT_APPLICABLE
from .selectors import version_content
from .signals import content_changed_send

TOP_KEYS = {"label", "questionnaire", "policy_catalogue", "actions"}
ACTION_KEYS = {
    "code", "pillar", "title", "what_to_do", "effort", "impact", "horizon", "when", "policy_examples", "source",
}  # fmt: skip
REQUIRED_ACTION_KEYS = ACTION_KEYS - {"policy_examples"}
EFFORTS = tuple(Action.Effort.values)
IMPACTS = tuple(Action.Impact.values)
HORIZONS = tuple(Action.Horizon.values)
MAX_POLICY_EXAMPLES = 5


TEXT_FIELDS = ("title", "what_to_do")


@dataclass
class ActionContent:
    code: str
    pillar: str
    title: dict[str, str]
    what_to_do: dict[str, str]
    effort: str
    impact: str
    horizon: str
    levels: list[str]
    answer_triggers: list[dict[str, Any]]
    policy_examples: list[str]
    source: str


@dataclass
class ActionSetContent:
    label: str
    questionnaire: str
    policy_catalogue: str
    actions: list[ActionContent]

    def content_hash(self) -> str:
        """Of the English content: translations are added to a loaded set in place."""
        payload = source_language_only(asdict(self))
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def parse_action_set(data: Any, path: str) -> ActionSetContent:
    """Validate the file's own structure (not yet its codes against the questionnaire)."""
    v = Validator()
    top = v.mapping(data, "", TOP_KEYS, TOP_KEYS)
    if top is None:
        raise ContentError(path, v.problems)
    labels = {}
    for key in ("label", "questionnaire", "policy_catalogue"):
        value = top.get(key)
        if not isinstance(value, str) or not LABEL.match(value):
            v.problem("", f"'{key}' must be 1-40 letters, digits, '.', '_' or '-', got {value!r}")
            value = ""
        labels[key] = value
    raw_actions = top.get("actions")
    if not isinstance(raw_actions, list) or not raw_actions:
        v.problem("", "'actions' must be a non-empty list")
        raw_actions = []
    actions: list[ActionContent] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_actions, start=1):
        action = _parse_action(v, raw, index, seen)
        if action is not None:
            actions.append(action)
    if v.problems:
        raise ContentError(path, v.problems)
    return ActionSetContent(actions=actions, **labels)


def _parse_action(v: Validator, raw: Any, index: int, seen: set[str]) -> ActionContent | None:
    code = raw.get("code") if isinstance(raw, dict) else None
    where = f"action {code}" if isinstance(code, str) and code else f"action #{index}"
    mapping = v.mapping(raw, where, ACTION_KEYS, REQUIRED_ACTION_KEYS)
    if mapping is None:
        return None
    if not isinstance(code, str) or not CODE.match(code):
        v.problem(where, f"code must be snake_case, got {code!r}")
    elif code in seen:
        v.problem(where, "duplicate action code")
    else:
        seen.add(code)
    pillar = mapping.get("pillar")
    if pillar not in KNOWN_PILLARS:
        v.problem(where, f"'pillar' must be one of {', '.join(KNOWN_PILLARS)}, got {pillar!r}")
    choices = {"effort": EFFORTS, "impact": IMPACTS, "horizon": HORIZONS}
    for key, allowed in choices.items():
        if mapping.get(key) not in allowed:
            v.problem(where, f"'{key}' must be one of {', '.join(allowed)}, got {mapping.get(key)!r}")
    levels, triggers = _parse_when(v, mapping.get("when"), where)
    examples = mapping.get("policy_examples", [])
    if (
        not isinstance(examples, list)
        or len(examples) > MAX_POLICY_EXAMPLES
        or any(not isinstance(e, str) or not CODE.match(e) for e in examples)
    ):
        v.problem(where, f"'policy_examples' must list up to {MAX_POLICY_EXAMPLES} example codes, got {examples!r}")
        examples = []
    return ActionContent(
        code=str(code),
        pillar=str(pillar),
        title=v.texts(mapping.get("title"), where, "title"),
        what_to_do=v.texts(mapping.get("what_to_do"), where, "what_to_do"),
        effort=str(mapping.get("effort")),
        impact=str(mapping.get("impact")),
        horizon=str(mapping.get("horizon")),
        levels=levels,
        answer_triggers=triggers,
        policy_examples=list(dict.fromkeys(examples)),
        source=v.source(mapping.get("source"), where),
    )


def _parse_when(v: Validator, raw: Any, where: str) -> tuple[list[str], list[dict[str, Any]]]:
    when = v.mapping(raw, f"{where}, when", {"levels", "answers"}, set())
    if when is None:
        return [], []
    levels = when.get("levels", [])
    if not isinstance(levels, list) or any(level not in TRIGGER_LEVELS for level in levels):
        v.problem(where, f"'when.levels' must list some of {', '.join(TRIGGER_LEVELS)}, got {levels!r}")
        levels = []
    raw_answers = when.get("answers", [])
    if not isinstance(raw_answers, list):
        v.problem(where, "'when.answers' must be a list")
        raw_answers = []
    triggers: list[dict[str, Any]] = []
    for raw_trigger in raw_answers:
        trigger = _parse_answer_trigger(v, raw_trigger, where)
        if trigger is not None:
            triggers.append(trigger)
    if not levels and not raw_answers:
        v.problem(where, "'when' needs 'levels', 'answers' or both: an action nothing triggers is never shown")
    return list(dict.fromkeys(levels)), triggers


def _parse_answer_trigger(v: Validator, raw: Any, where: str) -> dict[str, Any] | None:
    trigger = v.mapping(raw, f"{where}, when.answers", {"question", "choices", "missing"}, {"question"})
    if trigger is None:
        return None
    question = trigger.get("question")
    if not isinstance(question, str) or not question:
        v.problem(where, f"'when.answers' entry needs a question code, got {question!r}")
        return None
    kinds = [key for key in ("choices", "missing") if key in trigger]
    if len(kinds) != 1:
        v.problem(where, f"'when.answers' entry for {question} needs exactly one of 'choices' (ladder) or 'missing'")
        return None
    codes = trigger[kinds[0]]
    if not isinstance(codes, list) or not codes or any(not isinstance(c, str) or not c for c in codes):
        v.problem(where, f"'{kinds[0]}' of {question} must be a non-empty list of choice codes")
        return None
    return {"question": question, kinds[0]: list(dict.fromkeys(codes))}


def check_against(content: ActionSetContent, version: QuestionnaireVersion, example_codes: set[str]) -> list[str]:
    """Every problem of the set's codes against its questionnaire version and catalogue."""

    problems: list[str] = []
    version_view = version_content(version.pk)
    questions = version_view.spec.questions()
    pillar_of = {q.code: p.code for p in version_view.pillars for q in p.questions}
    for action in content.actions:
        where = f"action {action.code}"
        for trigger in action.answer_triggers:
            code = trigger["question"]
            question = questions.get(code)
            if question is None:
                problems.append(f"{where}: question {code} is not in questionnaire {version.label}")
                continue
            if pillar_of[code] != action.pillar:
                problems.append(f"{where}: question {code} is not in pillar {action.pillar}")
            options = {c.code for c in question.choices}
            if question.kind == CHECKLIST:
                if "missing" not in trigger:
                    problems.append(f"{where}: {code} is a checklist; use 'missing' with item codes")
                    continue
                items = {c.code for c in question.choices if c.kind == "option"}
                unknown = [c for c in trigger["missing"] if c not in items]
            else:
                if "choices" not in trigger:
                    problems.append(f"{where}: {code} is a ladder; use 'choices' with rung codes")
                    continue
                allowed = options - {NOT_APPLICABLE}
                unknown = [c for c in trigger["choices"] if c not in allowed]
                if DONT_KNOW not in options:  # pragma: no cover - the loader always adds it
                    problems.append(f"{where}: {code} has no 'don't know'")
            if unknown:
                problems.append(f"{where}: {', '.join(unknown)} not a usable choice of {code}")
        for example in action.policy_examples:
            if example not in example_codes:
                problems.append(f"{where}: policy example {example} is not in catalogue {content.policy_catalogue}")
    return problems


def action_set_load(*, path: str | Path) -> tuple[str, str, int]:
    """Load an action set file; returns (label, "created" | "unchanged", number of actions)."""
    path_str = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError(path_str, [f"cannot read the file: {exc}"]) from exc
    content = parse_action_set(data, path_str)
    digest = content.content_hash()
    with transaction.atomic():
        existing = set(Action.objects.filter(action_set=content.label).values_list("content_hash", flat=True))
        if existing == {digest}:
            changed = _translations_update(content)
            return content.label, "translations updated" if changed else "unchanged", len(content.actions)
        if existing:
            raise ContentError(
                path_str, [f"action set '{content.label}' is already loaded and cannot change; give it a new label"]
            )
        version = QuestionnaireVersion.objects.published().filter(label=content.questionnaire).first()
        if version is None:
            raise ContentError(path_str, [f"questionnaire '{content.questionnaire}' is not loaded and published"])
        example_codes = set(
            PolicyExample.objects.filter(catalogue=content.policy_catalogue).values_list("code", flat=True)
        )
        if not example_codes:
            raise ContentError(path_str, [f"policy-example catalogue '{content.policy_catalogue}' is not loaded"])
        problems = check_against(content, version, example_codes)
        if problems:
            raise ContentError(path_str, problems)
        Action.objects.bulk_create(
            Action(
                version=version,
                action_set=content.label,
                content_hash=digest,
                policy_catalogue=content.policy_catalogue,
                position=position,
                **asdict(action),
            )
            for position, action in enumerate(content.actions)
        )
    content_changed_send()
    return content.label, "created", len(content.actions)


def _translations_update(content: ActionSetContent) -> int:
    """Store the texts of an already loaded set (same English); returns the actions changed."""
    stored = {a.code: a for a in Action.objects.filter(action_set=content.label)}
    changed = texts_update(
        (stored[action.code], {name: getattr(action, name) for name in TEXT_FIELDS}) for action in content.actions
    )
    if changed:
        version_ids = {row.version_id for row in stored.values()}
        QuestionnaireVersion.objects.filter(pk__in=version_ids).update(texts_revision=F("texts_revision") + 1)
        content_changed_send()
    return changed

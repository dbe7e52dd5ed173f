"""The policy-example catalogue: reading, validating and loading its YAML file.

All or nothing, like the questionnaire loader (``loader.py``): every problem is reported with
the file and the example's code, and a loaded catalogue label never changes (a changed file
needs a new label).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import F

from .loader import KNOWN_PILLARS, LABEL, ContentError, Validator, source_language_only
from .models import PolicyExample, QuestionnaireVersion, texts_update
from .signals import content_changed_send

ACTORS = tuple(PolicyExample.Actor.values)
CODE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
EXAMPLE_KEYS = {"code", "title", "summary", "look_for", "source", "pillars", "actors"}


@dataclass
class ExampleContent:
    code: str
    title: dict[str, str]
    summary: dict[str, str]
    look_for: dict[str, str]
    source: str
    pillars: list[str]
    actors: list[str]


def parse_policy_examples(data: Any, path: str) -> tuple[str, list[ExampleContent]]:
    """Validate a parsed catalogue; raise ``ContentError`` listing every problem."""
    v = Validator()
    top = v.mapping(data, "", {"label", "examples"}, {"label", "examples"})
    if top is None:
        raise ContentError(path, v.problems)
    label = top.get("label")
    if not isinstance(label, str) or not LABEL.match(label):
        v.problem("", f"'label' must be 1-40 letters, digits, '.', '_' or '-', got {label!r}")
        label = ""
    raw_examples = top.get("examples")
    if not isinstance(raw_examples, list) or not raw_examples:
        v.problem("", "'examples' must be a non-empty list")
        raw_examples = []
    examples: list[ExampleContent] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_examples, start=1):
        code = raw.get("code") if isinstance(raw, dict) else None
        where = f"example {code}" if isinstance(code, str) and code else f"example #{index}"
        mapping = v.mapping(raw, where, EXAMPLE_KEYS, {"code", "pillars", "actors"})
        if mapping is None:
            continue
        if not isinstance(code, str) or not CODE.match(code):
            v.problem(where, f"code must be snake_case, got {code!r}")
        elif code in seen:
            v.problem(where, "duplicate example code")
        else:
            seen.add(code)
        pillars = mapping.get("pillars")
        if not isinstance(pillars, list) or not pillars or any(p not in KNOWN_PILLARS for p in pillars):
            v.problem(where, f"'pillars' must list one or more of {', '.join(KNOWN_PILLARS)}, got {pillars!r}")
            pillars = []
        actors = mapping.get("actors")
        if not isinstance(actors, list) or not actors or any(a not in ACTORS for a in actors):
            v.problem(where, f"'actors' must list one or more of {', '.join(ACTORS)}, got {actors!r}")
            actors = []
        examples.append(
            ExampleContent(
                code=str(code),
                title=v.texts(mapping.get("title"), where, "title"),
                summary=v.texts(mapping.get("summary"), where, "summary"),
                look_for=v.texts(mapping.get("look_for"), where, "look_for"),
                source=v.source(mapping.get("source"), where),
                pillars=list(dict.fromkeys(pillars)),
                actors=list(dict.fromkeys(actors)),
            )
        )
    if v.problems:
        raise ContentError(path, v.problems)
    return label, examples


def policy_examples_load(*, path: str | Path) -> tuple[str, str, int]:
    """Load a catalogue file; returns (label, "created" | "unchanged", number of examples)."""
    path_str = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError(path_str, [f"cannot read the file: {exc}"]) from exc
    label, examples = parse_policy_examples(data, path_str)
    # Of the English content: translations are added to a loaded catalogue in place.
    payload = source_language_only([asdict(e) for e in examples])
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    with transaction.atomic():
        existing = set(PolicyExample.objects.filter(catalogue=label).values_list("content_hash", flat=True))
        if existing == {digest}:
            changed = _translations_update(label, examples)
            return label, "translations updated" if changed else "unchanged", len(examples)
        if existing:
            raise ContentError(
                path_str,
                [f"catalogue '{label}' is already loaded and cannot change; give the changed file a new label"],
            )
        PolicyExample.objects.bulk_create(
            PolicyExample(catalogue=label, content_hash=digest, position=i, **asdict(e)) for i, e in enumerate(examples)
        )
    return label, "created", len(examples)


TEXT_FIELDS = ("title", "summary", "look_for")


def _translations_update(label: str, examples: list[ExampleContent]) -> int:
    """Store the texts of an already loaded catalogue (same English); returns the examples changed."""
    stored = {e.code: e for e in PolicyExample.objects.filter(catalogue=label)}
    changed = texts_update(
        (stored[example.code], {name: getattr(example, name) for name in TEXT_FIELDS}) for example in examples
    )
    if changed:
        # Any version's PDFs and results may cite these examples.
        QuestionnaireVersion.objects.update(texts_revision=F("texts_revision") + 1)
        content_changed_send()
    return changed

"""Pages rendered once and filled per request ("fragments").

A published questionnaire version never changes, so the markup of a questionnaire page —
texts, help, inputs, labels, navigation — is rendered from its template once per version,
pillar and language and split around markers where one request's values go:

- ``checked`` slots: where an input may carry ``checked``;
- ``error`` slots: where a question's error message goes;
- named slots: any other per-request value (progress, CSRF token, messages ...).

A request then only joins the pieces with its own values: microseconds instead of
rendering a template with dozens of inputs (the benchmark budget: a questionnaire page at
0.4x the throughput of a trivial view).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .selectors import PillarView

_MARKER = re.compile("\x00([ces]):([^\x00]*)\x00")
CHECKED, ERROR, SLOT = "c", "e", "s"


@dataclass(frozen=True)
class Fragment:
    """HTML split around its slots: ``texts[0] slot[0] texts[1] slot[1] ... texts[-1]``.

    Each slot is a key, (kind, name[, choice]), looked up among one request's values.
    """

    texts: tuple[str, ...]
    slots: tuple[tuple[str, ...], ...]
    # The texts in UTF-8, encoded once: a page is sent as bytes, and encoding the whole page on
    # every request cost a few percent of the hottest pages' time.
    encoded: tuple[bytes, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "encoded", tuple(text.encode() for text in self.texts))


_cache: dict[Hashable, Fragment] = {}
_lock = threading.Lock()


def checked_marker(question_code: str, choice_code: str) -> SafeString:
    return mark_safe(f"\x00{CHECKED}:{question_code}|{choice_code}\x00")


def error_marker(question_code: str) -> SafeString:
    return mark_safe(f"\x00{ERROR}:{question_code}\x00")


def slot_marker(name: str) -> SafeString:
    return mark_safe(f"\x00{SLOT}:{name}\x00")


def dom_id(*codes: str) -> str:
    """An HTML id from stable codes ('cyber.backup' -> 'q-cyber-backup')."""
    return "q-" + "-".join(code.replace(".", "-").replace("_", "-") for code in codes)


def question_items(pillar: PillarView, language: str) -> list[dict[str, Any]]:
    """The template context of a pillar's questions, with markers for the per-request parts."""
    questions = []
    for number, question in enumerate(pillar.questions, start=1):
        choices = []
        previous_special = False
        for choice in question.choices:
            is_special = choice.kind != "option"
            choices.append(
                {
                    "code": choice.code,
                    "label": choice.label(language),
                    "id": dom_id(question.code, choice.code),
                    "checked": checked_marker(question.code, choice.code),
                    "is_special": is_special,
                    "starts_special": is_special and not previous_special,
                }
            )
            previous_special = is_special
        questions.append(
            {
                "number": number,
                "code": question.code,
                "field": f"q-{question.code}",
                "id": dom_id(question.code),
                "kind": question.kind,
                "text": question.label(language),
                "help": question.help_text(language),
                "choices": choices,
                "error": error_marker(question.code),
            }
        )
    return questions


def split_fragment(html: str) -> Fragment:
    parts = _MARKER.split(html)
    # re.split with two groups yields [text, kind, payload, text, kind, payload, ..., text]
    return Fragment(
        texts=tuple(parts[0::3]),
        slots=tuple((kind, *payload.split("|")) for kind, payload in zip(parts[1::3], parts[2::3], strict=True)),
    )


_INDENTATION = re.compile(r"\n\s+")


def render_fragment(template_name: str, context: Mapping[str, Any]) -> Fragment:
    # Template indentation is a quarter of the page's bytes; HTML does not need it (the page
    # has no <pre> or <textarea>).
    html = _INDENTATION.sub("\n", render_to_string(template_name, dict(context)))
    return split_fragment(html)


def cached_fragment(key: Hashable, build: Callable[[], Fragment], cacheable: bool) -> Fragment:
    """The fragment for ``key``, built once when ``cacheable`` (published content only)."""
    fragment = _cache.get(key)
    if fragment is None:
        fragment = build()
        if cacheable:
            with _lock:
                _cache[key] = fragment
    return fragment


def clear_fragment_cache() -> None:
    with _lock:
        _cache.clear()


ERROR_HTML = '<div class="invalid-feedback d-block fw-semibold" id="{}-error">{}</div>'


def _slot_values(
    fragment: Fragment,
    slots: Mapping[str, str | bytes] | None,
    selected: Mapping[str, Collection[str]] | None,
    errors: Mapping[str, str] | None,
) -> list[str | bytes]:
    values: dict[tuple[str, ...], str | bytes] = {(SLOT, name): value for name, value in (slots or {}).items()}
    for question, choices in (selected or {}).items():
        for choice in choices:
            values[(CHECKED, question, choice)] = " checked"
    for question, message in (errors or {}).items():
        values[(ERROR, question)] = format_html(ERROR_HTML, dom_id(question), message)
    return [values.get(key, "") for key in fragment.slots]


def fill_fragment(
    fragment: Fragment,
    *,
    slots: Mapping[str, str] | None = None,
    selected: Mapping[str, Collection[str]] | None = None,
    errors: Mapping[str, str] | None = None,
) -> str:
    """Join a fragment with one request's values. Slot values must already be escaped HTML."""
    filled = _slot_values(fragment, slots, selected, errors)
    # texts has one more element than slots: the text after the last slot.
    joined = [piece for pair in zip(fragment.texts, filled, strict=False) for piece in pair]
    joined.append(fragment.texts[-1])
    return "".join(joined)  # type: ignore[arg-type]


def fill_fragment_bytes(
    fragment: Fragment,
    *,
    slots: Mapping[str, str | bytes] | None = None,
    selected: Mapping[str, Collection[str]] | None = None,
    errors: Mapping[str, str] | None = None,
) -> bytes:
    """``fill_fragment``, as the UTF-8 bytes of a response (a slot value may already be bytes)."""
    filled = [v if isinstance(v, bytes) else v.encode() for v in _slot_values(fragment, slots, selected, errors)]
    joined = [piece for pair in zip(fragment.encoded, filled, strict=False) for piece in pair]
    joined.append(fragment.encoded[-1])
    return b"".join(joined)

"""Consent texts, and their versions derived from the texts themselves.

A consent records the version of the words the person agreed to. The version is a digest of
the English wording (the reference text; translations render it), so a change of wording is a
new version by construction: nobody can edit the text and forget to bump a number. A consent
given to another version no longer counts, and the person is asked again (the benchmark
consent on the firm's dashboard and profile; an agency consent under "Sharing").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The benchmark consent, as the firm profile shows it: the question, both answers, the promise.
BENCHMARK_CONSENT_LABEL = _("Peer benchmarks")
BENCHMARK_CONSENT_CHOICES = [
    ("yes", _("Yes — our anonymised results may count in peer benchmarks")),
    ("no", _("No — keep our results out of peer benchmarks")),
]
BENCHMARK_CONSENT_HELP = _(
    "Benchmarks compare firms only in groups of at least ten, so no firm can be singled out. "
    "You can change this choice at any time."
)


def text_version(prefix: str, sentences: Iterable[str | Promise]) -> str:
    """``prefix-`` and the first 12 hex digits of the SHA-256 of the English sentences."""
    with translation.override("en"):
        text = "\n".join(str(sentence) for sentence in sentences)
    return f"{prefix}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


@cache
def benchmark_consent_version() -> str:
    return text_version(
        "benchmark",
        [BENCHMARK_CONSENT_LABEL, *(label for _code, label in BENCHMARK_CONSENT_CHOICES), BENCHMARK_CONSENT_HELP],
    )

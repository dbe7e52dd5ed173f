"""The questionnaire page's ``loaded`` marker, built without ``urlencode`` on the hot path, is
exactly what the general encoder gives and what the save decodes."""

from __future__ import annotations

import random

import pytest

from assessments.forms import _encode_answers, _loaded_answers_decode, loaded_answers_encode
from questionnaires.selectors import version_content
from questionnaires.services import questionnaire_version_load
from tests.helpers import REAL_QUESTIONNAIRE

pytestmark = pytest.mark.django_db


def test_the_marker_of_every_page_of_the_real_questionnaire_round_trips() -> None:
    content = version_content(questionnaire_version_load(path=REAL_QUESTIONNAIRE).version.pk)
    rng = random.Random(3)
    for _ in range(20):
        for pillar in content.pillars:
            answers = {
                q.code: rng.sample([c.code for c in q.choices], rng.randint(0, min(3, len(q.choices))))
                for q in pillar.questions
            }
            marker = loaded_answers_encode(pillar, answers)
            assert marker == _encode_answers({code: codes for code, codes in answers.items() if codes})
            decoded = _loaded_answers_decode(pillar, marker)
            assert decoded == {code: frozenset(codes) for code, codes in answers.items() if codes}

"""Forms: the firm profile and one questionnaire page (the answers of one pillar)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from questionnaires.scoring import REASON_EXCLUSIVE, REASON_SEVERAL_RUNGS, InvalidAnswer, QuestionSpec, normalise_answer
from questionnaires.selectors import PillarView

from .consent_texts import (
    BENCHMARK_CONSENT_CHOICES,
    BENCHMARK_CONSENT_HELP,
    BENCHMARK_CONSENT_LABEL,
    benchmark_consent_version,
)
from .models import Firm


class FirmForm(forms.ModelForm):
    benchmark_consent = forms.TypedChoiceField(
        label=BENCHMARK_CONSENT_LABEL,
        choices=BENCHMARK_CONSENT_CHOICES,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=BENCHMARK_CONSENT_HELP,
        error_messages={"required": _("Please choose whether your results may count in peer benchmarks.")},
    )

    class Meta:
        model = Firm
        fields = ["name", "country", "sector", "size_class", "region"]
        help_texts = {
            "size_class": _("Count everyone who works for the firm, owners and family members included."),
            "region": _("Optional. For example a province, county or state."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Never pre-ticked: a new firm must make the choice itself, and so must a firm whose choice
        # was made on other words (the consent's version is the text's: ``consent_texts``).
        current = self.instance.benchmark_consent_version == benchmark_consent_version()
        if self.instance.pk is not None and self.instance.benchmark_consent is not None and current:
            self.initial["benchmark_consent"] = "yes" if self.instance.benchmark_consent else "no"
        self.fields["country"].choices = [("", _("Choose a country…")), *list(self.fields["country"].choices)[1:]]
        self.fields["sector"].choices = [("", _("Choose a sector…")), *self.fields["sector"].choices[1:]]
        self.fields["size_class"].choices = [("", _("Choose a size…")), *self.fields["size_class"].choices[1:]]
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save firm profile"), css_class="btn-brand"))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter the firm's name."))
        return name


MAX_VALUE_LENGTH = 80  # longer than any choice code: anything longer is tampering
LOADED_FIELD = "loaded"
MAX_LOADED_LENGTH = 20_000


def loaded_answers_encode(pillar: PillarView, answers: Mapping[str, Collection[str]]) -> str:
    """The answers a page showed when it was opened, for its hidden ``loaded`` field.

    On save, only the questions the user changed since then are written: a second tab (or a
    colleague) that saved other questions of the same page meanwhile keeps its answers.
    """
    # Stored answers hold only validated codes (``questionnaires.loader``: letters, digits, "_"
    # and "."), which URL encoding leaves as they are: joined directly, as ``urlencode`` would
    # give them ("|" encoded), at a fraction of its cost on the hottest page.
    return "&".join(f"{q.code}={'%7C'.join(sorted(answers[q.code]))}" for q in pillar.questions if answers.get(q.code))


def _encode_answers(answers: Mapping[str, Collection[str]]) -> str:
    return urlencode([(code, "|".join(sorted(codes))) for code, codes in answers.items() if codes])


def _loaded_answers_decode(pillar: PillarView, raw: str | None) -> dict[str, frozenset[str]] | None:
    """``None`` when the page sent no (or a garbled) marker: then every posted answer is written."""
    if raw is None or len(raw) > MAX_LOADED_LENGTH:
        return None
    codes = {q.code for q in pillar.questions}
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=bool(raw), max_num_fields=len(codes) + 1)
    except ValueError:
        return None
    loaded = {code: frozenset(v for v in value.split("|") if v) for code, value in pairs}
    if not loaded.keys() <= codes:
        return None
    return loaded


class PillarAnswersForm:
    """Validates the answers posted for one pillar's page.

    Fields are named ``q-<question code>``; each holds the selected choice code(s). A question
    left out of the post is simply not changed. The page itself is rendered from cached
    fragments (``questionnaires.rendering``), not by this class.
    """

    def __init__(self, pillar: PillarView, questions: dict[str, QuestionSpec], data: QueryDict) -> None:
        self.pillar = pillar
        self.questions = questions
        self.data = data
        self.errors: dict[str, str] = {}
        self.cleaned_data: dict[str, list[str]] = {}
        self.posted: dict[str, list[str]] = {}
        self.loaded = _loaded_answers_decode(pillar, data.get(LOADED_FIELD))

    @staticmethod
    def field_name(question_code: str) -> str:
        return f"q-{question_code}"

    def is_valid(self) -> bool:
        self.errors = {}
        self.cleaned_data = {}
        for question in self.pillar.questions:
            values = [v.strip() for v in self.data.getlist(self.field_name(question.code)) if v.strip()]
            if not values:
                continue
            self.posted[question.code] = values
            if len(values) > len(question.choices) or any(len(v) > MAX_VALUE_LENGTH for v in values):
                self.errors[question.code] = str(
                    _("This answer is not one of the choices offered. Please choose again.")
                )
                continue
            try:
                self.cleaned_data[question.code] = list(normalise_answer(self.questions[question.code], values))
            except InvalidAnswer as exc:
                self.errors[question.code] = _error_message(exc)
        return not self.errors

    def changed_answers(self) -> dict[str, list[str]]:
        """The valid answers that differ from what the page showed when it was opened."""
        if self.loaded is None:
            return dict(self.cleaned_data)
        return {
            code: codes
            for code, codes in self.cleaned_data.items()
            if frozenset(codes) != self.loaded.get(code, frozenset())
        }

    def left_as_shown(self) -> dict[str, frozenset[str]]:
        """For each question of the page the user did not change, the answer the page showed."""
        if self.loaded is None:
            return {}
        changed = self.changed_answers()
        return {
            q.code: self.loaded.get(q.code, frozenset())
            for q in self.pillar.questions
            if q.code not in changed and q.code not in self.errors
        }

    def loaded_marker(self) -> str:
        """The marker to send back when the page is shown again with errors: still the first load."""
        return "" if self.loaded is None else _encode_answers(self.loaded)


def _error_message(exc: InvalidAnswer) -> str:
    if exc.reason == REASON_SEVERAL_RUNGS:
        return str(_("Choose only one answer."))
    if exc.reason == REASON_EXCLUSIVE:
        return str(_("“Don’t know”, “Not applicable” and “None of these” cannot be combined with other answers."))
    return str(_("This answer is not one of the choices offered. Please choose again."))


class AccountDeleteForm(forms.Form):
    """Deleting the account asks for the password again: a left-open session is not enough."""

    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, max_length=200)
    understood = forms.BooleanField(
        label=_("I understand that this cannot be undone."),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, user, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password

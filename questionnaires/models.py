"""Questionnaire content: versions, pillars, questions and choices.

Content is loaded from YAML files (see ``loader.py``) and never edited in place once a
version is published, so every stored answer keeps the exact wording and scores it was
given against. Texts are stored per language (``{"en": "...", "fr": "..."}``) and read with
``translated()``, which falls back to English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

FALLBACK_LANGUAGE = "en"


def texts_update(rows: Iterable[tuple[models.Model, Mapping[str, object]]]) -> int:
    """Store new or corrected translations: for each (row, {field: texts}), save the fields whose
    texts differ (the English is the same, or the content hash would differ). Returns how many
    rows changed."""
    changed = 0
    for row, texts in rows:
        different = [name for name, value in texts.items() if getattr(row, name) != value]
        if different:
            for name in different:
                setattr(row, name, texts[name])
            row.save(update_fields=different)
            changed += 1
    return changed


def translated(texts: dict[str, str] | None, language: str | None = None) -> str:
    """The text in ``language`` (default: the active one), else in English, else empty."""
    if not texts:
        return ""
    language = (language or get_language() or FALLBACK_LANGUAGE).split("-")[0]
    return texts.get(language) or texts.get(FALLBACK_LANGUAGE) or ""


class QuestionnaireVersionQuerySet(models.QuerySet["QuestionnaireVersion"]):
    def published(self) -> QuestionnaireVersionQuerySet:
        return self.filter(status=QuestionnaireVersion.Status.PUBLISHED)


class QuestionnaireVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    label = models.CharField(_("label"), max_length=40, unique=True)
    title = models.JSONField(_("title"), default=dict)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # SHA-256 of the parsed content: reloading the same file is a no-op, a changed file
    # under a published label is refused.
    content_hash = models.CharField(max_length=64)
    source_path = models.CharField(max_length=300, blank=True)
    special_choice_texts = models.JSONField(default=dict)
    # Raised whenever translations of this version, its actions or the policy examples they cite
    # change in place; part of the identity of stored PDFs and cached results pages.
    texts_revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = QuestionnaireVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("questionnaire version")

    def __str__(self) -> str:
        return self.label

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Pillar(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="pillars")
    code = models.SlugField(max_length=20)
    position = models.PositiveSmallIntegerField()
    title = models.JSONField(default=dict)
    description = models.JSONField(default=dict)
    source = models.TextField(blank=True)
    weight = models.FloatField(default=1.0)

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_pillar_code_per_version")]

    def __str__(self) -> str:
        return f"{self.version.label}/{self.code}"

    def title_text(self) -> str:
        return translated(self.title)


class Question(models.Model):
    class Kind(models.TextChoices):
        LADDER = "ladder", _("Single choice on a maturity ladder")
        CHECKLIST = "checklist", _("Checklist")

    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="questions")
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.JSONField(default=dict)
    help = models.JSONField(default=dict)
    source = models.TextField()
    weight = models.FloatField(default=1.0)
    allow_not_applicable = models.BooleanField(default=False)
    # Earlier answers that keep their meaning here (loader.QuestionContent.carries_over); {} if none.
    carries_over = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["version", "pillar__position", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_question_code_per_version")]

    def __str__(self) -> str:
        return self.code

    def text_text(self) -> str:
        return translated(self.text)


class Choice(models.Model):
    class Kind(models.TextChoices):
        OPTION = "option", _("Option")
        DONT_KNOW = "dont_know", _("Don't know")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")
        NONE_OF_THESE = "none_of_these", _("None of these")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    code = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OPTION)
    text = models.JSONField(default=dict)
    # Ladder rung: its score in [0, 1]. Checklist item: its weight (> 0).
    score = models.FloatField(null=True, blank=True)
    weight = models.FloatField(default=1.0)

    class Meta:
        ordering = ["question", "position"]
        constraints = [models.UniqueConstraint(fields=["question", "code"], name="unique_choice_code_per_question")]

    def __str__(self) -> str:
        return f"{self.question.code}={self.code}"


class ReferenceFigure(models.Model):
    """One official figure (Eurostat), with the source columns every display must cite.

    Rows come only from the files in ``questionnaires/reference/`` through ``manage.py
    load_reference_statistics``; the comparison with a firm is ``questionnaires.official``.
    """

    dataset = models.CharField(_("dataset"), max_length=40)
    indic_is = models.CharField(_("indicator code"), max_length=40)
    indicator_label = models.CharField(_("indicator"), max_length=300)
    size_emp = models.CharField(_("size class code"), max_length=10)
    size_label = models.CharField(_("size class"), max_length=100)
    nace_r2 = models.CharField(_("activities (NACE Rev. 2)"), max_length=40)
    geo = models.CharField(_("geography code"), max_length=12)
    geo_label = models.CharField(_("geography"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    value_pct = models.DecimalField(_("share of enterprises (%)"), max_digits=5, decimal_places=2)
    flag = models.CharField(_("flag"), max_length=4, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Year of extraction: Eurostat revises its figures, so the same key can change value.
    vintage = models.PositiveSmallIntegerField(_("extracted in"))
    source_file = models.CharField(_("file"), max_length=100)

    class Meta:
        ordering = ["dataset", "indic_is", "geo", "size_emp", "year"]
        verbose_name = _("reference figure")
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "indic_is", "size_emp", "nace_r2", "geo", "year"], name="unique_reference_figure"
            )
        ]
        # The comparison reads one country (plus the EU) and a few size codes at a time.
        indexes = [models.Index(fields=["geo", "size_emp"], name="reference_geo_size")]

    def __str__(self) -> str:
        return f"{self.dataset} {self.indic_is} {self.geo} {self.size_emp} {self.year}: {self.value_pct}"


class PolicyExample(models.Model):
    """A kind of public support the policy documents describe, in our own words, with its source.

    Loaded from ``content/policy-examples-<label>.yaml`` (``load_policy_examples``); a loaded
    catalogue label never changes, like a questionnaire version.
    """

    class Actor(models.TextChoices):
        FIRM = "firm", _("Firms")
        AGENCY = "agency", _("Business-support agencies")
        GOVERNMENT = "government", _("Governments")

    catalogue = models.CharField(max_length=40, db_index=True)  # the file's label
    content_hash = models.CharField(max_length=64)  # of the whole catalogue
    code = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField()
    title = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)
    look_for = models.JSONField(default=dict)
    source = models.TextField()
    pillars = models.JSONField(default=list)
    actors = models.JSONField(default=list)

    class Meta:
        ordering = ["catalogue", "position"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "code"], name="unique_policy_example_code")]

    def __str__(self) -> str:
        return f"{self.catalogue}/{self.code}"

    def title_text(self) -> str:
        return translated(self.title)

    def summary_text(self) -> str:
        return translated(self.summary)

    def look_for_text(self) -> str:
        return translated(self.look_for)


class Action(models.Model):
    """A recommended step, triggered by a pillar's level and by specific answers.

    Versioned content like the questionnaire: loaded from ``content/actions-<label>.yaml``
    (``load_actions``) for one questionnaire version, whose question and choice codes its
    triggers use; a loaded action set label never changes. The trigger and priority rules are
    ``questionnaires.recommendations``.
    """

    class Effort(models.TextChoices):
        LOW = "low", _("Low effort")
        MEDIUM = "medium", _("Medium effort")
        HIGH = "high", _("High effort")

    class Impact(models.TextChoices):
        LOW = "low", _("Low impact")
        MEDIUM = "medium", _("Medium impact")
        HIGH = "high", _("High impact")

    class Horizon(models.TextChoices):
        SHORT = "short", _("0–3 months")
        MEDIUM = "medium", _("3–12 months")
        LONG = "long", _("Over a year")

    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="actions")
    action_set = models.CharField(max_length=40, db_index=True)  # the file's label
    content_hash = models.CharField(max_length=64)  # of the whole set
    policy_catalogue = models.CharField(max_length=40)  # label of the catalogue `policy_examples` names
    code = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField()
    pillar = models.SlugField(max_length=20)
    title = models.JSONField(default=dict)
    what_to_do = models.JSONField(default=dict)
    effort = models.CharField(max_length=8, choices=Effort.choices)
    impact = models.CharField(max_length=8, choices=Impact.choices)
    horizon = models.CharField(max_length=8, choices=Horizon.choices)
    levels = models.JSONField(default=list)  # pillar levels that trigger it
    answer_triggers = models.JSONField(default=list)  # [{"question", "choices" | "missing"}]
    policy_examples = models.JSONField(default=list)  # policy-example codes
    source = models.TextField()

    class Meta:
        ordering = ["action_set", "position"]
        constraints = [models.UniqueConstraint(fields=["action_set", "code"], name="unique_action_code_per_set")]

    def __str__(self) -> str:
        return f"{self.action_set}/{self.code}"

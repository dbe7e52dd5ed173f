"""Firms, their members, assessments, answers and stored scores."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from questionnaires.models import Question, QuestionnaireVersion
from questionnaires.scoring import LEVEL_LABELS


class Sector(models.TextChoices):
    """NACE Rev. 2 sections."""

    A = "A", _("A – Agriculture, forestry and fishing")
    B = "B", _("B – Mining and quarrying")
    C = "C", _("C – Manufacturing")
    D = "D", _("D – Electricity, gas, steam and air conditioning supply")
    E = "E", _("E – Water supply; sewerage, waste management and remediation")
    F = "F", _("F – Construction")
    G = "G", _("G – Wholesale and retail trade; repair of motor vehicles and motorcycles")
    H = "H", _("H – Transportation and storage")
    I = "I", _("I – Accommodation and food service activities")  # noqa: E741 (NACE's own letter)
    J = "J", _("J – Information and communication")
    K = "K", _("K – Financial and insurance activities")
    L = "L", _("L – Real estate activities")
    M = "M", _("M – Professional, scientific and technical activities")
    N = "N", _("N – Administrative and support service activities")
    O = "O", _("O – Public administration and defence; compulsory social security")  # noqa: E741
    P = "P", _("P – Education")
    Q = "Q", _("Q – Human health and social work activities")
    R = "R", _("R – Arts, entertainment and recreation")
    S = "S", _("S – Other service activities")
    T = "T", _("T – Activities of households as employers")
    U = "U", _("U – Activities of extraterritorial organisations and bodies")


class SizeClass(models.TextChoices):
    """By persons employed, as Eurostat counts them."""

    MICRO = "micro", _("Micro (1–9 persons employed)")
    SMALL = "small", _("Small (10–49 persons employed)")
    MEDIUM = "medium", _("Medium (50–249 persons employed)")
    LARGE = "large", _("Large (250 or more persons employed)")


class Firm(models.Model):
    name = models.CharField(_("firm name"), max_length=200)
    country = CountryField(_("country"))
    sector = models.CharField(_("sector (NACE Rev. 2 section)"), max_length=1, choices=Sector.choices)
    size_class = models.CharField(_("size class"), max_length=8, choices=SizeClass.choices)
    region = models.CharField(_("region"), max_length=100, blank=True)
    # An explicit choice, never a default: None until the firm has answered.
    benchmark_consent = models.BooleanField(_("results may count in peer benchmarks"), null=True)
    benchmark_consent_at = models.DateTimeField(null=True, blank=True)
    benchmark_consent_version = models.CharField(max_length=40, blank=True)  # consent_texts.text_version
    # Generated demonstration data: labelled everywhere, never in real benchmarks.
    is_demo = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="firms")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("firm")
        indexes = [models.Index(fields=["name", "id"], name="firm_by_name")]  # the agency's client table

    def __str__(self) -> str:
        return f"{self.name} (demo)" if self.is_demo else self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.OWNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "firm"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.firm}"


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="assessments")
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    prefilled_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Scores as computed at submission (or recomputation) by questionnaires.scoring.
    overall_score = models.FloatField(null=True, blank=True)
    overall_level = models.CharField(max_length=16, blank=True)
    method_version = models.CharField(max_length=10, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One assessment in progress per firm: starting twice returns the same one.
            models.UniqueConstraint(fields=["firm"], condition=Q(status="draft"), name="one_draft_per_firm"),
        ]
        indexes = [models.Index(fields=["firm", "status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.firm} – {self.created_at:%Y-%m-%d}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def overall_level_label(self) -> str:
        """The overall level as people read it, in the active language ("" before scoring)."""
        return str(LEVEL_LABELS.get(self.overall_level, ""))


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    # Stable choice codes of the question, in choice order: one for a ladder, any for a checklist.
    choice_codes = models.JSONField(default=list)
    # Copied from the previous assessment and not yet confirmed by saving its page.
    is_prefilled = models.BooleanField(default=False)
    # Where the evidence for this answer lives (a policy, a training record, a ticket): a short
    # note or a link, written by the firm. An answer with one is "evidence noted" (trust level).
    evidence = models.CharField(max_length=500, blank=True)
    # Verified by an advisor of an agency the firm shares with, during a visit (who, when, for
    # which agency: its name as it was, and its id; no foreign key, the agencies app sits above
    # this one). The mark goes when the answer changes; the answer stays. An unchanged answer
    # carried into the next assessment keeps its mark, with the date it was made.
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_agency_id = models.PositiveIntegerField(null=True, blank=True)
    verified_agency_name = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "question"], name="unique_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.question.code}={','.join(self.choice_codes)}"

    VERIFICATION_FIELDS = ("verified_at", "verified_by_id", "verified_agency_id", "verified_agency_name")  # attnames

    @property
    def trust(self) -> str:
        return trust_level(self.verified_at, self.evidence)


TRUST_SELF_DECLARED, TRUST_EVIDENCE, TRUST_VERIFIED = "self_declared", "evidence", "verified"


def trust_level(verified_at: object, evidence: str) -> str:
    """An answer's trust level: verified by an advisor, else evidence noted, else self-declared."""
    if verified_at is not None:
        return TRUST_VERIFIED
    return TRUST_EVIDENCE if evidence else TRUST_SELF_DECLARED


TRUST_LABELS = {
    TRUST_SELF_DECLARED: _("Self-declared"),
    TRUST_EVIDENCE: _("Evidence noted"),
    TRUST_VERIFIED: _("Verified by an advisor"),
}


class PillarScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="pillar_scores")
    pillar_code = models.SlugField(max_length=20)
    score = models.FloatField(null=True, blank=True)  # None: not enough answers
    level = models.CharField(max_length=16, blank=True)
    total = models.PositiveSmallIntegerField()
    answered = models.PositiveSmallIntegerField()
    applicable = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "pillar_code"], name="unique_pillar_score")]
        indexes = [models.Index(fields=["pillar_code", "score"])]

    def __str__(self) -> str:
        return f"{self.pillar_code}={self.score}"


class FirmSummary(models.Model):
    """Derived data: a firm's first and latest submitted assessments and their scores, in one row.

    Portfolio reads (the agency dashboard, its client table, the exports) read one row per
    client instead of searching each client's assessments for its latest one: at 100,000
    clients, a dashboard in half a second instead of two. Never edited by hand; rebuilt from
    the assessments by ``firm_summaries.firm_summaries_refresh`` whenever a firm submits or
    its scores are recomputed. A firm without a submitted assessment has no row.

    One column per pillar, named ``latest_<code>`` and ``first_<code>``: the five pillars are
    fixed by the product (``questionnaires.loader.KNOWN_PILLARS``), so columns are safe, and
    averaging a column is what keeps the dashboard to one pass over the rows.
    """

    firm = models.OneToOneField(Firm, on_delete=models.CASCADE, primary_key=True, related_name="summary")
    latest = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    first = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    submitted_count = models.PositiveIntegerField()
    latest_submitted_at = models.DateTimeField()
    latest_score = models.FloatField(null=True)
    latest_level = models.CharField(max_length=16, blank=True)
    latest_skills = models.FloatField(null=True)
    latest_data = models.FloatField(null=True)
    latest_cyber = models.FloatField(null=True)
    latest_ai = models.FloatField(null=True)
    latest_green = models.FloatField(null=True)
    first_skills = models.FloatField(null=True)
    first_data = models.FloatField(null=True)
    first_cyber = models.FloatField(null=True)
    first_ai = models.FloatField(null=True)
    first_green = models.FloatField(null=True)
    # The EU DMA's six dimensions (questionnaires.dma), where the version has a mapping.
    latest_dma_digital_business_strategy = models.FloatField(null=True)
    latest_dma_digital_readiness = models.FloatField(null=True)
    latest_dma_human_centric = models.FloatField(null=True)
    latest_dma_data_management = models.FloatField(null=True)
    latest_dma_automation_ai = models.FloatField(null=True)
    latest_dma_green_digitalisation = models.FloatField(null=True)
    first_dma_digital_business_strategy = models.FloatField(null=True)
    first_dma_digital_readiness = models.FloatField(null=True)
    first_dma_human_centric = models.FloatField(null=True)
    first_dma_data_management = models.FloatField(null=True)
    first_dma_automation_ai = models.FloatField(null=True)
    first_dma_green_digitalisation = models.FloatField(null=True)
    # The first and latest were taken on different questionnaire versions: their pillar scores
    # are still compared, with a note, since some questions changed between them.
    versions_differ = models.BooleanField(default=False)
    # The latest assessment's answers by trust level (issue 18): answered, of which evidence
    # noted (not verified), and verified by an advisor. An assessment is "verified" when every
    # answer is (``verified_everywhere``), the rule the agency filter and the verified-only peer
    # statistics use.
    latest_answered = models.PositiveSmallIntegerField(default=0)
    latest_evidence = models.PositiveSmallIntegerField(default=0)
    latest_verified = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.firm_id}: {self.submitted_count} submitted, latest {self.latest_score}"

    @staticmethod
    def pillar_field(which: str, pillar_code: str) -> str:
        """The column holding a pillar's score: ``which`` is "latest" or "first"."""
        return f"{which}_{pillar_code}"

    @staticmethod
    def dma_field(which: str, dimension: str) -> str:
        """The column holding a DMA dimension's score: ``which`` is "latest" or "first"."""
        return f"{which}_dma_{dimension}"


class FirmLatestAnswers(models.Model):
    """Derived data: the answers of a firm's latest submitted assessment, as the exports write them.

    Question code -> choice codes joined by "|". A submitted assessment's answers never change,
    so the copy cannot go stale, and an export of 10,000 clients reads 10,000 rows instead of
    460,000. Apart from ``FirmSummary`` so the rows the dashboard scans stay narrow; kept by the
    same ``firm_summaries_refresh``.
    """

    firm = models.OneToOneField(Firm, on_delete=models.CASCADE, primary_key=True, related_name="latest_answers")
    answers = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.firm_id}: {len(self.answers)} answers"


class PeerStatistic(models.Model):
    """The published figures of one peer group for one pillar (or "overall"): one snapshot's.

    Rebuilt on a schedule by the worker from the latest submitted assessment of every
    contributing firm (``peer_statistics.peer_statistics_refresh``), so a results page reads a
    few rows instead of every peer's scores. Only what may be published is stored: quantiles
    released under differential privacy as whole points (``disclosure``), or nothing for a group
    that is too small or withheld by the nested-group rule; the count stays, for the fallback to
    a wider group.
    """

    OVERALL = "overall"
    # Re-assessed firms' change from their first to their latest assessment, per pillar and DMA
    # dimension, is published like a score: as "yearly_change_<code>", in points a year (so that a
    # client's T0 -> T1 can be set beside similar firms' change over a period as long as its own),
    # mapped from -100..+100 points onto 0..100 (change_as_score), so the same private quantiles
    # release it. Firms re-assessed sooner than CHANGE_MIN_DAYS apart do not count: a change over a
    # few weeks says little about a year. An agency's T0/T1 page reads it.
    CHANGE_PREFIX = "yearly_change_"
    CHANGE_MIN_DAYS = 90
    DAYS_PER_YEAR = 365.25

    includes_demo = models.BooleanField()  # demo mode: demo firms count as peers
    scope = models.CharField(max_length=24)  # see benchmarks.PEER_SCOPES
    size_class = models.CharField(max_length=8, blank=True)
    sector = models.CharField(max_length=1, blank=True)
    country = models.CharField(max_length=2, blank=True)
    pillar_code = models.SlugField(max_length=40)  # a pillar, "overall" or a change_<pillar or DMA dimension>
    n = models.PositiveIntegerField()
    min_group = models.PositiveIntegerField()  # the K in force when computed
    # The released quantiles (disclosure.RELEASED_PERCENTS), whole points; [] when not published.
    percentiles = models.JSONField(default=list)
    # Names the contributions and rules behind the release: unchanged, the release is kept as is.
    digest = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["includes_demo", "scope", "size_class", "sector", "country", "pillar_code"],
                name="unique_peer_statistic",
            )
        ]
        # Every results page and PDF asks when the snapshot in use was published (part of their
        # cache keys): an index answers without reading the snapshot's rows.
        indexes = [models.Index(fields=["includes_demo", "computed_at"], name="peer_statistic_newest")]

    def __str__(self) -> str:
        return f"{self.scope}[{self.size_class}/{self.sector}/{self.country}] {self.pillar_code} n={self.n}"

    @classmethod
    def change_code(cls, pillar_code: str) -> str:
        return cls.CHANGE_PREFIX + pillar_code

    @classmethod
    def yearly_change(cls, before: float, after: float, days: float) -> float | None:
        """The change from before to after in points a year, within -100..+100; None below the
        shortest period that counts.

        >>> PeerStatistic.yearly_change(40, 50, 730.5), PeerStatistic.yearly_change(10, 90, 182.625)
        (5.0, 100.0)
        >>> PeerStatistic.yearly_change(40, 50, 60) is None
        True
        """
        if days < cls.CHANGE_MIN_DAYS:
            return None
        return max(-100.0, min(100.0, (after - before) * cls.DAYS_PER_YEAR / days))

    @staticmethod
    def change_as_score(change: float) -> float:
        """A change of -100..+100 points as a 0..100 value (released in whole points: 2-point steps)."""
        return (change + 100) / 2

    @classmethod
    def change_scores(
        cls, befores: Sequence[float | None], afters: Sequence[float | None], days: float
    ) -> list[float | None]:
        """``change_as_score(yearly_change(before, after, days))`` of each pair, None where either
        score is missing or the period is too short: a firm's eleven series at once, as the peer
        snapshot counts them for every firm of a national platform (the same arithmetic, in the
        same order, inline; tests hold the two equal).

        >>> PeerStatistic.change_scores([40, None, 10], [50, 60, 90], 182.625)
        [60.0, None, 100.0]
        """
        if days < cls.CHANGE_MIN_DAYS:
            return [None] * len(befores)
        per_year = cls.DAYS_PER_YEAR
        scores: list[float | None] = []
        for before, after in zip(befores, afters, strict=True):
            if before is None or after is None:
                scores.append(None)
                continue
            change = (after - before) * per_year / days
            scores.append(((100.0 if change > 100.0 else -100.0 if change < -100.0 else change) + 100) / 2)
        return scores

    @staticmethod
    def score_as_change(value: float) -> float:
        return 2 * value - 100


# --- Team assessment: several respondents, one agreed answer per question -------------------------


class TeamRound(models.Model):
    """The owner asks colleagues to answer an assessment in progress, each on their own.

    While the round is open nobody sees another's answers (the owner neither); once the owner
    closes it, the consolidation page shows them side by side and the owner picks the agreed
    answers, which become the assessment's ``Answer`` rows: what is scored and benchmarked. The
    respondents' answers are kept (the spread), for the results' disagreement section.
    """

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="team_round")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)  # the agreed answers were last saved

    def __str__(self) -> str:
        return f"team round of {self.assessment}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Respondent(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")
        IT = "it", _("IT")
        OPERATIONS = "operations", _("Operations")
        FINANCE = "finance", _("Finance and administration")
        SALES = "sales", _("Sales and customer service")
        OTHER = "other", _("Other")

    round = models.ForeignKey(TeamRound, on_delete=models.CASCADE, related_name="respondents")
    # The account that answers; None until the invitation is accepted (and if the account is
    # deleted later: the answers stay, under the role, as part of the round's spread).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="team_respondents"
    )
    email = models.EmailField()
    role = models.CharField(max_length=12, choices=Role.choices)
    pillars = models.JSONField(default=list)  # pillar codes asked; [] = every pillar
    # SHA-256 of the invitation link's secret; cleared once accepted (the link then stops working).
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    invited_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)  # the respondent said they are done

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "email"], name="one_invitation_per_email_and_round"),
            models.UniqueConstraint(
                fields=["round", "user"], condition=Q(user__isnull=False), name="one_respondent_per_user_and_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role}) in {self.round}"

    def asked(self, pillar_code: str) -> bool:
        return not self.pillars or pillar_code in self.pillars


class RespondentAnswer(models.Model):
    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    choice_codes = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["respondent", "question"], name="one_answer_per_respondent_and_question")
        ]

    def __str__(self) -> str:
        return f"{self.question.code}={','.join(self.choice_codes)}"


class AgreedAnswerNote(models.Model):
    """Why the team agreed on an answer (written on the consolidation page; optional)."""

    round = models.ForeignKey(TeamRound, on_delete=models.CASCADE, related_name="notes")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    written_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "question"], name="one_note_per_round_and_question")]

    def __str__(self) -> str:
        return self.note


class StoredActionPlan(models.Model):
    """The PDF action plan kept in storage for one assessment and language: its newest build.

    Written by whatever builds the file (``plan_delivery``), so that the rebuild after a content
    change reads one table instead of listing the storage folder of every assessment. The file
    name's stem is the document identity (``pdf.document_identity``: content, peer figures, firm
    profile, template): a row names the version its file was built from, and a newer build
    replaces it. The row goes with its assessment; the file with it (``plan_delivery``).
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="stored_plans")
    language = models.CharField(max_length=10)
    file_name = models.CharField(max_length=255)  # the storage name
    built_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "language"], name="one_stored_plan_per_language")]

    def __str__(self) -> str:
        return self.file_name

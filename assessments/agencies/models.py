"""Agencies, their advisors, invitations, firms' consents, the access log and portfolio exports.

These tables were created by the ``assessments`` app and moved here without moving data:
each model keeps its table name (``db_table``), and the migrations only moved Django's idea
of which app owns them (``SeparateDatabaseAndState``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, Firm


class Agency(models.Model):
    """A business-support organisation (a digital innovation hub, a chamber) following client firms.

    It sees a firm's results only while the firm's ``AgencyConsent`` is active.
    """

    name = models.CharField(_("agency name"), max_length=200)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="AgencyMember", related_name="agencies")
    # Set by the agency's admin: its pages open only in sessions signed in with a second factor.
    require_second_factor = models.BooleanField(_("advisors must sign in with a second step"), default=False)

    class Meta:
        db_table = "assessments_agency"  # created by the assessments app
        ordering = ["name", "id"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return f"{self.name} (demo)" if self.is_demo else self.name


class AgencyMember(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Agency admin")  # also an advisor; may invite advisors
        ADVISOR = "advisor", _("Advisor")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.ADVISOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "assessments_agencymember"  # created by the assessments app
        constraints = [models.UniqueConstraint(fields=["agency", "user"], name="unique_agency_member")]

    def __str__(self) -> str:
        return f"{self.user} at {self.agency} ({self.role})"


class Invitation(models.Model):
    """An e-mailed link (to join as an advisor, or as a client firm) or a client code to share.

    Links carry a random secret of which only the SHA-256 is stored; they work once, for the
    account of the e-mail they were sent to, until they expire. A code can be used by many firms
    (one consent each) until the advisor withdraws it.
    """

    class Kind(models.TextChoices):
        ADVISOR = "advisor", _("Advisor invitation")
        CLIENT = "client", _("Client invitation")
        CLIENT_CODE = "client_code", _("Client code")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    email = models.EmailField(blank=True)  # links only
    secret_hash = models.CharField(max_length=64, unique=True)
    code = models.CharField(max_length=20, blank=True)  # codes only: shown to the agency again
    label = models.CharField(max_length=100, blank=True)  # codes: "Spring 2027 cohort"
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "assessments_invitation"  # created by the assessments app
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "kind"], name="invitation_agency_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.agency} ({self.email or self.code})"


class AgencyConsentQuerySet(models.QuerySet["AgencyConsent"]):
    def in_force(self) -> AgencyConsentQuerySet:
        """Not revoked, and given to the words shown today (``consent.consent_version``): a consent
        to other words lets the agency in again only once the firm agrees to the new ones."""
        from .consent import consent_version

        return self.filter(revoked_at__isnull=True, text_version=consent_version())


class AgencyConsent(models.Model):
    """A firm's permission for one agency to see its assessments: granted, and maybe revoked."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="agency_consents")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="consents")
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="consents"
    )
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text_version = models.CharField(max_length=40)  # consent.consent_version(), at the time
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AgencyConsentQuerySet.as_manager()

    class Meta:
        db_table = "assessments_agencyconsent"  # created by the assessments app
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "agency"], condition=Q(revoked_at__isnull=True), name="one_active_consent_per_agency"
            )
        ]
        indexes = [models.Index(fields=["agency", "revoked_at"], name="consent_agency_active")]

    def __str__(self) -> str:
        return f"{self.firm} shares with {self.agency}" + (" (revoked)" if self.revoked_at else "")


class AccessLogEntry(models.Model):
    """An advisor reached a firm's data: looked at it, downloaded it or took it away in bulk.

    The firm sees every entry (grouped by advisor and day under "Sharing"): opening the client
    page, the results, the PDF, and each export (CSV, Excel, the ZIP of action plans) that
    included the firm.
    """

    class Action(models.TextChoices):
        VIEWED_RESULTS = "viewed_results", _("viewed the results")
        DOWNLOADED_PDF = "downloaded_pdf", _("downloaded the action plan")
        VIEWED_CLIENT = "viewed_client", _("opened the client page")
        EXPORTED = "exported", _("exported the scores and answers (CSV or Excel)")
        ZIPPED = "zipped_plan", _("put the action plan in a ZIP of all clients' plans")
        LISTED = "listed", _("saw the scores in the list of clients")
        API = "api", _("read them through the agency's API")
        VERIFIED = "verified", _("marked answers as verified during a visit")

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="access_log")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # The assessment seen or exported; none when the firm had no submitted assessment yet.
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "assessments_accesslogentry"  # created by the assessments app
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["firm", "-at"], name="access_log_firm_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.agency} {self.action} {self.firm}"


class PortfolioExport(models.Model):
    """A file built in the background for an agency (the ZIP of all clients' action plans).

    The worker updates ``done`` as it goes, so the page can show progress; the finished file
    stays in storage for the advisor to download until it expires (``EXPORT_RETENTION_DAYS``),
    or until a firm in it stops sharing with the agency or is deleted: then file and row go
    (``services.exports_purge``), and the advisor can build a new one.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=300, blank=True)  # in default storage
    error = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # set when the file is ready
    # The firms whose plans are in the file, and how many there were: a deleted firm's link row
    # goes with it, so fewer links than ``firm_count`` means a firm in the file was deleted.
    firms = models.ManyToManyField(Firm, through="PortfolioExportFirm", related_name="+", blank=True)
    firm_count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "assessments_portfolioexport"  # created by the assessments app
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"PDF ZIP for {self.agency} ({self.status})"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.status == self.Status.DONE else 0)


class PortfolioExportFirm(models.Model):
    """A firm whose action plan is in an export, and which assessment's plan it is."""

    export = models.ForeignKey(PortfolioExport, on_delete=models.CASCADE, related_name="contents")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["export", "firm"], name="one_plan_per_firm_per_export")]

    def __str__(self) -> str:
        return f"export {self.export_id}: firm {self.firm_id}"


class SupportMeasurement(models.Model):
    """A client's assessment before an agency's support (T0) and a later one after it (T1).

    The European Digital Innovation Hubs measure each client with the DMA before support and
    after it; an advisor marks which of the client's submitted assessments are those. One pair
    per agency and client: marking a new T0 starts over. The firm sees the marks under "Sharing".
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="measurements")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="support_measurements")
    t0 = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    t0_marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    t0_marked_at = models.DateTimeField()
    t1 = models.ForeignKey(Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    t1_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    t1_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "firm"], name="one_measurement_per_client")]

    def __str__(self) -> str:
        return f"{self.agency} / {self.firm}: T0 {self.t0_id}, T1 {self.t1_id}"


class ServiceRecord(models.Model):
    """A service an agency delivered to a client, as the EDIH reporting counts them."""

    class Kind(models.TextChoices):
        # The four service categories of the European Digital Innovation Hubs.
        TEST_BEFORE_INVEST = "test_before_invest", _("Test before invest")
        SKILLS_TRAINING = "skills_training", _("Skills and training")
        INVESTMENT_SUPPORT = "investment_support", _("Support to find investments")
        ECOSYSTEM = "ecosystem", _("Innovation ecosystem and networking")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="services")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="services_received")
    delivered_on = models.DateField(_("date"))
    kind = models.CharField(_("kind of service"), max_length=20, choices=Kind.choices)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=1, null=True, blank=True)
    value_eur = models.DecimalField(_("value (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        indexes = [models.Index(fields=["agency", "firm", "-delivered_on"], name="service_agency_firm_day")]

    def __str__(self) -> str:
        return f"{self.delivered_on} {self.agency} → {self.firm}: {self.kind}"


class ApiToken(models.Model):
    """A key to the agency's read-only API (``/api/v1/``), made and revoked by its admin.

    Shown once when made; only its SHA-256 is stored, so a leaked database gives no working key.
    ``scopes`` lists what it may read (``Scope``); every call is recorded (``ApiCall``).
    """

    class Scope(models.TextChoices):
        CLIENTS = "clients", _("Consenting clients and their latest scores")
        ASSESSMENTS = "assessments", _("Clients' submitted assessments, with pillar and DMA scores")
        MEASUREMENTS = "measurements", _("Before and after support (T0/T1)")
        SERVICES = "services", _("The service log")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)  # the key's first characters: how people tell keys apart
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["revoked_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.agency}: {self.name} ({self.prefix}…)"

    def scope_labels(self) -> list[str]:
        labels = dict(self.Scope.choices)
        return [str(labels[scope]) for scope in self.scopes if scope in labels]


class ApiCall(models.Model):
    """One call made with an agency's API key: what was asked, the answer's status, how many
    clients it reached. The rate limit counts these rows, so it holds across processes."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="calls")
    at = models.DateTimeField(auto_now_add=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    firms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["token", "-at"], name="api_call_token_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status}"


class WebhookEndpoint(models.Model):
    """An address of the agency's own system that the site calls when a client consents, stops
    sharing or submits an assessment (optional; made by the agency's admin).

    Each call is a POST of JSON signed with HMAC-SHA256 over "<timestamp>.<body>" with the
    endpoint's secret (shown once when made), sent by the worker, retried, and logged.
    """

    class Event(models.TextChoices):
        CONSENTED = "client.consented", _("A firm starts sharing with the agency")
        REVOKED = "client.revoked", _("A client stops sharing")
        SUBMITTED = "assessment.submitted", _("A client submits an assessment")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(max_length=64)  # needed to sign every call: kept, shown to the admin once
    events = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["disabled_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.agency}: {self.url}"


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint, with its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint.url}: {self.status}"


# --- A national programme: many agencies, aggregates only ------------------------------------------


class Programme(models.Model):
    """A national programme (a ministry, a network of hubs) that sees aggregates across its agencies.

    An agency takes part only when its admin enters the programme's join code (``ProgrammeAgency``);
    the programme's staff then see counts and released quartiles of the member agencies' consenting
    clients (``ProgrammeStatistic``), never a firm. Only the join code's SHA-256 is stored, as for
    invitations: staff see a new code once when they make one.
    """

    name = models.CharField(_("programme name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    join_code_hash = models.CharField(max_length=64, unique=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, through="ProgrammeStaff", related_name="programmes")
    agencies = models.ManyToManyField(Agency, through="ProgrammeAgency", related_name="programmes")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name


class ProgrammeStaff(models.Model):
    """A person of the programme's operator: sees the programme's page, may remove an agency."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="staff_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="programme_staff")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("programme staff member")
        verbose_name_plural = _("programme staff")
        constraints = [models.UniqueConstraint(fields=["programme", "user"], name="unique_programme_staff")]

    def __str__(self) -> str:
        return f"{self.user} at {self.programme}"


class ProgrammeAgency(models.Model):
    """An agency taking part in a programme: its admin joined with the code, and may leave."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="programme_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)
    joined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("member agency")
        verbose_name_plural = _("member agencies")
        constraints = [models.UniqueConstraint(fields=["programme", "agency"], name="unique_programme_agency")]

    def __str__(self) -> str:
        return f"{self.agency} in {self.programme}"


class ProgrammeStatistic(models.Model):
    """One group's published figures in a programme's snapshot, for one score ("overall" or a pillar).

    Rebuilt whole by the worker (``programme_statistics.programme_statistics_refresh``) on the
    peer figures' schedule and when an agency joins or leaves; the programme's page reads these
    rows only, whatever the number of firms. As with ``PeerStatistic``, only what may be published
    is stored: released quantiles in whole points, or [] for a group that is too small or withheld
    by the nested-group rule (``n`` stays, for the rule, and is never shown for such a group).
    """

    class Dimension(models.TextChoices):
        ALL = "all", _("All firms")
        AGENCY = "agency", _("Agency")
        REGION = "region", _("Region")
        SECTOR = "sector", _("Sector")
        SIZE_CLASS = "size_class", _("Size")

    OVERALL = "overall"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="statistics")
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    # The agency's id, the region (as most firms spell it), the NACE section, the size class; "" for all.
    value = models.CharField(max_length=100, blank=True)
    series = models.SlugField(max_length=40)  # "overall" or a pillar code
    n = models.PositiveIntegerField()
    min_group = models.PositiveIntegerField()  # the K in force when computed
    percentiles = models.JSONField(default=list)  # disclosure.RELEASED_PERCENTS, whole points; [] unpublished
    digest = models.CharField(max_length=64, blank=True)
    includes_demo = models.BooleanField(default=False)  # demo mode: generated demo firms counted
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "dimension", "value", "series"], name="unique_programme_statistic"
            )
        ]
        indexes = [models.Index(fields=["programme", "computed_at"], name="programme_statistic_newest")]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.dimension}[{self.value}] {self.series} n={self.n}"

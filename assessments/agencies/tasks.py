"""The agencies' background jobs (Django's tasks framework; the database-backed worker runs them)."""

from __future__ import annotations

import logging
import tempfile
import zipfile

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.utils.text import slugify

from assessments import pdf
from assessments import selectors as firm_selectors
from assessments.models import Assessment

from . import access_log, selectors
from .models import AccessLogEntry, PortfolioExport

logger = logging.getLogger(__name__)


@task()
def build_pdf_zip(export_id: int) -> None:
    """Every consenting client's latest action plan in one ZIP, progress saved as it goes.

    Each PDF comes from the same cache as a download (built once per assessment and content),
    and the archive is written entry by entry to a temporary file, then put in storage.
    """
    export = PortfolioExport.objects.select_related("agency", "requested_by").get(pk=export_id)
    included = list(
        selectors.clients(export.agency, selectors.DashboardFilters())
        .filter(latest_id__isnull=False)
        .order_by("name", "id")
        .values_list("id", "latest_id")
    )
    latest_ids = [assessment_id for _firm_id, assessment_id in included]
    PortfolioExport.objects.filter(pk=export.pk).update(status=PortfolioExport.Status.RUNNING, total=len(latest_ids))
    try:
        with tempfile.TemporaryFile() as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
                used: set[str] = set()
                for assessment_id in latest_ids:
                    assessment = Assessment.objects.select_related("firm", "version").get(pk=assessment_id)
                    state = firm_selectors.results_state_of(assessment)
                    name = pdf.cached_action_plan(None, state, export.language, load=lambda a=assessment: a)
                    entry = pdf.download_name(assessment.firm.name, timezone.localdate(assessment.submitted_at))
                    if entry in used:  # two clients with the same name and date
                        entry = entry.replace(".pdf", f"-{assessment.firm_id}.pdf")
                    used.add(entry)
                    with default_storage.open(name, "rb") as source:
                        archive.writestr(entry, source.read())  # PDFs are compressed already
                    PortfolioExport.objects.filter(pk=export.pk).update(done=F("done") + 1)
            handle.seek(0)
            stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
            target = f"exports/{export.agency_id}/readiness-action-plans-{slugify(export.agency.name)}-{stamp}.zip"
            saved = default_storage.save(target, File(handle))
    except Exception as exc:
        logger.exception("PDF ZIP %s failed", export.pk)
        PortfolioExport.objects.filter(pk=export.pk).update(
            status=PortfolioExport.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    with transaction.atomic():
        # Each firm whose plan is in the file is told (under "Sharing"), as for a download.
        access_log.access_log_record_many(
            agency=export.agency, user=export.requested_by, firms=included, action=AccessLogEntry.Action.ZIPPED
        )
        PortfolioExport.objects.filter(pk=export.pk).update(
            status=PortfolioExport.Status.DONE, file_name=saved, finished_at=timezone.now()
        )

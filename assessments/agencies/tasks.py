"""The agencies' background jobs (Django's tasks framework; the database-backed worker runs them)."""

from __future__ import annotations

import logging
import tempfile
import zipfile
from datetime import timedelta

from django.conf import settings
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
from readiness.task_queue import enqueue_once

from . import export_files, selectors
from .models import PortfolioExport, PortfolioExportFirm

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
    finished = timezone.now()
    with transaction.atomic():
        # The firms in the file, so that a revoked consent or a deleted firm takes the file with it.
        PortfolioExportFirm.objects.bulk_create(
            [
                PortfolioExportFirm(export_id=export.pk, firm_id=firm_id, assessment_id=assessment_id)
                for firm_id, assessment_id in included
            ],
            batch_size=2000,
        )
        PortfolioExport.objects.filter(pk=export.pk).update(
            status=PortfolioExport.Status.DONE,
            file_name=saved,
            finished_at=finished,
            firm_count=len(included),
            expires_at=finished + timedelta(days=settings.EXPORT_RETENTION_DAYS),
        )


@task()
def scheduled_export_cleanup() -> int:
    """Remove expired exports, daily; schedules the next run first, so a failure does not end the series."""
    schedule_export_cleanup(after=timedelta(days=1))
    return export_files.exports_expired_remove()


def schedule_export_cleanup(*, after: timedelta = timedelta(0)) -> None:
    """Make sure the next clean-up is waiting for the worker (one at most)."""
    enqueue_once(scheduled_export_cleanup, after=after)

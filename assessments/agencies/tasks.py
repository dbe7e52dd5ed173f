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

from assessments import pdf, plan_delivery
from assessments import selectors as firm_selectors
from assessments.models import Assessment
from readiness.task_queue import enqueue_once

from . import export_files, selectors
from .models import PortfolioExport, PortfolioExportFirm, Programme
from .programme_statistics import programme_statistics_refresh

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
                    name = plan_delivery.plan_build(None, state, export.language, load=lambda a=assessment: a)
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


# --- Programmes' figures ---------------------------------------------------------------------------


@task()
def publish_programme_statistics(programme_id: int) -> int:
    """Publish one programme's snapshot now (an agency joined or left), off the request path."""
    programme = Programme.objects.filter(pk=programme_id).first()
    return programme_statistics_refresh(programme) if programme is not None else 0


@task()
def scheduled_programme_statistics() -> int:
    """Every programme's snapshot, on the peer figures' schedule (``PEER_STATISTICS_INTERVAL``);
    schedules the next run first, so a failing rebuild does not end the series."""
    schedule_programme_statistics(after=timedelta(seconds=settings.PEER_STATISTICS_INTERVAL))
    return sum(programme_statistics_refresh(programme) for programme in Programme.objects.order_by("pk"))


def schedule_programme_statistics(*, after: timedelta = timedelta(0)) -> None:
    """Make sure the next scheduled run for all programmes is waiting for the worker (one at most)."""
    enqueue_once(scheduled_programme_statistics, after=after)


def request_programme_statistics(programme_id: int) -> None:
    """Ask the worker for this programme's snapshot now, unless one is waiting to start.

    A run already under way does not count: it may have read the member agencies before the
    change that asks for this one.
    """
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    waiting = DBTaskResult.objects.filter(
        task_path=publish_programme_statistics.module_path,
        status=TaskResultStatus.READY,
        args_kwargs={"args": [programme_id], "kwargs": {}},
    ).exists()
    if not waiting:
        publish_programme_statistics.enqueue(programme_id)


def request_programme_statistics_of_agency(agency_id: int) -> None:
    """Once the transaction commits, ask for a rebuild of every programme the agency takes part in
    (a client stopped sharing with it: it leaves the programmes' totals with the rebuild)."""
    from .models import ProgrammeAgency

    for programme_id in ProgrammeAgency.objects.filter(agency_id=agency_id).values_list("programme_id", flat=True):
        transaction.on_commit(lambda p=programme_id: request_programme_statistics(p))

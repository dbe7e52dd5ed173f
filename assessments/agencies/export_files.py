"""The agencies' stored export files: removing them when consent, deletion or time says so.

Apart from ``services`` so that the worker's jobs (``tasks``) can use it too.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from assessments.models import Firm

from .models import AgencyConsent, PortfolioExport


def exports_purge(exports: QuerySet[PortfolioExport]) -> int:
    """Delete these exports: their files from storage, once the rows are gone for good."""
    doomed = list(exports.values_list("pk", "file_name"))
    PortfolioExport.objects.filter(pk__in=[pk for pk, _name in doomed]).delete()
    files = [name for _pk, name in doomed if name]
    # After the commit: a rolled-back deletion must not have lost the file.
    transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
    return len(doomed)


def exports_of_deleted_firm_purge(sender: type, instance: Firm, **kwargs: Any) -> None:
    """``pre_delete`` of a firm: every export holding its data goes too."""
    exports_purge(PortfolioExport.objects.filter(firms=instance.pk))


def export_still_allowed(export: PortfolioExport) -> bool:
    """The file may still be handed out: not expired, and every firm in it is still there and
    still shares with the agency. Checked at each download; a file that fails is purged."""
    if export.expires_at is not None and export.expires_at <= timezone.now():
        return False
    firm_ids = list(export.firms.values_list("pk", flat=True))
    if len(firm_ids) != export.firm_count:
        return False  # a firm in the file was deleted
    sharing = AgencyConsent.objects.in_force().filter(agency_id=export.agency_id, firm_id__in=firm_ids)
    return sharing.values("firm_id").distinct().count() == len(firm_ids)


def exports_expired_remove() -> int:
    """Remove the exports past their retention period (the worker runs this daily)."""
    return exports_purge(PortfolioExport.objects.filter(expires_at__lte=timezone.now()))

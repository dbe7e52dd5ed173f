"""Writes of the access log: each time an advisor reaches a firm's data, the firm is told.

Apart from ``services`` because the ZIP task writes here too, and ``services`` queues that task.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet
from django.utils import timezone

from assessments.models import Assessment
from readiness.models import User

from .models import AccessLogEntry, Agency


def access_log_record(*, agency: Agency, user: User, assessment: Assessment, action: str) -> None:
    """One look at one assessment (its results, its PDF)."""
    AccessLogEntry.objects.create(
        firm_id=assessment.firm_id, agency=agency, user=user, assessment=assessment, action=action
    )


def access_log_record_many(
    *, agency: Agency, user: User | None, firms: Iterable[tuple[int, int | None]], action: str
) -> int:
    """One entry per firm reached at once (a client page, an export): ``firms`` gives
    (firm id, its latest submitted assessment id or None). Written in bulk; returns how many."""
    entries = [
        AccessLogEntry(firm_id=firm_id, agency=agency, user=user, assessment_id=assessment_id, action=action)
        for firm_id, assessment_id in firms
    ]
    AccessLogEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def access_log_record_query(
    *, agency: Agency, user: User | None, firms: QuerySet[Any, tuple[int, int | None]], action: str
) -> None:
    """As ``access_log_record_many`` for every row of ``firms`` (a values_list of firm id and
    latest assessment id), in one INSERT … SELECT: an export of 100,000 clients writes its
    100,000 entries in one statement, without loading them, so its queries do not grow."""
    connection = connections[router.db_for_write(AccessLogEntry)]
    select, params = firms.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(AccessLogEntry._meta.get_field(name).column)
        for name in ("firm", "assessment", "agency", "user", "action", "at")
    )
    sql = (
        f"INSERT INTO {quote(AccessLogEntry._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
        f"SELECT chosen.*, %s, %s, %s, %s FROM ({select}) chosen"
    )
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        # The outer SELECT's four values come first in the statement, then the inner query's.
        cursor.execute(sql, [agency.pk, user.pk if user else None, action, at, *params])

"""Moving the agency models to their own app keeps every row of an existing database.

The database is taken back to the last migration of the old layout (the agency models in the
``assessments`` app), filled through the models as they were then, with a row in every agency
table, and migrated forward; every row must then be read, unchanged, through the agencies app.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assessments.agencies.models import (
    AccessLogEntry,
    Agency,
    AgencyConsent,
    AgencyMember,
    Invitation,
    PortfolioExport,
)

OLD_LAYOUT = [("assessments", "0007_latest_answers")]
# The move itself; later migrations have tests of their own (below: the exports' firms).
MOVED = [("assessments", "0008_agencies_moved_out"), ("agencies", "0002_access_log_bulk")]
WHEN = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


def _migrate(targets: list[tuple[str, str]] | None = None):  # type: ignore[no-untyped-def]
    """Migrate to ``targets`` (default: the latest); the models as the database now has them."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    applied = MigrationExecutor(connection).loader.applied_migrations
    return executor.loader.project_state(list(applied)).apps


def _fill_old_layout(apps) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """One row in every agency table, written through the old app's historical models."""
    old = lambda name: apps.get_model("assessments", name)  # noqa: E731
    user = apps.get_model("readiness", "User").objects.create(email="advisor@hub.example", password="!")
    version = apps.get_model("questionnaires", "QuestionnaireVersion").objects.create(
        label="old-layout", content_hash="x" * 64, status="published", published_at=WHEN
    )
    firm = old("Firm").objects.create(name="Old Firm", country="IT", sector="C", size_class="small")
    assessment = old("Assessment").objects.create(firm=firm, version=version, status="submitted", submitted_at=WHEN)
    agency = old("Agency").objects.create(name="Old Hub")
    old("AgencyMember").objects.create(agency=agency, user=user, role="admin")
    invitation = old("Invitation").objects.create(
        agency=agency, kind="client", email="owner@firm.example", secret_hash="a" * 64, created_by=user
    )
    old("AgencyConsent").objects.create(
        firm=firm, agency=agency, invitation=invitation, granted_at=WHEN, granted_by=user, text_version="agency-2026.1"
    )
    old("AccessLogEntry").objects.create(
        firm=firm, agency=agency, user=user, assessment=assessment, action="viewed_results"
    )
    old("PortfolioExport").objects.create(agency=agency, requested_by=user, status="done", total=1, done=1)
    return {"user": user.pk, "firm": firm.pk, "assessment": assessment.pk, "agency": agency.pk}


@pytest.mark.django_db(transaction=True)
def test_every_agency_row_is_kept_when_the_models_move_to_their_app() -> None:
    old_apps = _migrate(OLD_LAYOUT)
    # Before: the content types (and the permissions hanging from them) are the old app's.
    assert ContentType.objects.filter(app_label="assessments", model="agency").exists()
    assert not ContentType.objects.filter(app_label="agencies", model="agency").exists()
    agency_type = ContentType.objects.get(app_label="assessments", model="agency")
    permission_ids = set(Permission.objects.filter(content_type=agency_type).values_list("pk", flat=True))
    ids = _fill_old_layout(old_apps)

    _migrate(MOVED)

    # Columns only where the model has fields of later migrations.
    assert Agency.objects.values_list("pk", "name", "is_demo").get() == (ids["agency"], "Old Hub", False)
    member = AgencyMember.objects.get()
    assert (member.agency_id, member.user_id, member.role) == (ids["agency"], ids["user"], "admin")
    assert list(AgencyMember.objects.filter(agency_id=ids["agency"]).values_list("user_id", flat=True)) == [ids["user"]]
    invitation = Invitation.objects.get()
    assert (invitation.agency_id, invitation.kind, invitation.email) == (ids["agency"], "client", "owner@firm.example")
    consent = AgencyConsent.objects.get()
    assert (consent.firm_id, consent.agency_id, consent.invitation_id) == (ids["firm"], ids["agency"], invitation.pk)
    assert (consent.granted_at, consent.text_version, consent.revoked_at) == (WHEN, "agency-2026.1", None)
    entry = AccessLogEntry.objects.get()
    assert (entry.firm_id, entry.assessment_id, entry.action) == (ids["firm"], ids["assessment"], "viewed_results")
    # (Columns only: the model has fields of later migrations.)
    assert PortfolioExport.objects.values_list("agency_id", "status", "done").get() == (ids["agency"], "done", 1)
    # The relations from the firm's side still reach the rows.
    assert AgencyConsent.objects.filter(firm__name="Old Firm", agency__memberships__user_id=ids["user"]).count() == 1
    # The content types moved with the models, so no permission was lost or duplicated.
    moved = ContentType.objects.get(app_label="agencies", model="agency")
    assert moved.pk == agency_type.pk
    assert set(Permission.objects.filter(content_type=moved).values_list("pk", flat=True)) == permission_ids
    assert not ContentType.objects.filter(app_label="assessments", model__in=["agency", "invitation"]).exists()
    _migrate()  # the latest, for the tests that follow


@pytest.mark.django_db(transaction=True)
def test_exports_that_did_not_record_their_firms_are_removed_with_their_files() -> None:
    """``agencies.0003``: a ZIP built before exports recorded their firms cannot be checked
    against consent at download: row and file go."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    old_apps = _migrate(OLD_LAYOUT)
    ids = _fill_old_layout(old_apps)
    _migrate(MOVED)
    name = default_storage.save("exports/old.zip", ContentFile(b"PK old"))
    PortfolioExport.objects.filter(agency_id=ids["agency"]).update(file_name=name)
    _migrate()
    assert not PortfolioExport.objects.exists()
    assert not default_storage.exists(name)

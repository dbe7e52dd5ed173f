"""The PDF action plan off the request path: the worker builds it, a request serves the file.

Building a plan takes most of a second of CPU (``pdf.render_action_plan``); inside a request it
held a web worker that long and, under load, made every other page wait. So:

- Submitting an assessment queues a build in the submitter's language (``plan_build_queue``,
  in the submit's transaction: no build for a submission that rolled back).
- Each build records the file it stored in ``StoredActionPlan`` (one row per assessment and
  language). A content or translation change (a new action set, policy examples, content
  translations) queues a rebuild of every plan that table holds for a firm's latest assessment
  (``rebuild_stored_action_plans``, at low priority: new submissions go first), read from the
  table in chunks, never by listing the storage (one LIST per firm on object storage).
  Plans stored before the table existed have no row: they are not rebuilt ahead, but a download
  finds them stale and has them rebuilt then (as any stale plan), which writes their row.
- A download serves the stored file. If it is missing or stale (the firm's profile or the
  peer figures changed since), the request queues the build and answers with a progress
  page that checks back (``plan_or_pending``, ``plan_file_or_pending``), rather than building
  inside the request.
- If no worker has touched the queue for ``PLAN_WORKER_PATIENCE`` seconds while the build
  waits, the request builds the file itself: a stopped worker makes downloads slow, never
  impossible.
- Deleting an assessment, however it happens (its firm deleted with its owner's account, the
  admin), deletes its stored files once the deletion is committed (``stored_plans_of_deleted``);
  the rows go by cascade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import pre_delete
from django.http import FileResponse
from django.tasks import task
from django.utils import timezone, translation

from readiness import task_queue

from . import pdf, selectors
from .models import Assessment, StoredActionPlan

# Builds a person waits for come before the rebuilds after a content change (higher first).
WAITED_FOR_PRIORITY = 10
REBUILD_PRIORITY = -10
REBUILD_CHUNK = 2000  # stored plans read (and their builds queued, in one transaction) at a time


def plan_build(
    user: Any, state: selectors.ResultsPageState, language: str, load: Callable[[], Assessment] | None
) -> str:
    """``pdf.cached_action_plan``, with the file it keeps recorded in ``StoredActionPlan`` (the
    worker's build, the request's fallback and the agencies' ZIP of plans all store through it)."""
    name = pdf.cached_action_plan(user, state, language, load)
    recorded = StoredActionPlan.objects.filter(assessment_id=state.assessment_id, language=language)
    if not recorded.filter(file_name=name).exists():  # built now (or stored before the table)
        # One statement (INSERT … ON CONFLICT DO UPDATE): two builds recording at once cannot collide.
        StoredActionPlan.objects.bulk_create(
            [
                StoredActionPlan(
                    assessment_id=state.assessment_id, language=language, file_name=name, built_at=timezone.now()
                )
            ],
            update_conflicts=True,
            unique_fields=["assessment", "language"],
            update_fields=["file_name", "built_at"],
        )
    return name


@task(priority=WAITED_FOR_PRIORITY)
def build_action_plan(assessment_id: int, language: str) -> str:
    """Build (or find already built) the plan of a submitted assessment; returns its storage name."""
    assessment = Assessment.objects.select_related("firm", "version").filter(pk=assessment_id).first()
    if assessment is None or not assessment.is_submitted:  # deleted since it was queued
        return ""
    state = selectors.results_state_of(assessment)
    return plan_build(None, state, language, load=lambda: assessment)


@task(priority=REBUILD_PRIORITY)
def rebuild_stored_action_plans() -> int:
    """After a content or translation change: queue a rebuild of each stored plan that a firm
    still reads (its latest submitted assessment), in each language it was stored in."""
    # An older assessment's plan is history, rebuilt if someone asks for it again.
    newer = Assessment.objects.filter(
        firm_id=OuterRef("assessment__firm_id"), status=Assessment.Status.SUBMITTED, pk__gt=OuterRef("assessment_id")
    )
    stored = (
        StoredActionPlan.objects.filter(assessment__status=Assessment.Status.SUBMITTED)
        .exclude(Exists(newer))
        .order_by("pk")
    )
    # A build that has not started will read the new content; one already running may have
    # read the old, so it does not count.
    waiting = {
        tuple(run["args"])
        for run in task_queue.runs_of(build_action_plan, running=False).values_list("args_kwargs", flat=True)
    }
    queued, after = 0, 0
    while chunk := list(stored.filter(pk__gt=after).values_list("pk", "assessment_id", "language")[:REBUILD_CHUNK]):
        after = chunk[-1][0]
        with transaction.atomic():
            for _pk, assessment_id, language in chunk:
                if (assessment_id, language) not in waiting:
                    build_action_plan.using(priority=REBUILD_PRIORITY).enqueue(assessment_id, language)
                    queued += 1
    return queued


def plan_build_queue(assessment_id: int, language: str | None = None) -> None:
    """Queue the build of a just-submitted assessment's plan (in the active language)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    task_queue.enqueue_once_with(build_action_plan, assessment_id, language)


def content_changed() -> None:
    """Action sets, policy examples or content translations changed: refresh the stored plans."""
    task_queue.enqueue_once(rebuild_stored_action_plans)


@dataclass(frozen=True)
class PlanPending:
    """The plan is not built yet: what the progress page tells the person waiting."""

    building: bool  # the worker has started on it
    ahead: int  # queued builds and jobs the worker takes first


def plan_or_pending(
    user: Any, state: selectors.ResultsPageState, language: str, load: Callable[[], Assessment] | None = None
) -> str | PlanPending:
    """The storage name of the current plan, or what to tell the person while the worker builds it.

    ``state`` comes from ``selectors.results_page_state`` or ``results_state_of``: access is
    already checked. ``load`` fetches the assessment for a build in the request (see below).
    """
    name = pdf.stored_action_plan(state, language)
    if name is not None:
        return name
    run = task_queue.enqueue_once_with(build_action_plan, state.assessment_id, language)
    patience = timedelta(seconds=settings.PLAN_WORKER_PATIENCE)
    waited_long = run.started_at is None and run.enqueued_at <= timezone.now() - patience
    if waited_long and task_queue.worker_idle_since(timezone.now() - patience):
        # No worker has run anything for a while: build here rather than keep the person waiting.
        return plan_build(user, state, language, load)
    if run.started_at is not None:
        return PlanPending(building=True, ahead=0)
    return PlanPending(building=False, ahead=task_queue.runs_ahead(run))


def plan_file_or_pending(
    user: Any, state: selectors.ResultsPageState, language: str, load: Callable[[], Assessment] | None = None
) -> FileResponse | PlanPending:
    """``plan_or_pending`` with the file opened, as the attachment to send."""
    found = plan_or_pending(user, state, language, load)
    if isinstance(found, PlanPending):
        return found
    try:
        return pdf.file_response(found, state)
    except FileNotFoundError:
        # Replaced since it was found: the firm or the content changed meanwhile, and the build
        # for the new state is the one to wait for (the progress page checks back for it).
        return PlanPending(building=True, ahead=0)


def stored_plans_of_deleted(sender: type, instance: Assessment, **kwargs: Any) -> None:
    """``pre_delete`` of an assessment: its stored PDFs (every language, also those stored before
    ``StoredActionPlan`` existed) are deleted once the deletion is committed; a rolled-back
    deletion keeps them."""
    assessment_id = instance.pk
    transaction.on_commit(lambda: pdf.stored_plans_delete([assessment_id]))


# Connected when the app is ready (``apps.py`` imports this module): however an assessment or its
# firm is deleted, the files go with it, as the agencies' export files do (``agencies/apps.py``).
pre_delete.connect(stored_plans_of_deleted, sender=Assessment, dispatch_uid="assessments.stored-plans")

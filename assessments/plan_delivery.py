"""The PDF action plan off the request path: the worker builds it, a request serves the file.

Building a plan takes most of a second of CPU (``pdf.render_action_plan``); inside a request it
held a web worker that long and, under load, made every other page wait. So:

- Submitting an assessment queues a build in the submitter's language (``plan_build_queue``,
  in the submit's transaction: no build for a submission that rolled back).
- A content or translation change (a new action set, policy examples, content translations)
  queues a rebuild of every plan kept in storage for a firm's latest assessment
  (``rebuild_stored_action_plans``, at low priority: new submissions go first).
- A download serves the stored file. If it is missing or stale (the firm's profile or the
  peer figures changed since), the request queues the build and answers with a progress
  page that checks back (``plan_or_pending``), rather than building inside the request.
- If no worker has touched the queue for ``PLAN_WORKER_PATIENCE`` seconds while the build
  waits, the request builds the file itself: a stopped worker makes downloads slow, never
  impossible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.tasks import task
from django.utils import timezone, translation

from readiness import task_queue

from . import pdf, selectors
from .models import Assessment

# Builds a person waits for come before the rebuilds after a content change (higher first).
WAITED_FOR_PRIORITY = 10
REBUILD_PRIORITY = -10


@task(priority=WAITED_FOR_PRIORITY)
def build_action_plan(assessment_id: int, language: str) -> str:
    """Build (or find already built) the plan of a submitted assessment; returns its storage name."""
    assessment = Assessment.objects.select_related("firm", "version").filter(pk=assessment_id).first()
    if assessment is None or not assessment.is_submitted:  # deleted since it was queued
        return ""
    state = selectors.results_state_of(assessment)
    return pdf.cached_action_plan(None, state, language, load=lambda: assessment)


@task(priority=REBUILD_PRIORITY)
def rebuild_stored_action_plans() -> int:
    """After a content or translation change: queue a rebuild of each stored plan that a firm
    still reads (its latest submitted assessment), in each language it was stored in."""
    stored = pdf.stored_plan_languages()
    firms = Assessment.objects.filter(pk__in=list(stored)).values("firm_id")
    # Each of these firms' latest submitted assessment, kept only if its plan is stored: an
    # older assessment's plan is history, rebuilt if someone asks for it again.
    latest = stored.keys() & set(
        Assessment.objects.filter(status=Assessment.Status.SUBMITTED, firm_id__in=firms)
        .values("firm_id")
        .annotate(latest=Max("id"))
        .values_list("latest", flat=True)
    )
    queued = 0
    for assessment_id in sorted(latest):
        for language in stored[assessment_id]:
            if task_queue.run_of(build_action_plan, assessment_id, language) is None:
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
        return pdf.cached_action_plan(user, state, language, load)
    if run.started_at is not None:
        return PlanPending(building=True, ahead=0)
    return PlanPending(building=False, ahead=task_queue.runs_ahead(run))

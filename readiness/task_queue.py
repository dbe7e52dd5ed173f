"""Small helpers over Django's tasks framework on the database queue (django-tasks-db)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.tasks import Task
from django.utils import timezone


def runs_of(job: Task, args: Sequence[Any] | None = None, *, running: bool = True) -> QuerySet[Any]:
    """The unfinished runs of ``job`` (``DBTaskResult``s), oldest first: those queued, whether due
    now or later, and unless ``running=False`` those started; only those with these ``args`` if
    given (and no keyword arguments)."""
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    statuses = [TaskResultStatus.READY, TaskResultStatus.RUNNING] if running else [TaskResultStatus.READY]
    runs = DBTaskResult.objects.filter(task_path=job.module_path, status__in=statuses)
    if args is not None:
        runs = runs.filter(args_kwargs={"args": list(args), "kwargs": {}})
    return runs.order_by("enqueued_at")


def enqueue_once(job: Task, *, after: timedelta | None = None) -> None:
    """Queue ``job`` (to run ``after`` from now) unless a run of it is already waiting (one that
    has started may have read what changed too early)."""
    if runs_of(job, running=False).exists():
        return
    if after is None:
        job.enqueue()
    else:
        job.using(run_after=timezone.now() + after).enqueue()


def enqueue_once_with(job: Task, *args: Any) -> Any:
    """Queue ``job(*args)`` unless a run with the same arguments is queued or running; returns that run.

    Two requests at the same moment may both queue one: the job must then be harmless to run
    twice (a build that finds its file already built does nothing).
    """
    from django_tasks_db.models import DBTaskResult

    run = runs_of(job, args).first()
    if run is None:
        run = DBTaskResult.objects.get(pk=job.enqueue(*args).id)
    return run


def runs_ahead(run: Any) -> int:
    """How many queued runs the worker takes before ``run`` (in the queue's order: priority, then
    due time, then age)."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    return (
        DBTaskResult.objects.ready()
        .filter(
            Q(priority__gt=run.priority)
            | Q(priority=run.priority, run_after__lt=run.run_after)
            | Q(priority=run.priority, run_after=run.run_after, enqueued_at__lt=run.enqueued_at)
        )
        .count()
    )


def worker_idle_since(moment: datetime) -> bool:
    """No worker has started or finished a run since ``moment``, and none is running now: the
    worker is stopped (or was never started), as far as the queue can tell."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    return not DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.RUNNING) | Q(started_at__gte=moment) | Q(finished_at__gte=moment)
    ).exists()

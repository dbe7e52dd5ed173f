"""Small helpers over Django's tasks framework on the database queue (django-tasks-db)."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import Task
from django.utils import timezone


def waiting(job: Task) -> bool:
    """A run of ``job`` is queued and has not started (whether due now or later)."""
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=job.module_path).exists()


def enqueue_once(job: Task, *, after: timedelta | None = None) -> None:
    """Queue ``job`` (to run ``after`` from now) unless a run of it is already waiting."""
    if waiting(job):
        return
    if after is None:
        job.enqueue()
    else:
        job.using(run_after=timezone.now() + after).enqueue()

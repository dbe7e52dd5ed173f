"""Background jobs of the firm's side (Django's tasks framework; the database-backed worker runs them).

Peer figures: the worker publishes a snapshot every ``PEER_STATISTICS_INTERVAL`` seconds
(``scheduled_peer_statistics`` re-enqueues itself to run after the interval), and at once when a
firm withdraws benchmark consent or changes its profile (``publish_peer_statistics``). Each
publishes the set this site shows (demo mode or not, from the same settings as the web).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from readiness.task_queue import enqueue_once

from .peer_statistics import peer_statistics_refresh


@task()
def publish_peer_statistics() -> int:
    """Publish a snapshot now (``peer_statistics.peer_statistics_refresh``), off the request path."""
    return peer_statistics_refresh(includes_demo=settings.BENCHMARK_DEMO_MODE)


@task()
def scheduled_peer_statistics() -> int:
    """The daily (``PEER_STATISTICS_INTERVAL``) snapshot; schedules the next one first, so a
    failing rebuild does not end the series."""
    schedule_peer_statistics(after=timedelta(seconds=settings.PEER_STATISTICS_INTERVAL))
    return peer_statistics_refresh(includes_demo=settings.BENCHMARK_DEMO_MODE)


def schedule_peer_statistics(*, after: timedelta = timedelta(0)) -> None:
    """Make sure the next scheduled snapshot is waiting for the worker (one at most)."""
    enqueue_once(scheduled_peer_statistics, after=after)


def request_peer_statistics() -> None:
    """Ask the worker for a snapshot now, unless one is already waiting to run."""
    enqueue_once(publish_peer_statistics)

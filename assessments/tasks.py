"""Background jobs of the firm's side (Django's tasks framework; the database-backed worker runs them)."""

from __future__ import annotations

from django.tasks import task

from .peer_statistics import peer_statistics_refresh


@task()
def refresh_peer_statistics(includes_demo: bool) -> int:
    """Rebuild the peer distributions (``peer_statistics.peer_statistics_refresh``) off the request path."""
    return peer_statistics_refresh(includes_demo=includes_demo)

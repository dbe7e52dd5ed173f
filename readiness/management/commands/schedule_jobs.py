from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from assessments.agencies.tasks import schedule_export_cleanup, schedule_programme_statistics
from assessments.tasks import schedule_peer_statistics


class Command(BaseCommand):
    help = (
        "Put the recurring jobs in the worker's queue once (each reschedules itself when it runs): "
        "the peer-statistics snapshot, the programmes' figures and the removal of expired exports. "
        "Safe to run at every release."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        schedule_peer_statistics(after=timedelta(seconds=settings.PEER_STATISTICS_INTERVAL))
        schedule_export_cleanup(after=timedelta(days=1))
        schedule_programme_statistics(after=timedelta(seconds=settings.PEER_STATISTICS_INTERVAL))
        self.stdout.write(
            self.style.SUCCESS(
                f"Scheduled: a peer-statistics snapshot and the programmes' figures every "
                f"{settings.PEER_STATISTICS_INTERVAL} s; "
                f"removal of exports older than {settings.EXPORT_RETENTION_DAYS} days, daily."
            )
        )

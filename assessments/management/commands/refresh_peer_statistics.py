from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from assessments.peer_statistics import peer_statistics_refresh
from assessments.tasks import schedule_peer_statistics


class Command(BaseCommand):
    help = (
        "Publish a snapshot of the peer benchmark figures now (real firms, and with demo firms for demo "
        "mode), and make sure the worker's scheduled snapshots are under way."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        real = peer_statistics_refresh(includes_demo=False)
        demo = peer_statistics_refresh(includes_demo=True)
        schedule_peer_statistics(after=timedelta(seconds=settings.PEER_STATISTICS_INTERVAL))
        self.stdout.write(
            self.style.SUCCESS(
                f"Peer statistics published: {real} contributing firms; {demo} with demo firms "
                f"(minimum group {settings.BENCHMARK_MIN_GROUP}, epsilon {settings.BENCHMARK_EPSILON} per figure). "
                f"The worker publishes the next snapshot in {settings.PEER_STATISTICS_INTERVAL} s."
            )
        )

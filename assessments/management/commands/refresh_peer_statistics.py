from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from assessments.peer_statistics import peer_statistics_refresh


class Command(BaseCommand):
    help = (
        "Publish a snapshot of the peer benchmark figures now (real firms, and with demo firms for demo "
        "mode). The worker publishes one on a schedule (manage.py schedule_jobs)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        real = peer_statistics_refresh(includes_demo=False)
        demo = peer_statistics_refresh(includes_demo=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Peer statistics published: {real} contributing firms; {demo} with demo firms "
                f"(minimum group {settings.BENCHMARK_MIN_GROUP}, epsilon {settings.BENCHMARK_EPSILON} per figure)."
            )
        )

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from assessments.peer_statistics import peer_statistics_refresh


class Command(BaseCommand):
    help = "Rebuild the peer benchmark distributions (real firms, and with demo firms for demo mode)."

    def handle(self, *args: Any, **options: Any) -> None:
        real = peer_statistics_refresh(includes_demo=False)
        demo = peer_statistics_refresh(includes_demo=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Peer statistics rebuilt: {real} consenting firms; {demo} with demo firms "
                f"(minimum group {settings.BENCHMARK_MIN_GROUP})."
            )
        )

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Assessment
from assessments.pdf import render_action_plan


class Command(BaseCommand):
    help = "Render the PDF action plan of a submitted assessment to a file (staff use; no access check)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("assessment_id", type=int)
        parser.add_argument("out", help="where to write the PDF")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, help="e.g. en (default: the site's)")

    def handle(self, *args: Any, **options: Any) -> None:
        assessment = Assessment.objects.select_related("firm", "version").filter(pk=options["assessment_id"]).first()
        if assessment is None:
            raise CommandError(f"No assessment with id {options['assessment_id']}.")
        if not assessment.is_submitted:
            raise CommandError(f"Assessment {assessment.pk} is not submitted: it has no results to plan from yet.")
        data = render_action_plan(assessment, options["language"])
        out = Path(options["out"])
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{out}: {len(data):,} bytes"))

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questionnaires.actions import action_set_load
from questionnaires.loader import ContentError


class Command(BaseCommand):
    help = (
        "Load an action set (YAML) for a loaded questionnaire version and policy-example catalogue. "
        "Loading the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="YAML action set file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            label, action, count = action_set_load(path=options["path"])
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{options['path']}: actions {label} {action} ({count} actions)"))

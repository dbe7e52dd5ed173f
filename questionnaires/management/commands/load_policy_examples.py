from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questionnaires.loader import ContentError
from questionnaires.policies import policy_examples_load


class Command(BaseCommand):
    help = "Load a policy-example catalogue (YAML). Loading the same file again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="YAML catalogue file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            label, action, count = policy_examples_load(path=options["path"])
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{options['path']}: policy examples {label} {action} ({count} examples)"))

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questionnaires.loader import ContentError, parse_questionnaire_file
from questionnaires.services import questionnaire_version_load


class Command(BaseCommand):
    help = (
        "Load a questionnaire content file (YAML) as a version and publish it. Loading the same "
        "file again changes nothing; a published version cannot be changed (use a new label)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="+", help="YAML content file(s)")
        parser.add_argument("--check", action="store_true", help="only validate the file(s); write nothing")
        parser.add_argument("--draft", action="store_true", help="load as a draft (replaceable, not offered to firms)")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        for path in options["path"]:
            try:
                if options["check"]:
                    content = parse_questionnaire_file(path)
                    self.stdout.write(
                        self.style.SUCCESS(
                            f"{path}: valid, version {content.label}, {len(content.pillars)} pillars, "
                            f"{content.question_count()} questions"
                        )
                    )
                    continue
                outcome = questionnaire_version_load(path=path, publish=not options["draft"])
            except ContentError as exc:
                self.stderr.write(self.style.ERROR(str(exc)))
                failed = True
                continue
            self.stdout.write(
                self.style.SUCCESS(
                    f"{path}: version {outcome.version.label} {outcome.action} "
                    f"({outcome.version.get_status_display().lower()}, {outcome.question_count} questions)"
                )
            )
        if failed:
            raise CommandError("some content was not loaded (see above)")

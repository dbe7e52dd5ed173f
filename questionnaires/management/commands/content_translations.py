"""Translations of the content: what is missing, and a way round for translators.

    manage.py content_translations missing [--language fr] [--details] [--fail-if-missing]
    manage.py content_translations export CONTENT.yaml fr OUT.json
    manage.py content_translations import CONTENT.yaml fr IN.json

``missing`` reads the loaded content (the database): per content version and language, how
many texts have no translation. ``export`` writes the texts of a content file still missing in
a language as JSON (text id -> English) for a translator; ``import`` merges the translated
JSON (text id -> translation) back into the file, next to the English. Load the file again
(``load_questionnaire``, ``load_actions``, ``load_policy_examples``) to update the site: the
English, and so the version, stays the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questionnaires import content_texts
from questionnaires.translations import coverage, target_languages


class Command(BaseCommand):
    help = "Report missing content translations per language and content version; export and import them."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        missing = commands.add_parser("missing", help="missing translations of the loaded content")
        missing.add_argument("--language", action="append", help="only this language (repeatable)")
        missing.add_argument("--details", action="store_true", help="list where each missing text is")
        missing.add_argument("--fail-if-missing", action="store_true", help="exit with an error if any is missing")
        for name, what in (("export", "write the missing texts as JSON"), ("import", "merge translated JSON")):
            sub = commands.add_parser(name, help=what)
            sub.add_argument("content", type=Path, help="content file (YAML)")
            sub.add_argument("language", help="language code, e.g. fr")
            sub.add_argument("json", type=Path, help="JSON file (text id -> text)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['command']}")(options)

    def _missing(self, options: dict[str, Any]) -> None:
        languages = options["language"] or target_languages()
        unknown = sorted(set(languages) - set(target_languages()))
        if unknown:
            raise CommandError(f"not a language of the site: {', '.join(unknown)} (see settings.LANGUAGES)")
        report = coverage(languages)
        if not report:
            self.stdout.write("No content is loaded.")
            return
        self.stdout.write(f"{'content':<16} {'version':<10} {'language':<8} {'translated':>12} {'missing':>8}")
        for row in report:
            line = (
                f"{row.kind:<16} {row.label:<10} {row.language:<8} "
                f"{f'{row.translated}/{row.total}':>12} {len(row.missing):>8}"
            )
            self.stdout.write(self.style.WARNING(line) if row.missing else line)
            if options["details"]:
                for where in row.missing:
                    self.stdout.write(f"    {where}")
        missing = sum(len(row.missing) for row in report)
        if missing and options["fail_if_missing"]:
            raise CommandError(f"{missing} translations are missing")

    def _read_content(self, path: Path) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc

    def _export(self, options: dict[str, Any]) -> None:
        fields = content_texts.text_fields(self._read_content(options["content"]))
        todo = content_texts.missing(fields, options["language"])
        payload = {f.id: f.texts[content_texts.SOURCE_LANGUAGE] for f in todo}
        options["json"].write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        language, target = options["language"], options["json"]
        self.stdout.write(f"{len(todo)} of {len(fields)} texts to translate into {language}: {target}")

    def _import(self, options: dict[str, Any]) -> None:
        self._read_content(options["content"])
        try:
            translations = json.loads(options["json"].read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {options['json']}: {exc}") from exc
        if not isinstance(translations, dict):
            raise CommandError(f"{options['json']} must hold one JSON object: text id -> translation")
        try:
            added = content_texts.merge_file(options["content"], options["language"], translations)
        except content_texts.TranslationError as exc:
            raise CommandError(f"{options['content']}: {exc}; nothing was changed") from exc
        self.stdout.write(self.style.SUCCESS(f"{options['content']}: {added} texts added in {options['language']}"))

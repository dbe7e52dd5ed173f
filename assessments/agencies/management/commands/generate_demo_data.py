from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.agencies.demo import demo_agency_generate
from assessments.demo import demo_population_generate


# Here, in the app at the top, because the demo spans both sides: firms, then an agency following them.
class Command(BaseCommand):
    help = "Create a labelled synthetic population of demo firms with submitted assessments, and a demo login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--firms", type=int, default=200, help="number of demo firms (default 200)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["firms"] < 1 or options["firms"] > 100_000:
            raise CommandError("--firms must be between 1 and 100000")
        try:
            outcome = demo_population_generate(firm_count=options["firms"], seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        agency = demo_agency_generate(seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(f"Demo data: {outcome.firms} demo firms, {outcome.assessments} submitted assessments.")
        )
        self.stdout.write(f"Demo login (labelled demo firm): {outcome.login_email} / {outcome.login_password}")
        self.stdout.write(
            f"Demo agency advisor ({agency.clients} consenting demo clients): "
            f"{agency.login_email} / {agency.login_password}"
        )

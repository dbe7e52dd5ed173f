from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from assessments.agencies.services import agency_create
from readiness.models import User


class Command(BaseCommand):
    help = "Create an agency and its first admin (staff use). The admin then invites advisors from the dashboard."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the agency's name")
        parser.add_argument("admin_email", help="e-mail of its first admin; an account is created if needed")
        parser.add_argument("--password", help="password for a new account (default: none; use 'Forgot password')")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name:
            raise CommandError("The agency needs a name.")
        email = options["admin_email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"Not an e-mail address: {email!r}") from exc
        admin = User.objects.filter(email__iexact=email).first()
        if admin is None:
            admin = User.objects.create_user(email, options["password"])
            created = "created"
        else:
            created = "existing"
        agency = agency_create(name=name, admin=admin)
        self.stdout.write(
            self.style.SUCCESS(f"Agency {agency.name!r} (id {agency.pk}) created; admin: {email} ({created} account).")
        )
        if created == "created" and not options["password"]:
            self.stdout.write(
                "The admin has no password yet: they set one with 'Forgot your password?' on the login page."
            )

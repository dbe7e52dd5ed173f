from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from assessments.agencies.programmes import programme_create
from readiness.models import User


class Command(BaseCommand):
    help = (
        "Create a national programme and its staff (platform operator's use); prints its join code once. "
        "Agency admins enter the code on their agency's Programmes page to take part."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the programme's name")
        parser.add_argument(
            "--staff", action="append", default=[], help="e-mail of a staff member (repeatable); created if needed"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name:
            raise CommandError("The programme needs a name.")
        staff = []
        for raw in options["staff"]:
            email = raw.strip().lower()
            try:
                validate_email(email)
            except ValidationError as exc:
                raise CommandError(f"Not an e-mail address: {email!r}") from exc
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email, None)
                self.stdout.write(f"Account created for {email}: they set a password with 'Forgot your password?'.")
            staff.append(user)
        new = programme_create(name=name, staff=staff)
        self.stdout.write(self.style.SUCCESS(f"Programme {new.programme.name!r} (id {new.programme.pk}) created."))
        self.stdout.write(f"Join code (shown once; only its hash is kept): {new.join_code}")

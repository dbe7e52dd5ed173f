from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from assessments.consent_texts import benchmark_consent_version
from assessments.models import Firm, Membership
from readiness.models import User

PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    # Confirmed, as an account in use is; tests of unconfirmed accounts pass email_confirmed_at=None.
    email_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Firm {n}")
    country = "IT"
    sector = "C"
    size_class = "small"
    benchmark_consent = True
    benchmark_consent_at = factory.LazyFunction(timezone.now)
    benchmark_consent_version = factory.LazyFunction(benchmark_consent_version)

    @factory.post_generation
    def owner(self, create: bool, extracted: User | bool | None, **kwargs: Any) -> None:
        """The given owner; without one, an owner who confirmed their e-mail address, as every firm
        counted in peer benchmarks has (``owner=False``: none, a firm nobody owns any more)."""
        if not create or extracted is False:
            return
        if extracted is None:
            extracted = User.objects.create(
                email=f"owner-of-firm-{self.pk}@example.com", password="!", email_confirmed_at=timezone.now()
            )
        Membership.objects.create(user=extracted, firm=self, role=Membership.Role.OWNER)

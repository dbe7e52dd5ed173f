from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from assessments.models import Firm, Membership
from readiness.models import User

PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
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

    @factory.post_generation
    def owner(self, create: bool, extracted: User | None, **kwargs: Any) -> None:
        if create and extracted is not None:
            Membership.objects.create(user=extracted, firm=self, role=Membership.Role.OWNER)

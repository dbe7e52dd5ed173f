"""Accounts: a user logs in with an e-mail address; there is no username."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # E-mail addresses are stored lower-case; let people log in however they type theirs.
        return self.get(email__iexact=username or "")

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    # The language last chosen while signed in (or when signing up): pages follow it on every
    # device, and e-mails to this person are written in it. Blank: the browser decides.
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Set when the person follows the link of the confirmation e-mail (``readiness.email_confirmation``);
    # cleared when the address changes. Only firms whose owner confirmed count in peer benchmarks.
    email_confirmed_at = models.DateTimeField(_("e-mail address confirmed"), null=True, blank=True)
    email_confirmation_sent_at = models.DateTimeField(null=True, blank=True)  # to space out resends

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email


class Session(AbstractBaseSession):
    """Django's database session plus the logged-in user (see ``readiness.sessions``)."""

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    @classmethod
    def get_session_store_class(cls) -> Any:
        # The configured engine (``readiness.sessions``), looked up rather than imported: the
        # store reads this model, and a model importing its store would tie the two in a circle.
        return import_string(f"{settings.SESSION_ENGINE}.SessionStore")

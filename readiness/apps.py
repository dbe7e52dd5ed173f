from typing import Any

from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = "Readiness"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import two_factor  # noqa: F401 - connects its sign-in receiver

        user_logged_in.connect(remember_language, dispatch_uid="readiness.remember_language")


def remember_language(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The first sign-in (or the sign-up) keeps the language the person was reading in."""
    from django.conf import settings
    from django.utils import translation

    current = translation.get_language() or ""
    if not user.language and current in dict(settings.LANGUAGES):
        user.language = current
        type(user).objects.filter(pk=user.pk).update(language=current)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # The PDF action plans kept in storage are rebuilt when the texts they show change.
        from questionnaires.signals import content_changed

        from .plan_delivery import content_changed as rebuild_plans

        content_changed.connect(
            lambda sender, **kwargs: rebuild_plans(), dispatch_uid="rebuild-action-plans", weak=False
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "assessments.agencies"
    label = "agencies"
    verbose_name = _("Agencies")

    def ready(self) -> None:
        # The firm's side reaches agency data only through the hooks it offers (its personal-data
        # export, the links on its dashboard): the agencies app plugs into them here, so nothing
        # in ``assessments`` imports this app.
        from . import plugins

        plugins.register()

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
        from django.db.models.signals import pre_delete

        from assessments.models import Firm

        from . import export_files, plugins

        plugins.register()
        # However a firm is deleted (its owner's account, the admin), the agencies' files that hold
        # its data go with it.
        pre_delete.connect(export_files.exports_of_deleted_firm_purge, sender=Firm, dispatch_uid="agencies.exports")

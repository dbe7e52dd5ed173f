from django.urls import path, register_converter

from questionnaires.loader import KNOWN_PILLARS

from . import agency_views, views


class PillarCodeConverter:
    """Only the five pillar codes: the questionnaire page's route can then come first and is
    matched without trying the others (it is the hottest route of the site)."""

    regex = "|".join(KNOWN_PILLARS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PillarCodeConverter, "pillar")

app_name = "assessments"

urlpatterns = [
    path("assessments/<int:assessment_id>/<pillar:pillar_code>/", views.pillar_page, name="pillar"),
    path("", views.dashboard, name="dashboard"),
    path("firm/", views.firm_profile, name="firm_profile"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download.<str:kind>", views.my_data_download, name="my_data_download"),
    path("my-data/delete/", views.account_delete, name="account_delete"),
    path("assessments/start/", views.assessment_start, name="start"),
    path("assessments/<int:assessment_id>/review/", views.review, name="review"),
    path("assessments/<int:assessment_id>/submit/", views.submit, name="submit"),
    path("assessments/<int:assessment_id>/results/", views.results, name="results"),
    path("assessments/<int:assessment_id>/action-plan.pdf", views.action_plan_pdf, name="action_plan_pdf"),
    # A firm's sharing with agencies, and invitations (links and client codes).
    path("sharing/", agency_views.sharing, name="sharing"),
    path("sharing/<int:consent_id>/revoke/", agency_views.consent_revoke, name="consent_revoke"),
    path("invitations/<str:secret>/", agency_views.invitation, name="invitation"),
    # Agencies.
    path("agency/", agency_views.agency_home, name="agency_home"),
    path("agency/<int:agency_id>/", agency_views.agency_dashboard, name="agency_dashboard"),
    path("agency/<int:agency_id>/invite/<str:kind>/", agency_views.agency_invite, name="agency_invite"),
    path("agency/<int:agency_id>/codes/", agency_views.agency_code_create, name="agency_code_create"),
    path(
        "agency/<int:agency_id>/codes/<int:invitation_id>/withdraw/",
        agency_views.agency_code_withdraw,
        name="agency_code_withdraw",
    ),
    path("agency/<int:agency_id>/clients/<int:firm_id>/", agency_views.agency_client, name="agency_client"),
    path(
        "agency/<int:agency_id>/assessments/<int:assessment_id>/results/",
        agency_views.agency_client_results,
        name="agency_client_results",
    ),
    path(
        "agency/<int:agency_id>/assessments/<int:assessment_id>/action-plan.pdf",
        agency_views.agency_client_pdf,
        name="agency_client_pdf",
    ),
    path("agency/<int:agency_id>/export.csv", agency_views.agency_export_csv, name="agency_export_csv"),
    path("agency/<int:agency_id>/export.xlsx", agency_views.agency_export_xlsx, name="agency_export_xlsx"),
    path("agency/<int:agency_id>/action-plans/", agency_views.agency_pdf_zip, name="agency_pdf_zip"),
    path("agency/<int:agency_id>/exports/<int:export_id>/", agency_views.agency_export, name="agency_export"),
]

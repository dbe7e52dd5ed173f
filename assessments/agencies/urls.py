"""The agencies' pages (dashboard, invitations, clients) and a firm's sharing with agencies.

Under ``/app/`` like the firm's own pages (``readiness.urls`` includes both), in their own
namespace: ``agencies:agency_dashboard``.
"""

from django.urls import path

import readiness.converters  # noqa: F401 - registers <id:…>

from . import programme_views, views

app_name = "agencies"

urlpatterns = [
    # A firm's sharing with agencies, and invitations (links and client codes).
    path("sharing/", views.sharing, name="sharing"),
    path("sharing/<id:consent_id>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("sharing/<id:consent_id>/renew/", views.consent_renew, name="consent_renew"),
    path("invitations/<str:secret>/", views.invitation, name="invitation"),
    # Agencies.
    path("agency/", views.agency_home, name="agency_home"),
    path("agency/<id:agency_id>/", views.agency_dashboard, name="agency_dashboard"),
    path("agency/<id:agency_id>/invite/<str:kind>/", views.agency_invite, name="agency_invite"),
    path("agency/<id:agency_id>/codes/", views.agency_code_create, name="agency_code_create"),
    path("agency/<id:agency_id>/two-step/", views.agency_second_factor, name="agency_second_factor"),
    path(
        "agency/<id:agency_id>/codes/<id:invitation_id>/withdraw/",
        views.agency_code_withdraw,
        name="agency_code_withdraw",
    ),
    path("agency/<id:agency_id>/clients/<id:firm_id>/", views.agency_client, name="agency_client"),
    path(
        "agency/<id:agency_id>/clients/<id:firm_id>/measurement/",
        views.agency_client_measurement,
        name="agency_client_measurement",
    ),
    path("agency/<id:agency_id>/clients/<id:firm_id>/services/", views.agency_service_add, name="agency_service_add"),
    path(
        "agency/<id:agency_id>/clients/<id:firm_id>/services/<id:record_id>/delete/",
        views.agency_service_delete,
        name="agency_service_delete",
    ),
    path(
        "agency/<id:agency_id>/assessments/<id:assessment_id>/results/",
        views.agency_client_results,
        name="agency_client_results",
    ),
    path(
        # "evidence/", like the firm's own page beside its results: the results page links "../evidence/".
        "agency/<id:agency_id>/assessments/<id:assessment_id>/evidence/",
        views.agency_client_evidence,
        name="agency_client_evidence",
    ),
    path(
        "agency/<id:agency_id>/assessments/<id:assessment_id>/action-plan.pdf",
        views.agency_client_pdf,
        name="agency_client_pdf",
    ),
    path("agency/<id:agency_id>/export.csv", views.agency_export_csv, name="agency_export_csv"),
    path("agency/<id:agency_id>/export.xlsx", views.agency_export_xlsx, name="agency_export_xlsx"),
    path("agency/<id:agency_id>/services.csv", views.agency_services_csv, name="agency_services_csv"),
    path("agency/<id:agency_id>/api/", views.agency_api_keys, name="agency_api_keys"),
    path("agency/<id:agency_id>/webhooks/", views.agency_webhook_add, name="agency_webhook_add"),
    path(
        "agency/<id:agency_id>/webhooks/<id:webhook_id>/disable/",
        views.agency_webhook_disable,
        name="agency_webhook_disable",
    ),
    path("agency/<id:agency_id>/impact/", views.agency_impact, name="agency_impact"),
    path("agency/<id:agency_id>/impact.csv", views.agency_impact_csv, name="agency_impact_csv"),
    path("agency/<id:agency_id>/impact.xlsx", views.agency_impact_xlsx, name="agency_impact_xlsx"),
    path("agency/<id:agency_id>/impact.pdf", views.agency_impact_pdf, name="agency_impact_pdf"),
    path("agency/<id:agency_id>/api/<id:token_id>/revoke/", views.agency_api_key_revoke, name="agency_api_key_revoke"),
    path("agency/<id:agency_id>/action-plans/", views.agency_pdf_zip, name="agency_pdf_zip"),
    path("agency/<id:agency_id>/exports/<id:export_id>/", views.agency_export, name="agency_export"),
    path("agency/<id:agency_id>/programmes/", programme_views.agency_programmes, name="agency_programmes"),
    path(
        "agency/<id:agency_id>/programmes/<id:programme_id>/leave/",
        programme_views.agency_programme_leave,
        name="agency_programme_leave",
    ),
    # National programmes: aggregates across member agencies, for the programme's staff.
    path("programme/", programme_views.programme_list, name="programme_list"),
    path("programme/<id:programme_id>/", programme_views.programme_dashboard, name="programme_dashboard"),
    path("programme/<id:programme_id>/join-code/", programme_views.programme_join_code, name="programme_join_code"),
    path(
        "programme/<id:programme_id>/agencies/<id:agency_id>/remove/",
        programme_views.programme_agency_remove,
        name="programme_agency_remove",
    ),
]

from django.urls import path, register_converter

import readiness.converters  # noqa: F401 - registers <id:…>
from questionnaires.loader import KNOWN_PILLARS

from . import views


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
    path("assessments/<id:assessment_id>/<pillar:pillar_code>/", views.pillar_page, name="pillar"),
    path("", views.dashboard, name="dashboard"),
    path("firm/", views.firm_profile, name="firm_profile"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download.<str:kind>", views.my_data_download, name="my_data_download"),
    path("my-data/delete/", views.account_delete, name="account_delete"),
    path("assessments/start/", views.assessment_start, name="start"),
    path("assessments/<id:assessment_id>/review/", views.review, name="review"),
    path("assessments/<id:assessment_id>/submit/", views.submit, name="submit"),
    path("assessments/<id:assessment_id>/results/", views.results, name="results"),
    path("assessments/<id:assessment_id>/action-plan.pdf", views.action_plan_pdf, name="action_plan_pdf"),
]

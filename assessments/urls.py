from django.urls import path, register_converter

import readiness.converters  # noqa: F401 - registers <id:…>
from questionnaires.loader import KNOWN_PILLARS

from . import views
from .team import views as team_views


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
    path("assessments/<id:assessment_id>/evidence/", views.evidence, name="evidence"),
    # Team assessment: the firm's side, then the respondent's.
    path("assessments/<id:assessment_id>/team/", team_views.team, name="team"),
    path("assessments/<id:assessment_id>/team/close/", team_views.round_close, name="team_close"),
    path("assessments/<id:assessment_id>/team/agree/", team_views.team_agree, name="team_agree"),
    path(
        "assessments/<id:assessment_id>/team/respondents/<id:respondent_id>/remove/",
        team_views.respondent_remove,
        name="team_respondent_remove",
    ),
    path(
        "assessments/<id:assessment_id>/team/respondents/<id:respondent_id>/resend/",
        team_views.respondent_resend,
        name="team_respondent_resend",
    ),
    path("team/join/<str:token>/", team_views.team_join, name="team_join"),
    path("team/<id:respondent_id>/", team_views.respondent_home, name="respondent_home"),
    path("team/<id:respondent_id>/<pillar:pillar_code>/", team_views.respondent_pillar, name="respondent_pillar"),
]

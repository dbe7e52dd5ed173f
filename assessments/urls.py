from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("firm/", views.firm_profile, name="firm_profile"),
    path("assessments/start/", views.assessment_start, name="start"),
    path("assessments/<int:assessment_id>/review/", views.review, name="review"),
    path("assessments/<int:assessment_id>/submit/", views.submit, name="submit"),
    path("assessments/<int:assessment_id>/results/", views.results, name="results"),
    path("assessments/<int:assessment_id>/<slug:pillar_code>/", views.pillar_page, name="pillar"),
]

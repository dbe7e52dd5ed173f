from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import readiness.converters  # noqa: F401 - registers <id:…>

from . import views

app_name = "api"

urlpatterns = [
    path("clients/", views.ClientList.as_view(), name="clients"),
    path("clients/<id:firm_id>/assessments/", views.ClientAssessments.as_view(), name="client_assessments"),
    path("measurements/", views.MeasurementList.as_view(), name="measurements"),
    path("services/", views.ServiceList.as_view(), name="services"),
    # The schema and its docs, served by the site (Swagger UI's files come from the sidecar package).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]

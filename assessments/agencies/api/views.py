"""The API's endpoints: consenting clients, their assessments, T0/T1 pairs, the service log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.models import Answer, Assessment, Firm, PillarScore, trust_level
from assessments.selectors import answers_of
from questionnaires.dma import dma_scores
from questionnaires.selectors import dma_mapping_for, version_content

from .. import access_log, selectors
from ..models import AccessLogEntry, ApiCall, ApiToken, ServiceRecord, SupportMeasurement
from . import serializers
from .auth import AgencyKeyAuthentication, HasScope, KeyRateThrottle


class ById(CursorPagination):
    """Opaque cursors over ids: a page costs the same deep in a long list (no OFFSET)."""

    ordering = "id"
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 1000


class AgencyApiView(GenericAPIView):
    """Every endpoint: an agency key with the endpoint's scope, the agency's consenting clients
    only, the call recorded and each client reached told in its access log."""

    authentication_classes = [AgencyKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [KeyRateThrottle]
    required_scope = ""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.reached: list[tuple[int, int | None]] = []  # (firm id, its latest assessment id)
        super().initial(request, *args, **kwargs)

    @property
    def token(self) -> ApiToken:
        return self.request.auth  # type: ignore[return-value]

    def clients(self) -> QuerySet[Firm]:
        return selectors.api_clients(self.token.agency)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        token = request.auth
        if isinstance(token, ApiToken):
            reached = getattr(self, "reached", [])
            ApiCall.objects.create(
                token=token, method=request.method, path=request.get_full_path()[:300], status=response.status_code,
                firms=len(reached),
            )  # fmt: skip
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
            if reached and response.status_code == 200:
                # One INSERT ... SELECT, not a thousand model instances: half of a page's time otherwise.
                firms = Firm.objects.filter(pk__in=[firm_id for firm_id, _latest in reached])
                access_log.access_log_record_query(
                    agency=token.agency,
                    user=None,
                    firms=firms.values_list("pk", "summary__latest_id"),
                    action=AccessLogEntry.Action.API,
                )
        return response


@extend_schema(responses=serializers.ClientSerializer(many=True))
class ClientList(AgencyApiView):
    """The agency's consenting clients, with their latest assessment's overall score."""

    required_scope = ApiToken.Scope.CLIENTS
    pagination_class = ById
    serializer_class = serializers.ClientSerializer

    def get(self, request: Request) -> Response:
        # Plain rows, not model instances: a page of 1,000 is read in a third of the time.
        page = self.paginate_queryset(self.clients().order_by("id").values(*CLIENT_FIELDS))
        self.reached = [(row["id"], row["latest_assessment_id"]) for row in page]
        for row in page:
            row["latest_level"] = row["latest_level"] or ""
        return self.get_paginated_response(page)


CLIENT_FIELDS = (
    "id", "name", "country", "sector", "size_class", "region", "consent_since", "latest_assessment_id",
    "latest_submitted_at", "latest_score", "latest_level", "questionnaire_version",
)  # fmt: skip


def assessment_rows(assessments: Iterable[Assessment]) -> list[dict[str, Any]]:
    """Assessments with their pillar scores and DMA scores (two queries, then one per DMA)."""
    assessments = list(assessments)
    pillars: dict[int, dict[str, float | None]] = {}
    for assessment_id, code, score in PillarScore.objects.filter(assessment__in=assessments).values_list(
        "assessment_id", "pillar_code", "score"
    ):
        pillars.setdefault(assessment_id, {})[code] = score
    trust: dict[int, dict[str, str]] = {}
    for assessment_id, code, verified_at, evidence in (
        Answer.objects.filter(assessment__in=assessments)
        .exclude(choice_codes=[])
        .values_list("assessment_id", "question__code", "verified_at", "evidence")
    ):
        trust.setdefault(assessment_id, {})[code] = trust_level(verified_at, evidence)
    rows = []
    for assessment in assessments:
        mapping = dma_mapping_for(assessment.version_id, assessment.version.label)
        dma = None
        if mapping is not None:
            result = dma_scores(
                mapping, version_content(assessment.version_id).spec.questions(), answers_of(assessment)
            )
            dma = {
                "mapping": mapping.label,
                "dimensions": {d.code: d.score for d in result.dimensions},
                "coverage": {d.code: d.coverage for d in result.dimensions},
                "average": result.average,
            }
        rows.append(
            {
                "id": assessment.pk,
                "firm_id": assessment.firm_id,
                "questionnaire_version": assessment.version.label,
                "submitted_at": assessment.submitted_at,
                "overall_score": assessment.overall_score,
                "overall_level": assessment.overall_level or "",
                "pillars": pillars.get(assessment.pk, {}),
                "dma": dma,
                "answer_trust": trust.get(assessment.pk, {}),
            }
        )
    return rows


@extend_schema(responses=serializers.AssessmentSerializer(many=True))
class ClientAssessments(AgencyApiView):
    """One consenting client's submitted assessments, newest first, with pillar and DMA scores."""

    required_scope = ApiToken.Scope.ASSESSMENTS
    serializer_class = serializers.AssessmentSerializer

    def get(self, request: Request, firm_id: int) -> Response:
        firm = self.clients().filter(pk=firm_id).first()
        if firm is None:
            raise Http404("No such client.")
        assessments = list(selectors.client_history(firm))
        self.reached = [(firm.pk, assessments[0].pk if assessments else None)]
        return Response(serializers.AssessmentSerializer(assessment_rows(assessments), many=True).data)


@extend_schema(responses=serializers.MeasurementSerializer(many=True))
class MeasurementList(AgencyApiView):
    """T0/T1 pairs of consenting clients: the assessments before and after the agency's support."""

    required_scope = ApiToken.Scope.MEASUREMENTS
    pagination_class = type("MeasurementPages", (ById,), {"page_size": 100, "max_page_size": 200})
    serializer_class = serializers.MeasurementSerializer

    def get(self, request: Request) -> Response:
        marked = SupportMeasurement.objects.filter(agency=self.token.agency, firm__in=self.clients()).select_related(
            "t0__version", "t1__version"
        )
        page = self.paginate_queryset(marked.order_by("id"))
        self.reached = [(m.firm_id, (m.t1_id or m.t0_id)) for m in page]
        scored = {row["id"]: row for row in assessment_rows([a for m in page for a in (m.t0, m.t1) if a])}
        rows = [
            {
                "id": m.pk,
                "firm_id": m.firm_id,
                "t0": scored[m.t0_id],
                "t1": scored.get(m.t1_id) if m.t1_id else None,
                "t0_marked_at": m.t0_marked_at,
                "t1_marked_at": m.t1_marked_at,
            }
            for m in page
        ]
        return self.get_paginated_response(serializers.MeasurementSerializer(rows, many=True).data)


@extend_schema(responses=serializers.ServiceSerializer(many=True))
class ServiceList(AgencyApiView):
    """The services the agency recorded for its consenting clients."""

    required_scope = ApiToken.Scope.SERVICES
    pagination_class = ById
    serializer_class = serializers.ServiceSerializer

    def get(self, request: Request) -> Response:
        records = ServiceRecord.objects.filter(agency=self.token.agency, firm__in=self.clients())
        page = self.paginate_queryset(records.order_by("id"))
        self.reached = list(dict.fromkeys((record.firm_id, None) for record in page))
        rows = [
            {
                "id": r.pk,
                "firm_id": r.firm_id,
                "delivered_on": r.delivered_on,
                "kind": r.kind,
                "hours": r.hours,
                "value_eur": r.value_eur,
                "note": r.note,
            }
            for r in page
        ]
        return self.get_paginated_response(serializers.ServiceSerializer(rows, many=True).data)

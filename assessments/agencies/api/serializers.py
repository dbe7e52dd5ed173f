"""What the API returns, field by field (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from rest_framework import serializers


class ClientSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The firm's id: stable, used by the other endpoints.")
    name = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    sector = serializers.CharField(help_text="NACE Rev. 2 section letter.")
    size_class = serializers.CharField(help_text="micro, small, medium or large.")
    region = serializers.CharField(allow_blank=True)
    consent_since = serializers.DateTimeField(help_text="When the firm agreed to share with the agency.")
    latest_assessment_id = serializers.IntegerField(allow_null=True)
    latest_submitted_at = serializers.DateTimeField(allow_null=True)
    latest_score = serializers.FloatField(allow_null=True, help_text="Overall score, 0-100.")
    latest_level = serializers.CharField(allow_blank=True)
    questionnaire_version = serializers.CharField(allow_null=True)


class DmaSerializer(serializers.Serializer):
    mapping = serializers.CharField(help_text="The DMA mapping's label (content/dma-<version>.yaml).")
    dimensions = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="Dimension code to score (0-100) or null."
    )
    coverage = serializers.DictField(
        child=serializers.FloatField(), help_text="Share of each dimension's DMA items the questions observe."
    )
    average = serializers.FloatField(allow_null=True)


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    firm_id = serializers.IntegerField()
    questionnaire_version = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    overall_score = serializers.FloatField(allow_null=True)
    overall_level = serializers.CharField(allow_blank=True)
    pillars = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text="Pillar code to score.")
    dma = DmaSerializer(allow_null=True, help_text="Null for a questionnaire version without a DMA mapping.")
    answer_trust = serializers.DictField(
        child=serializers.ChoiceField(choices=["self_declared", "evidence", "verified"]),
        help_text=(
            "Question code to the answer's trust level: self-declared, evidence noted by the firm, "
            "or verified by an advisor of a consenting agency during a visit."
        ),
    )


class MeasurementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    firm_id = serializers.IntegerField()
    t0 = AssessmentSerializer(help_text="The assessment before support.")
    t1 = AssessmentSerializer(allow_null=True, help_text="The assessment after support, once marked.")
    t0_marked_at = serializers.DateTimeField()
    t1_marked_at = serializers.DateTimeField(allow_null=True)


class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    firm_id = serializers.IntegerField()
    delivered_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=["test_before_invest", "skills_training", "investment_support", "ecosystem"])
    hours = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    value_eur = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    note = serializers.CharField(allow_blank=True)

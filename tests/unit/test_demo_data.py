"""Demo data is generated, labelled, and scored by the real method."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from assessments.demo import DEMO_EMAIL, DEMO_PASSWORD
from assessments.models import Assessment, Firm
from assessments.services import assessment_scores
from questionnaires.models import QuestionnaireVersion

pytestmark = pytest.mark.django_db


def test_generates_a_labelled_population_once(
    version: QuestionnaireVersion, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("generate_demo_data", "--firms", "30", "--seed", "7")
    out = capsys.readouterr().out
    assert "30 demo firms" in out and DEMO_EMAIL in out and DEMO_PASSWORD in out
    assert Firm.objects.count() == Firm.objects.filter(is_demo=True, name__startswith="Demo firm").count() == 30
    total = Assessment.objects.count()
    assert total >= 30
    call_command("generate_demo_data", "--firms", "30")
    assert Firm.objects.count() == 30 and Assessment.objects.count() == total
    assert len({firm.size_class for firm in Firm.objects.all()}) > 1


def test_stored_scores_are_those_the_method_computes(version: QuestionnaireVersion) -> None:
    call_command("generate_demo_data", "--firms", "10")
    for assessment in Assessment.objects.all():
        assert assessment.is_submitted
        assert assessment_scores(assessment).overall == assessment.overall_score


def test_demo_login_sees_its_labelled_firm(version: QuestionnaireVersion) -> None:
    call_command("generate_demo_data", "--firms", "5")
    client = Client()
    assert client.post(reverse("login"), {"username": DEMO_EMAIL, "password": DEMO_PASSWORD}).status_code == 302
    assert "Demo data" in client.get(reverse("assessments:dashboard")).content.decode()


def test_refuses_without_a_questionnaire(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Load a questionnaire first"):
        call_command("generate_demo_data")

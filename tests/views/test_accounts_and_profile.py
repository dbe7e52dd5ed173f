"""Accounts, the firm profile, public pages and the admin."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessments.models import Firm, Membership
from questionnaires.models import QuestionnaireVersion
from readiness.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = {
    "name": "Bakery Rossi",
    "country": "IT",
    "sector": "C",
    "size_class": "micro",
    "region": "Friuli",
    "benchmark_consent": "no",
}


class TestAccounts:
    def test_sign_up_logs_in_and_asks_for_the_firm(self) -> None:
        client = Client()
        response = client.post(
            reverse("signup"), {"email": "New@Example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
        assert response["Location"] == reverse("assessments:firm_profile")
        assert User.objects.filter(email="new@example.com").exists()
        assert client.get(reverse("assessments:dashboard"))["Location"] == reverse("assessments:firm_profile")

    def test_sign_up_refuses_a_taken_address_whatever_its_case(self) -> None:
        UserFactory(email="taken@example.com")
        response = Client().post(
            reverse("signup"), {"email": "TAKEN@example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
        assert "already exists" in response.content.decode()
        assert User.objects.count() == 1

    def test_sign_up_refuses_a_weak_password(self) -> None:
        response = Client().post(
            reverse("signup"), {"email": "a@example.com", "password1": "12345678", "password2": "12345678"}
        )
        assert response.status_code == 200 and "too common" in response.content.decode()
        assert not User.objects.exists()

    def test_log_in_with_any_case_and_log_out(self) -> None:
        UserFactory(email="mixed@example.com")
        client = Client()
        response = client.post(reverse("login"), {"username": "Mixed@Example.com", "password": PASSWORD})
        assert response.status_code == 302
        assert client.post(reverse("logout")).status_code == 302
        assert client.get(reverse("assessments:dashboard")).status_code == 302

    def test_wrong_password_is_a_form_error(self) -> None:
        UserFactory(email="who@example.com")
        response = Client().post(reverse("login"), {"username": "who@example.com", "password": "wrong"})
        assert response.status_code == 200 and "correct" in response.content.decode()

    def test_password_reset_by_e_mail(self) -> None:
        UserFactory(email="forgot@example.com")
        client = Client()
        response = client.post(reverse("password_reset"), {"email": "forgot@example.com"})
        assert response.status_code == 302
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["forgot@example.com"]
        link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
        form_url = client.get(link)["Location"]
        new = "an entirely new passphrase 7"
        response = client.post(form_url, {"new_password1": new, "new_password2": new})
        assert response.status_code == 302
        assert client.post(reverse("login"), {"username": "forgot@example.com", "password": new}).status_code == 302


class TestFirmProfile:
    def test_consent_is_not_pre_ticked(self, owner_client: Client) -> None:
        html = owner_client.get(reverse("assessments:firm_profile")).content.decode()
        radios = re.findall(r'<input[^>]*name="benchmark_consent"[^>]*>', html)
        assert len(radios) == 2 and not any("checked" in radio for radio in radios)

    def test_consent_must_be_chosen(self, owner_client: Client) -> None:
        response = owner_client.post(reverse("assessments:firm_profile"), {**PROFILE, "benchmark_consent": ""})
        assert "Please choose whether your results may count" in response.content.decode()
        assert not Firm.objects.exists()

    def test_create_records_the_consent_time_and_membership(self, owner_client: Client, owner: User) -> None:
        response = owner_client.post(reverse("assessments:firm_profile"), PROFILE)
        assert response.status_code == 302
        firm = Firm.objects.get()
        assert firm.benchmark_consent is False and firm.benchmark_consent_at is not None
        assert Membership.objects.get(firm=firm).user == owner

    def test_changing_consent_updates_its_time(self, owner_client: Client) -> None:
        owner_client.post(reverse("assessments:firm_profile"), PROFILE)
        first = Firm.objects.get().benchmark_consent_at
        owner_client.post(reverse("assessments:firm_profile"), {**PROFILE, "benchmark_consent": "yes"})
        firm = Firm.objects.get()
        assert firm.benchmark_consent is True and firm.benchmark_consent_at > first
        html = owner_client.get(reverse("assessments:firm_profile")).content.decode()
        assert re.search(r'value="yes"[^>]*checked', html)

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("name", "", "This field is required"),
            ("name", "x" * 201, "at most 200 characters"),
            ("country", "XX", "Select a valid choice"),
            ("sector", "Z", "Select a valid choice"),
            ("size_class", "huge", "Select a valid choice"),
            ("benchmark_consent", "maybe", "Select a valid choice"),
        ],
    )
    def test_invalid_profile_is_a_form_error(self, owner_client: Client, field: str, value: str, message: str) -> None:
        response = owner_client.post(reverse("assessments:firm_profile"), {**PROFILE, field: value})
        assert response.status_code == 200 and message in response.content.decode()
        assert not Firm.objects.exists()

    def test_each_user_edits_only_their_own_firm(self, firm: Firm, outsider_client: Client) -> None:
        outsider_client.post(reverse("assessments:firm_profile"), {**PROFILE, "name": "Renamed"})
        firm.refresh_from_db()
        assert firm.name != "Renamed"


class TestPublicPages:
    def test_home_methodology_and_health(self, version: QuestionnaireVersion) -> None:
        client = Client()
        assert "15 minutes" in client.get(reverse("home")).content.decode()
        html = client.get(reverse("methodology")).content.decode()
        for text in (
            "Not applicable",
            "Don't know",
            "Beginner",
            "Leading",
            "not enough answers",
            "Cybersecurity",
            "test-1",
        ):
            assert text in html
        assert client.get(reverse("healthz")).content == b"ok"

    def test_methodology_without_any_questionnaire(self, db: None) -> None:
        assert "No questionnaire has been published yet" in Client().get(reverse("methodology")).content.decode()


class TestAdmin:
    def test_published_versions_are_read_only(self, version: QuestionnaireVersion, client_for) -> None:  # type: ignore[no-untyped-def]
        staff = User.objects.create_superuser("staff@example.com", PASSWORD)
        client = client_for(staff)
        url = reverse("admin:questionnaires_questionnaireversion_change", args=[version.pk])
        html = client.get(url).content.decode()
        assert 'name="_save"' not in html
        assert client.post(url, {"label": "hacked"}).status_code == 403
        question = version.questions.first()
        assert client.post(reverse("admin:questionnaires_question_change", args=[question.pk]), {}).status_code == 403
        version.refresh_from_db()
        assert version.label == "test-1"

    def test_firms_and_assessments_are_listed(self, draft, client_for) -> None:  # type: ignore[no-untyped-def]
        staff = User.objects.create_superuser("staff@example.com", PASSWORD)
        client = client_for(staff)
        assert draft.firm.name in client.get(reverse("admin:assessments_firm_changelist")).content.decode()
        assert client.get(reverse("admin:assessments_assessment_change", args=[draft.pk])).status_code == 200


def test_error_pages_explain_themselves(db: None) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()

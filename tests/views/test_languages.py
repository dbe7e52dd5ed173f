"""The site in English, French and Spanish: the switcher, the questionnaire, results and the
PDF in the chosen language, fallback to English, and translations added to loaded content."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.models import Assessment
from questionnaires import content_texts
from questionnaires.actions import action_set_load
from questionnaires.loader import ContentError
from questionnaires.models import QuestionnaireVersion
from questionnaires.policies import policy_examples_load
from questionnaires.selectors import version_content
from questionnaires.services import questionnaire_version_load
from tests.factories import FirmFactory, UserFactory
from tests.helpers import REAL_QUESTIONNAIRE, SMALL_QUESTIONNAIRE, answer_everything, download_action_plan, pdf_text

pytestmark = pytest.mark.django_db

CONTENT = REAL_QUESTIONNAIRE.parent


def switch(client: Client, language: str, next_url: str = "/") -> None:
    response = client.post(reverse("set_language"), {"language": language, "next": next_url})
    assert response.status_code == 302


@pytest.fixture
def real_content() -> QuestionnaireVersion:
    version = questionnaire_version_load(path=REAL_QUESTIONNAIRE).version
    policy_examples_load(path=CONTENT / "policy-examples-2026.1.yaml")
    action_set_load(path=CONTENT / "actions-2026.1.yaml")
    return version


@pytest.fixture
def real_submitted(real_content: QuestionnaireVersion) -> tuple[Client, Assessment]:
    """A firm that answered every question of the real questionnaire (the second option) and submitted."""
    user = UserFactory(email="owner@example.com")
    firm = FirmFactory(owner=user)
    assessment = services.assessment_start(firm=firm, user=user)
    spec = version_content(assessment.version_id).spec.questions()
    answers = {}
    for code, question in spec.items():
        options = [c.code for c in question.choices if c.kind == "option"]
        answers[code] = options[:2] if question.kind == "checklist" else [options[min(1, len(options) - 1)]]
    services.assessment_save_answers(assessment=assessment, answers=answers)
    services.assessment_submit(assessment=assessment, user=user)
    client = Client()
    client.force_login(user, backend="readiness.backends.EmailBackend")
    return client, assessment


class TestSwitcher:
    @pytest.mark.parametrize(
        ("language", "phrase"), [("fr", "Commencer l'évaluation"), ("es", "Empezar la evaluación")]
    )
    def test_the_choice_changes_the_interface_and_is_remembered_for_a_year(self, language: str, phrase: str) -> None:
        client = Client()
        assert "Start the assessment" in client.get("/").content.decode()
        switch(client, language)
        cookie = client.cookies[settings.LANGUAGE_COOKIE_NAME]
        assert cookie.value == language and int(cookie["max-age"]) >= 364 * 24 * 3600
        html = client.get("/").content.decode()
        assert f'<html lang="{language}">' in html and phrase in html

    def test_every_page_offers_the_three_languages_by_their_own_names(self) -> None:
        html = Client().get("/").content.decode()
        switcher = re.search(r'<form[^>]*class="language-switcher".*?</form>', html, re.S)
        assert switcher
        for name in ("English", "Français", "Español"):
            assert name in switcher.group(0)
        assert re.search(r'aria-current="true"><abbr title="English">EN</abbr>', switcher.group(0))

    @pytest.mark.parametrize("language", ["xx", "", "fr" * 50])
    def test_an_unknown_language_changes_nothing(self, language: str) -> None:
        client = Client()
        response = client.post(reverse("set_language"), {"language": language, "next": "/"})
        assert response.status_code == 302
        assert '<html lang="en">' in client.get("/").content.decode()

    def test_the_switcher_never_redirects_off_site(self) -> None:
        response = Client().post(reverse("set_language"), {"language": "fr", "next": "https://evil.example/"})
        assert response["Location"] == "/"


class TestContentInTheChosenLanguage:
    def test_the_questionnaire_page_in_french_and_spanish(self, real_content: QuestionnaireVersion) -> None:
        user = UserFactory(email="owner@example.com")
        assessment = services.assessment_start(firm=FirmFactory(owner=user), user=user)
        client = Client()
        client.force_login(user, backend="readiness.backends.EmailBackend")
        url = reverse("assessments:pillar", kwargs={"assessment_id": assessment.pk, "pillar_code": "skills"})
        english = client.get(url).content.decode()
        assert "How many people in your firm can do everyday digital tasks" in english
        switch(client, "fr")
        french = client.get(url).content.decode()
        assert "Combien de personnes dans votre entreprise savent effectuer seules" in french
        assert "Je ne sais pas" in french and "Compétences numériques" in french
        assert "Enregistrer" in french  # the interface around the content too
        switch(client, "es")
        spanish = client.get(url).content.decode()
        assert "¿Cuántas personas de su empresa pueden realizar tareas digitales" in spanish
        assert "No lo sé" in spanish

    def test_results_and_pdf_in_french_with_french_numbers_and_dates(
        self, real_submitted: tuple[Client, Assessment]
    ) -> None:
        client, assessment = real_submitted
        switch(client, "fr")
        results = client.get(reverse("assessments:results", kwargs={"assessment_id": assessment.pk}))
        html = results.content.decode()
        assert "Score global" in html and "Cybersécurité" in html
        assessment.refresh_from_db()
        assert f"{assessment.overall_score:.1f}".replace(".", ",") in html  # a decimal comma
        pdf = download_action_plan(
            client, reverse("assessments:action_plan_pdf", kwargs={"assessment_id": assessment.pk})
        )
        text = pdf_text(b"".join(pdf.streaming_content))
        assert "Compétences numériques" in text and "Transition écologique" in text
        assert re.search(r"Page \d+ sur \d+", text)
        english_title = "Name one person to set up and fix your digital tools"
        assert english_title not in text

    def test_a_text_without_a_translation_falls_back_to_english(self, version: QuestionnaireVersion) -> None:
        user = UserFactory(email="owner@example.com")
        assessment = services.assessment_start(firm=FirmFactory(owner=user), user=user)
        client = Client()
        client.force_login(user, backend="readiness.backends.EmailBackend")
        switch(client, "fr")
        url = reverse("assessments:pillar", kwargs={"assessment_id": assessment.pk, "pillar_code": "skills"})
        html = client.get(url).content.decode()
        question = version_content(version.pk).pillar("skills").questions[0]
        assert question.text["en"] in html and "fr" not in question.text  # the small questionnaire is English only
        assert "Enregistrer" in html  # while the interface is French


class TestTranslationsOfLoadedContent:
    def translated_copy(self, tmp_path: Path, prefix: str = "FR") -> Path:
        source = SMALL_QUESTIONNAIRE.read_text(encoding="utf-8")
        fields = content_texts.text_fields(source)
        merged = content_texts.merge(source, "fr", {f.id: f"{prefix} {f.texts['en']}" for f in fields})
        target = tmp_path / f"questionnaire-small-{prefix}.yaml"
        target.write_text(merged, encoding="utf-8")
        return target

    def test_a_running_process_serves_translations_loaded_after_it_cached_the_content(
        self, draft: Assessment, owner_client: Client, tmp_path: Path
    ) -> None:
        """Every process caches the content; another process (the loader) updates the texts in
        place. Pages, results and the PDF must follow at once, and no PDF may be stored under the
        new texts' name with the old texts in it."""
        switch(owner_client, "fr")
        page_url = reverse("assessments:pillar", kwargs={"assessment_id": draft.pk, "pillar_code": "skills"})
        question = version_content(draft.version_id).pillar("skills").questions[0].text["en"]
        page = owner_client.get(page_url)
        assert page.status_code == 200 and question in page.content.decode()  # cached, in English
        assert questionnaire_version_load(path=self.translated_copy(tmp_path)).action == "translations updated"
        page = owner_client.get(page_url)
        assert page.status_code == 200 and f"FR {question}" in page.content.decode()

        answer_everything(owner_client, draft)
        assert owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk})).status_code == 302
        results_url = reverse("assessments:results", kwargs={"assessment_id": draft.pk})
        pdf_url = reverse("assessments:action_plan_pdf", kwargs={"assessment_id": draft.pk})
        title = version_content(draft.version_id).pillar("skills").title["en"]
        results = owner_client.get(results_url)
        assert results.status_code == 200 and f"FR {title}" in results.content.decode()  # cached body and content
        pdf = download_action_plan(owner_client, pdf_url)
        assert f"FR {title}" in pdf_text(b"".join(pdf.streaming_content))
        assert questionnaire_version_load(path=self.translated_copy(tmp_path, "FR2")).action == "translations updated"
        results = owner_client.get(results_url)
        assert results.status_code == 200 and f"FR2 {title}" in results.content.decode()
        pdf = download_action_plan(owner_client, pdf_url)
        text = pdf_text(b"".join(pdf.streaming_content))
        assert f"FR2 {title}" in text and f"FR {title}" not in text

    def test_translations_are_added_to_a_published_version_in_place(
        self, version: QuestionnaireVersion, tmp_path: Path
    ) -> None:
        outcome = questionnaire_version_load(path=self.translated_copy(tmp_path))
        assert outcome.action == "translations updated" and outcome.version.pk == version.pk
        version.refresh_from_db()
        assert version.texts_revision == 1 and version.title["fr"].startswith("FR ")
        assert questionnaire_version_load(path=self.translated_copy(tmp_path)).action == "unchanged"

    def test_changing_the_english_still_needs_a_new_version(
        self, version: QuestionnaireVersion, tmp_path: Path
    ) -> None:
        changed = tmp_path / "changed.yaml"
        source = self.translated_copy(tmp_path).read_text(encoding="utf-8")
        changed.write_text(source.replace("en: Test questionnaire", "en: Another questionnaire"), encoding="utf-8")
        with pytest.raises(ContentError, match="cannot change"):
            questionnaire_version_load(path=changed)

    def test_updated_translations_give_results_and_pdfs_a_new_identity(
        self, real_submitted: tuple[Client, Assessment], tmp_path: Path
    ) -> None:
        from assessments import pdf, selectors

        _client, assessment = real_submitted
        user = assessment.created_by
        before = pdf.document_identity(selectors.results_page_state(user, assessment.pk), "fr")
        catalogue = tmp_path / "policy-examples.yaml"
        source = (CONTENT / "policy-examples-2026.1.yaml").read_text(encoding="utf-8")
        catalogue.write_text(source.replace('fr: "', 'fr: "Nouveau : ', 1), encoding="utf-8")
        assert policy_examples_load(path=catalogue)[1] == "translations updated"
        after = pdf.document_identity(selectors.results_page_state(user, assessment.pk), "fr")
        assert before != after

    def test_the_missing_translations_report(self, version: QuestionnaireVersion, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        call_command("content_translations", "missing")
        report = capsys.readouterr().out
        total = len(content_texts.text_fields(SMALL_QUESTIONNAIRE.read_text(encoding="utf-8")))
        assert re.search(rf"questionnaire\s+test-1\s+fr\s+0/{total}\s+{total}", report)
        assert re.search(rf"questionnaire\s+test-1\s+es\s+0/{total}\s+{total}", report)
        with pytest.raises(CommandError, match="translations are missing"):
            call_command("content_translations", "missing", "--language", "fr", "--fail-if-missing")
        questionnaire_version_load(path=self.translated_copy(tmp_path))
        call_command("content_translations", "missing", "--language", "fr", "--fail-if-missing")
        assert re.search(rf"test-1\s+fr\s+{total}/{total}\s+0", capsys.readouterr().out)

    def test_export_then_import_round_trip(self, tmp_path: Path) -> None:
        content = tmp_path / "questionnaire.yaml"
        content.write_text(SMALL_QUESTIONNAIRE.read_text(encoding="utf-8"), encoding="utf-8")
        exported = tmp_path / "todo.json"
        call_command("content_translations", "export", str(content), "es", str(exported))
        todo = json.loads(exported.read_text(encoding="utf-8"))
        assert todo and all(isinstance(text, str) for text in todo.values())
        exported.write_text(json.dumps({key: f"ES {text}" for key, text in todo.items()}), encoding="utf-8")
        call_command("content_translations", "import", str(content), "es", str(exported))
        merged = content.read_text(encoding="utf-8")
        assert not content_texts.missing(content_texts.text_fields(merged), "es")
        # The English, and so the version, is untouched.
        from questionnaires.loader import parse_questionnaire_file

        assert (
            parse_questionnaire_file(content).content_hash()
            == parse_questionnaire_file(SMALL_QUESTIONNAIRE).content_hash()
        )

    @pytest.mark.parametrize(
        "payload", [{"no.such.text": "x"}, {"title": ""}, {"title": ["a list"]}, ["not", "an", "object"]]
    )
    def test_a_bad_import_changes_nothing(self, tmp_path: Path, payload: object) -> None:
        content = tmp_path / "questionnaire.yaml"
        original = SMALL_QUESTIONNAIRE.read_text(encoding="utf-8")
        content.write_text(original, encoding="utf-8")
        incoming = tmp_path / "in.json"
        incoming.write_text(json.dumps(payload), encoding="utf-8")
        with pytest.raises(CommandError):
            call_command("content_translations", "import", str(content), "fr", str(incoming))
        assert content.read_text(encoding="utf-8") == original


class TestTheAccountsLanguage:
    """The language chosen while signed in follows the account: other devices, and e-mails."""

    def sign_in(self, user: object) -> Client:
        client = Client()
        client.force_login(user, backend="readiness.backends.EmailBackend")
        return client

    def test_a_choice_made_signed_in_applies_on_another_device(self) -> None:
        user = UserFactory(email="owner@example.com")
        switch(self.sign_in(user), "es")
        user.refresh_from_db()
        assert user.language == "es"
        other_device = self.sign_in(user)  # no language cookie there
        response = other_device.get("/")
        assert '<html lang="es">' in response.content.decode()
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"  # and it remembers from now on

    def test_signing_up_keeps_the_language_chosen_before(self) -> None:
        client = Client()
        switch(client, "fr")
        password = "a-long-Pass-2026"
        client.post(reverse("signup"), {"email": "new@example.com", "password1": password, "password2": password})
        from readiness.models import User

        assert User.objects.get(email="new@example.com").language == "fr"

    def test_the_password_reset_e_mail_is_in_the_accounts_language(self) -> None:
        from django.core import mail

        user = UserFactory(email="owner@example.com")
        user.language = "fr"
        user.save()
        Client().post(reverse("password_reset"), {"email": "owner@example.com"})  # asked from an English page
        assert len(mail.outbox) == 1
        assert "mot de passe" in mail.outbox[0].subject.lower()

    def test_an_invitation_goes_out_in_the_invitees_language(self) -> None:
        from django.core import mail

        from assessments.agencies.services import agency_create, invitation_send

        invitee = UserFactory(email="firm@example.com")
        invitee.language = "es"
        invitee.save()
        advisor = UserFactory(email="advisor@example.com")
        agency = agency_create(name="Hub", admin=advisor)
        invitation_send(
            agency=agency, kind="client", email="Firm@Example.com", created_by=advisor, base_url="http://testserver"
        )
        invitation_send(
            agency=agency, kind="client", email="nobody@example.com", created_by=advisor, base_url="http://testserver"
        )
        spanish, english = mail.outbox[-2:]
        assert "invita" in spanish.body and "invites" not in spanish.body
        assert "invites your firm" in english.body

"""Team assessment from outside: the owner invites two colleagues, all three answer on their own,
the owner closes the round and agrees; the scores come from the agreed answers only. Nobody reads
another respondent's answers before the round closes, and no one outside the firm and its round
ever does."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessments.models import Answer, Assessment, Respondent, RespondentAnswer, TeamRound
from assessments.selectors import answers_of
from assessments.services import assessment_start
from assessments.team import services as team_services
from questionnaires.scoring import score_assessment
from questionnaires.selectors import version_content
from tests.factories import FirmFactory, UserFactory
from tests.helpers import best_page, pillar_url

pytestmark = pytest.mark.django_db


def team_url(assessment: Assessment, name: str = "team") -> str:
    return reverse(f"assessments:{name}", kwargs={"assessment_id": assessment.pk})


def respondent_page(respondent: Respondent, pillar: str) -> str:
    return reverse("assessments:respondent_pillar", kwargs={"respondent_id": respondent.pk, "pillar_code": pillar})


def page(code: str, ladder: str, checklist: list[str], machines: str = "yes") -> dict[str, object]:
    return {f"q-{code}.ladder": ladder, f"q-{code}.checklist": checklist, f"q-{code}.machines": machines}


def invite(owner: Client, assessment: Assessment, email: str, role: str, pillars: list[str]) -> str:
    """Invites through the owner's page; returns the invitation link's path, read from the e-mail."""
    sent = len(mail.outbox)
    response = owner.post(team_url(assessment), {"email": email, "role": role, "pillars": pillars})
    assert response.status_code == 302 and response.url == team_url(assessment)
    assert len(mail.outbox) == sent + 1 and mail.outbox[-1].to == [email]
    match = re.search(r"https?://[^/\s]+(/app/team/join/[^/\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def join(client: Client, link: str) -> Respondent:
    response = client.post(link)
    assert response.status_code == 302, response.content[:300]
    respondent = Respondent.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert response.url == reverse("assessments:respondent_home", kwargs={"respondent_id": respondent.pk})
    return respondent


@pytest.fixture
def team(draft, owner, owner_client, client_for) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """An open round: the owner (every page), an IT colleague (cyber, data) and a manager (every page)."""
    response = owner_client.post(team_url(draft), {"open": "1"})
    assert response.status_code == 302
    it_user, manager_user = UserFactory(email="it@example.com"), UserFactory(email="manager@example.com")
    it_link = invite(owner_client, draft, "it@example.com", "it", ["cyber", "data"])
    manager_link = invite(owner_client, draft, "manager@example.com", "manager", [])
    it, manager = client_for(it_user), client_for(manager_user)
    return {
        "assessment": draft,
        "owner": owner_client,
        "owner_respondent": Respondent.objects.get(round__assessment=draft, user=owner),
        "it": it,
        "it_respondent": join(it, it_link),
        "manager": manager,
        "manager_respondent": join(manager, manager_link),
    }


def answer_pages(client: Client, respondent: Respondent, pages: dict[str, dict[str, object]]) -> None:
    for pillar, answers in pages.items():
        response = client.post(respondent_page(respondent, pillar), {**answers, "action": "stay"})
        assert response.status_code == 302, response.content[:500]
        assert response.url == respondent_page(respondent, pillar)


PILLARS = ("skills", "data", "cyber", "ai", "green")


def test_three_respondents_disagree_agree_and_only_the_agreed_answers_are_scored(team) -> None:  # type: ignore[no-untyped-def]
    assessment = team["assessment"]
    # The owner: best answers everywhere. The manager: agrees but for cyber and data.
    answer_pages(team["owner"], team["owner_respondent"], {p: best_page(p) for p in PILLARS})
    answer_pages(
        team["manager"],
        team["manager_respondent"],
        {
            **{p: best_page(p) for p in PILLARS},
            "cyber": page("cyber", "none", ["beta"]),
            "data": page("data", "some", ["alpha", "beta", "gamma"]),
        },
    )
    # IT: cyber at the bottom as well, and "don't know" on the data ladder.
    answer_pages(
        team["it"],
        team["it_respondent"],
        {"cyber": page("cyber", "none", ["beta"], "no"), "data": page("data", "dont_know", ["alpha"])},
    )
    assert not Answer.objects.filter(assessment=assessment, question__code="cyber.ladder").exists()

    response = team["owner"].post(team_url(assessment, "team_close"))
    assert response.status_code == 302 and response.url == team_url(assessment, "team_agree")
    response = team["owner"].get(response.url)
    assert response.status_code == 200
    html = response.content.decode()
    # Disagreements first, the widest first: the cyber ladder (two steps apart) before data's.
    order = [html.index(f'id="q-{code}"') for code in ("cyber-ladder", "data-ladder", "skills-ladder")]
    assert order == sorted(order)
    assert "2 steps apart" in html and "it@example.com" in html and "manager@example.com" in html
    # The suggestion is the most common answer: "Nothing yet" for the cyber ladder (2 of 3).
    assert re.search(r'name="q-cyber.ladder" id="q-cyber-ladder-1" value="none" checked', html)

    # The owner agrees: cyber ladder "some" (nobody's answer), the rest as suggested.
    form = agreed_form(html)
    form["q-cyber.ladder"] = ["some"]
    form["note-cyber.ladder"] = ["Backups run, but not off-site yet."]
    response = team["owner"].post(team_url(assessment, "team_agree"), form)
    assert response.status_code == 302 and response.url == reverse(
        "assessments:review", kwargs={"assessment_id": assessment.pk}
    )
    response = team["owner"].post(reverse("assessments:submit", kwargs={"assessment_id": assessment.pk}))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_submitted
    agreed = answers_of(assessment)
    assert agreed["cyber.ladder"] == ["some"] and agreed["cyber.checklist"] == ["beta"]
    expected = score_assessment(version_content(assessment.version_id).spec, agreed)
    assert assessment.overall_score == expected.overall
    # Not the owner's own answers (all best), which would score 100.
    assert assessment.overall_score < 100
    assert RespondentAnswer.objects.filter(respondent__round__assessment=assessment).count() > 30  # the spread stays

    results = team["owner"].get(reverse("assessments:results", kwargs={"assessment_id": assessment.pk}))
    assert results.status_code == 200
    text = re.sub(r"\s+", " ", results.content.decode())
    assert "Where your team disagreed" in text
    assert "Your team does not agree on “How far along is your cyber" in text
    assert "2 said “Nothing yet” (IT, Manager); 1 said “All of it” (Owner). Agreed: “Some of it”." in text
    # Half of those who answered the data ladder did not know: a gap, whatever was agreed.
    assert "Treated as a gap." in text


def agreed_form(html: str) -> dict[str, list[str]]:
    """The consolidation form as the browser would post it (checked inputs and notes)."""
    form: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="(q-[^"]+)" id="[^"]+" value="([^"]+)" checked', html):
        form.setdefault(name, []).append(value)
    for name, value in re.findall(r'name="(note-[^"]+)" id="[^"]+" value="([^"]*)"', html):
        form[name] = [value]
    return form


def test_nobody_sees_another_respondents_answers_while_the_round_is_open(team, outsider_client) -> None:  # type: ignore[no-untyped-def]
    assessment = team["assessment"]
    answer_pages(team["manager"], team["manager_respondent"], {"cyber": page("cyber", "none", ["beta"])})
    manager_cyber = respondent_page(team["manager_respondent"], "cyber")
    # The IT colleague opening the manager's page: 404, not the answers.
    for client in (team["it"], team["owner"], outsider_client):
        assert client.get(manager_cyber).status_code == 404
        assert client.post(manager_cyber, page("cyber", "full", ["alpha"])).status_code == 404
    # The side-by-side page does not exist before the round closes, for anyone.
    for client in (team["owner"], team["it"], team["manager"], outsider_client):
        assert client.get(team_url(assessment, "team_agree")).status_code == 404
    # The owner's round page shows counts, never answers.
    response = team["owner"].get(team_url(assessment))
    assert response.status_code == 200
    assert "Nothing yet" not in response.content.decode() and "3 / 15" in response.content.decode()
    # The manager's answer was not written into the assessment either.
    assert not Answer.objects.filter(assessment=assessment, question__code="cyber.ladder").exists()
    assert RespondentAnswer.objects.filter(respondent=team["manager_respondent"]).count() == 3


def test_outsiders_never_see_a_round_open_or_closed(team, outsider_client, client_for) -> None:  # type: ignore[no-untyped-def]
    assessment = team["assessment"]
    other = UserFactory()
    FirmFactory(owner=other)  # the owner of another firm: a firm of one's own does not help
    other_owner = client_for(other)
    for client in (outsider_client, other_owner):
        for name in ("team", "team_close"):
            assert client.get(team_url(assessment, name)).status_code == 404
        assert client.get(reverse("assessments:respondent_home", args=[team["it_respondent"].pk])).status_code == 404
    team["owner"].post(team_url(assessment, "team_close"))
    for client in (outsider_client, other_owner):
        assert client.get(team_url(assessment, "team_agree")).status_code == 404
    # A respondent of this round never sees another firm's round, closed or not.
    other_firm_owner = UserFactory()
    elsewhere = assessment_start(firm=FirmFactory(owner=other_firm_owner), user=other_firm_owner)
    elsewhere_round = team_services.round_open(assessment=elsewhere, user=other_firm_owner)
    for client in (team["it"], team["manager"], team["owner"]):
        assert client.get(team_url(elsewhere)).status_code == 404
    team_services.round_close(team_round=elsewhere_round, user=other_firm_owner)
    for client in (team["it"], team["manager"], team["owner"]):
        assert client.get(team_url(elsewhere, "team_agree")).status_code == 404
    # After the close, the respondents see the answers side by side, read-only.
    response = team["it"].get(team_url(assessment, "team_agree"))
    assert response.status_code == 200 and 'type="radio"' not in response.content.decode()
    assert team["it"].post(team_url(assessment, "team_agree"), {"q-cyber.ladder": "full"}).status_code == 404


def test_a_respondent_answers_only_the_pages_asked_and_bad_input_saves_nothing(team) -> None:  # type: ignore[no-untyped-def]
    it, respondent = team["it"], team["it_respondent"]
    response = it.get(respondent_page(respondent, "cyber"))
    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    # The page's steps and count are the respondent's: data and cyber, 6 questions.
    assert "Page 2 of 2 · 0 of 6 questions answered" in html
    assert 'value="goto:data"' in html and 'value="goto:skills"' not in html
    assert "Save and see your pages" in html and "Save and review" not in html
    assert it.get(respondent_page(respondent, "skills")).status_code == 404  # not asked
    assert it.post(respondent_page(respondent, "skills"), best_page("skills")).status_code == 404
    response = it.post(respondent_page(respondent, "cyber"), {"q-cyber.ladder": ["none", "full"], "action": "next"})
    assert response.status_code == 200 and "Nothing on this page was saved" in response.content.decode()
    response = it.post(respondent_page(respondent, "cyber"), {"q-cyber.ladder": "not-a-choice"})
    assert response.status_code == 200
    assert not RespondentAnswer.objects.filter(respondent=respondent).exists()
    # "Next" from the last page asked leads to the respondent's overview, not to a page not asked.
    response = it.post(respondent_page(respondent, "cyber"), {**page("cyber", "some", []), "action": "next"})
    assert response.status_code == 302
    assert response.url == reverse("assessments:respondent_home", kwargs={"respondent_id": respondent.pk})


def test_an_invitation_works_once_and_only_for_its_address(draft, owner_client, client_for) -> None:  # type: ignore[no-untyped-def]
    owner_client.post(team_url(draft), {"open": "1"})
    link = invite(owner_client, draft, "ops@example.com", "operations", [])
    someone_else = client_for(UserFactory(email="someone@example.com"))
    response = someone_else.post(link)
    assert response.status_code == 400 and "sent to another e-mail address" in response.content.decode()
    invited = client_for(UserFactory(email="OPS@example.com"))  # case does not matter
    join(invited, link)
    assert someone_else.post(link).status_code == 400  # spent
    assert client_for(UserFactory()).get(link).status_code == 404
    # The owner's own address, a role not offered, a page that does not exist: form errors.
    for data in (
        {"email": "owner@example.com", "role": "it"},
        {"email": "x@example.com", "role": "owner"},
        {"email": "y@example.com", "role": "it", "pillars": ["nope"]},
        {"email": "not an address", "role": "it"},
    ):
        response = owner_client.post(team_url(draft), data)
        assert response.status_code == 200 and 'class="invalid-feedback' in response.content.decode(), data


def test_during_the_round_the_owner_answers_on_their_own_pages_and_cannot_submit(team) -> None:  # type: ignore[no-untyped-def]
    assessment, owner = team["assessment"], team["owner"]
    response = owner.get(pillar_url(assessment, "cyber"))
    assert response.status_code == 302
    assert response.url == respondent_page(team["owner_respondent"], "cyber")
    response = owner.post(pillar_url(assessment, "cyber"), best_page("cyber"))
    assert response.status_code == 302 and response.url == respondent_page(team["owner_respondent"], "cyber")
    assert not Answer.objects.filter(assessment=assessment, question__code="cyber.ladder").exists()
    response = owner.post(reverse("assessments:submit", kwargs={"assessment_id": assessment.pk}))
    assessment.refresh_from_db()
    assert not assessment.is_submitted
    # Closed but not agreed: still no submission.
    owner.post(team_url(assessment, "team_close"))
    owner.post(reverse("assessments:submit", kwargs={"assessment_id": assessment.pk}))
    assessment.refresh_from_db()
    assert not assessment.is_submitted
    # A closed round takes no more answers.
    response = team["it"].post(respondent_page(team["it_respondent"], "cyber"), page("cyber", "full", []))
    assert response.status_code == 302 and response.url == team_url(assessment, "team_agree")
    assert not RespondentAnswer.objects.filter(respondent=team["it_respondent"]).exists()


def test_removing_a_colleague_asks_first_and_takes_their_answers(team) -> None:  # type: ignore[no-untyped-def]
    assessment, manager = team["assessment"], team["manager_respondent"]
    answer_pages(team["manager"], manager, {"cyber": page("cyber", "none", ["beta"])})
    url = reverse("assessments:team_respondent_remove", args=[assessment.pk, manager.pk])
    response = team["owner"].get(url)
    assert response.status_code == 200 and "This cannot be undone" in response.content.decode()
    assert team["it"].post(url).status_code == 404  # a respondent is not a member of the firm
    response = team["owner"].post(url)
    assert response.status_code == 302
    assert not Respondent.objects.filter(pk=manager.pk).exists()
    assert not RespondentAnswer.objects.filter(respondent_id=manager.pk).exists()
    assert team["manager"].get(respondent_page(manager, "cyber")).status_code == 404
    owner_respondent = team["owner_respondent"]
    url = reverse("assessments:team_respondent_remove", args=[assessment.pk, owner_respondent.pk])
    team["owner"].post(url)
    assert TeamRound.objects.get(assessment=assessment).respondents.filter(pk=owner_respondent.pk).exists()


def test_a_colleague_sees_nothing_else_of_the_firm(team) -> None:  # type: ignore[no-untyped-def]
    """The privacy page: invited colleagues "see nothing else of your firm"."""
    assessment, it = team["assessment"], team["it"]
    for url in (
        reverse("assessments:review", kwargs={"assessment_id": assessment.pk}),
        reverse("assessments:results", kwargs={"assessment_id": assessment.pk}),
        reverse("assessments:evidence", kwargs={"assessment_id": assessment.pk}),
        reverse("assessments:action_plan_pdf", kwargs={"assessment_id": assessment.pk}),
        pillar_url(assessment, "cyber"),
        team_url(assessment),
    ):
        assert it.get(url).status_code == 404, url
    # Its own home leads to its round, not to the firm's dashboard.
    response = it.get(reverse("assessments:dashboard"))
    assert response.status_code == 302
    assert response.url == reverse("assessments:respondent_home", kwargs={"respondent_id": team["it_respondent"].pk})


def test_a_colleague_deleting_their_account_takes_their_address_out_of_the_round(team) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import PASSWORD

    answer_pages(team["it"], team["it_respondent"], {"cyber": page("cyber", "none", ["beta"])})
    response = team["it"].post(reverse("assessments:account_delete"), {"password": PASSWORD, "understood": "on"})
    assert response.status_code == 302
    respondent = Respondent.objects.get(pk=team["it_respondent"].pk)
    assert respondent.user_id is None and "it@example.com" not in respondent.email
    assert respondent.email == f"deleted-account-{respondent.pk}@invalid"
    assert not Respondent.objects.filter(email__iexact="it@example.com").exists()
    assert RespondentAnswer.objects.filter(respondent=respondent).count() == 3  # the firm's answers stay


def test_the_firms_data_download_holds_the_round(team) -> None:  # type: ignore[no-untyped-def]
    import json

    answer_pages(team["it"], team["it_respondent"], {"cyber": page("cyber", "none", ["beta"])})
    response = team["owner"].get(reverse("assessments:my_data_download", kwargs={"kind": "json"}))
    assert response.status_code == 200
    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    (record,) = data["firms"][0]["assessments"]
    people = {r["email"]: r for r in record["team_round"]["respondents"]}
    assert people["it@example.com"]["answers"]["cyber.ladder"] == ["none"]
    assert people["it@example.com"]["pillars"] == ["data", "cyber"]
    # And the colleague's own download holds what they answered for the firm.
    response = team["it"].get(reverse("assessments:my_data_download", kwargs={"kind": "json"}))
    mine = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    assert mine["team_answers"][0]["answers"]["cyber.ladder"] == ["none"]

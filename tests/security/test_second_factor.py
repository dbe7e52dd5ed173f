"""Two-step sign-in (TOTP): enrolment, the code after the password, backup codes, and an agency
that requires it of its advisors. Played by the owner of the account, by someone who has only
the password, and by an advisor of an agency that requires it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.agencies import services as agency_services
from assessments.agencies.models import Agency, AgencyMember
from readiness.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The app's code now (or ``steps_ahead`` periods later: a code is refused a second time)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def wait_out_the_throttle(device: TOTPDevice) -> None:
    """As if the person waited: django-otp refuses any code for a moment after a wrong one."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def enrol(client: Client, user: User) -> tuple[TOTPDevice, list[str]]:
    url = reverse("second_factor")
    page = client.post(url, {"action": "start"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "QR code" in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post(url, {"action": "confirm", "code": "000000" if code(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    wait_out_the_throttle(device)
    done = client.post(url, {"action": "confirm", "code": code(device)})
    assert done.status_code == 200
    codes = re.findall(r'<li class="col">(\w+)</li>', done.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    return device, codes


def sign_in(email: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def person(db: None) -> User:
    return UserFactory(email="person@example.com")


class TestSigningIn:
    def test_the_password_alone_opens_nothing_until_the_code(self, person: User) -> None:
        device, _codes = enrol(sign_in(person.email), person)
        client = sign_in(person.email)  # someone with the password
        for url in (reverse("assessments:dashboard"), reverse("assessments:my_data"), reverse("agencies:sharing")):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("second_factor_verify"))
        wrong = client.post(reverse("second_factor_verify"), {"code": "12345"})
        assert wrong.status_code == 400
        held = client.get(reverse("assessments:my_data"))
        assert held.status_code == 302 and held["Location"].startswith(reverse("second_factor_verify"))
        wait_out_the_throttle(device)
        right = client.post(
            reverse("second_factor_verify") + "?next=" + reverse("assessments:my_data"), {"code": code(device, 1)}
        )
        assert right.status_code == 302 and right["Location"] == reverse("assessments:my_data")
        assert client.get(reverse("assessments:my_data")).status_code == 200

    def test_a_backup_code_works_once(self, person: User) -> None:
        _device, codes = enrol(sign_in(person.email), person)
        first = sign_in(person.email)
        assert first.post(reverse("second_factor_verify"), {"code": codes[0]}).status_code == 302
        assert first.get(reverse("assessments:my_data")).status_code == 200
        second = sign_in(person.email)
        assert second.post(reverse("second_factor_verify"), {"code": codes[0]}).status_code == 400
        held = second.get(reverse("assessments:my_data"))
        assert held.status_code == 302 and held["Location"].startswith(reverse("second_factor_verify"))

    def test_guessing_codes_is_throttled(self, person: User) -> None:
        device, _codes = enrol(sign_in(person.email), person)
        client = sign_in(person.email)
        for _ in range(3):
            client.post(reverse("second_factor_verify"), {"code": "999999"})
        # Even the right code waits while django-otp's throttle is on.
        assert client.post(reverse("second_factor_verify"), {"code": code(device, 1)}).status_code == 400

    def test_an_off_site_next_is_ignored(self, person: User) -> None:
        device, _codes = enrol(sign_in(person.email), person)
        client = sign_in(person.email)
        response = client.post(
            reverse("second_factor_verify") + "?next=https://evil.example/", {"code": code(device, 1)}
        )
        assert response.status_code == 302 and response["Location"] == reverse("assessments:dashboard")

    def test_turning_it_off_needs_the_password(self, person: User) -> None:
        client = sign_in(person.email)
        enrol(client, person)
        refused = client.post(reverse("second_factor"), {"action": "remove", "password": "wrong"})
        assert refused.status_code == 400
        assert TOTPDevice.objects.filter(user=person, confirmed=True).exists()
        done = client.post(reverse("second_factor"), {"action": "remove", "password": PASSWORD})
        assert done.status_code == 302
        assert not TOTPDevice.objects.filter(user=person).exists()
        assert sign_in(person.email).get(reverse("assessments:my_data")).status_code == 200  # no code asked

    def test_a_tampered_form_changes_nothing(self, person: User) -> None:
        client = sign_in(person.email)
        assert client.post(reverse("second_factor"), {"action": "bogus"}).status_code == 400
        assert client.post(reverse("second_factor"), {"action": "confirm", "code": "123456"}).status_code == 400
        assert not TOTPDevice.objects.exists()


class TestAnAgencyThatRequiresIt:
    @pytest.fixture
    def admin(self, db: None) -> User:
        return UserFactory(email="admin@hub.example")

    @pytest.fixture
    def agency(self, admin: User) -> Agency:
        return agency_services.agency_create(name="Hub", admin=admin)

    @pytest.fixture
    def advisor(self, agency: Agency) -> User:
        user = UserFactory(email="advisor@hub.example")
        AgencyMember.objects.create(agency=agency, user=user, role=AgencyMember.Role.ADVISOR)
        return user

    def require(self, agency: Agency, admin: User) -> None:
        client = sign_in(admin.email)
        url = reverse("agencies:agency_second_factor", kwargs={"agency_id": agency.pk})
        refused = client.post(url, {"require": "yes"})  # not signed in with a second factor itself
        assert refused.status_code == 302 and refused["Location"].startswith(reverse("second_factor"))
        agency.refresh_from_db()
        assert not agency.require_second_factor
        enrol(client, admin)
        assert client.post(url, {"require": "yes"}).status_code == 302
        agency.refresh_from_db()
        assert agency.require_second_factor

    def test_an_advisor_without_it_is_sent_to_set_it_up(self, agency: Agency, admin: User, advisor: User) -> None:
        self.require(agency, admin)
        client = sign_in(advisor.email)
        dashboard = reverse("agencies:agency_dashboard", kwargs={"agency_id": agency.pk})
        for url in (dashboard, reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk})):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("second_factor"))
        device, _codes = enrol(client, advisor)  # enrolling verifies this session
        assert client.get(dashboard).status_code == 200
        again = sign_in(advisor.email)  # next time: the code after the password
        assert again.get(dashboard)["Location"].startswith(reverse("second_factor_verify"))
        assert again.post(reverse("second_factor_verify"), {"code": code(device, 1)}).status_code == 302
        assert again.get(dashboard).status_code == 200

    def test_it_cannot_be_turned_off_while_required(self, agency: Agency, admin: User, advisor: User) -> None:
        self.require(agency, admin)
        client = sign_in(advisor.email)
        enrol(client, advisor)
        response = client.post(reverse("second_factor"), {"action": "remove", "password": PASSWORD})
        assert response.status_code == 400 and "requires two-step sign-in" in response.content.decode()
        assert TOTPDevice.objects.filter(user=advisor, confirmed=True).exists()

    def test_only_the_admin_decides(self, agency: Agency, advisor: User, client_for) -> None:  # type: ignore[no-untyped-def]
        url = reverse("agencies:agency_second_factor", kwargs={"agency_id": agency.pk})
        assert client_for(advisor).post(url, {"require": "yes"}).status_code == 404
        outsider = UserFactory(email="outsider@example.com")
        assert client_for(outsider).post(url, {"require": "yes"}).status_code == 404
        agency.refresh_from_db()
        assert not agency.require_second_factor

    def test_the_firm_side_is_not_affected(self, agency: Agency, admin: User, firm, owner_client: Client) -> None:  # type: ignore[no-untyped-def]
        self.require(agency, admin)
        assert owner_client.get(reverse("assessments:dashboard")).status_code == 200

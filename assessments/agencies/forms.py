"""Forms of the agency side: invitations, client codes, dashboard filters, the service log."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from assessments.models import Sector, SizeClass
from questionnaires.scoring import LEVEL_LABELS, LEVELS

from .models import ApiToken, ServiceRecord, WebhookEndpoint
from .programmes import programme_by_join_code
from .selectors import VERIFIED_ALL, VERIFIED_SOME, DashboardFilters


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)


class ClientCodeForm(forms.Form):
    label = forms.CharField(
        label=_("What the code is for (optional)"),
        max_length=100,
        required=False,
        help_text=_("For example: Spring 2027 cohort. Shown only to your agency."),
    )


class CodeEntryForm(forms.Form):
    code = forms.CharField(label=_("Code from your agency"), max_length=30)


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what type="date" reads, in every language


def _blank(choices: list[tuple[str, str]], label: str) -> list[tuple[str, str]]:
    return [("", label), *choices]


class DashboardFilterForm(forms.Form):
    """GET filters. Invalid values are ignored with a message, never an error page; an unbound
    form (no query string) gives no filter."""

    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=_blank(list(Sector.choices), _("All")))
    size_class = forms.ChoiceField(label=_("Size"), required=False, choices=_blank(list(SizeClass.choices), _("All")))
    country = CountryField(blank=True).formfield(label=_("Country"), required=False)
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=_blank([(code, LEVEL_LABELS[code]) for _low, code in reversed(LEVELS)], _("All")),
    )
    submitted_from = forms.DateField(label=_("Assessed from"), required=False, widget=DATE_INPUT)
    submitted_to = forms.DateField(label=_("Assessed until"), required=False, widget=DATE_INPUT)
    verified = forms.ChoiceField(
        label=_("Verified by an advisor"),
        required=False,
        choices=[
            ("", _("All")),
            (VERIFIED_SOME, _("Some answers verified")),
            (VERIFIED_ALL, _("Every answer verified")),
        ],
    )

    def filters(self) -> DashboardFilters:
        if not self.is_valid():
            return DashboardFilters()
        data = self.cleaned_data
        return DashboardFilters(
            sector=data.get("sector") or "",
            size_class=data.get("size_class") or "",
            country=str(data.get("country") or ""),
            region=(data.get("region") or "").strip(),
            level=data.get("level") or "",
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
            verified=data.get("verified") or "",
        )


class ServiceRecordForm(forms.ModelForm):
    """A service delivered to a client: when, which kind, its hours or value, a note."""

    class Meta:
        model = ServiceRecord
        fields = ["delivered_on", "kind", "hours", "value_eur", "note"]
        widgets = {"delivered_on": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "hours": _("Advisor or expert hours spent with the client."),
            "value_eur": _("The value of the service, for example its cost or the voucher's amount."),
            "note": _("The client sees what you record here."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name == "kind" else "form-control"

    def clean_delivered_on(self) -> date:
        day = self.cleaned_data["delivered_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Record a service once it has been delivered: this date is in the future."))
        if day.year < 2000:
            raise forms.ValidationError(_("Enter the date the service was delivered."))
        return day

    def clean_hours(self) -> Decimal | None:
        hours = self.cleaned_data.get("hours")
        if hours is not None and not Decimal("0") < hours <= Decimal("10000"):
            raise forms.ValidationError(_("Enter the hours as a number above 0, up to 10,000."))
        return hours

    def clean_value_eur(self) -> Decimal | None:
        value = self.cleaned_data.get("value_eur")
        if value is not None and value < 0:
            raise forms.ValidationError(_("The value cannot be negative."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("hours") is None and data.get("value_eur") is None and not self.errors:
            raise forms.ValidationError(_("Enter the hours spent, the service's value, or both."))
        return data


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, for example: the hub's reporting system."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may read"),
        choices=ApiToken.Scope.choices,
        initial=list(ApiToken.Scope.values),
        widget=forms.CheckboxSelectMultiple,
    )


class ImpactPeriodForm(forms.Form):
    """The impact report's period: clients whose T1 was submitted within it. Bad dates fall back
    to the last twelve months, with the form's message."""

    date_from = forms.DateField(label=_("T1 from"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("T1 until"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period must not be after its end."))
        return data

    def period(self) -> tuple[date, date]:
        today = timezone.localdate()
        default = (
            today.replace(year=today.year - 1)
            if not (today.month == 2 and today.day == 29)
            else today.replace(year=today.year - 1, day=28),
            today,
        )
        if not self.is_bound or not self.is_valid():
            return default
        return self.cleaned_data.get("date_from") or default[0], self.cleaned_data.get("date_to") or default[1]


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Address of your system"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https address that accepts a POST of JSON."),
        widget=forms.URLInput(attrs={"class": "form-control"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=WebhookEndpoint.Event.choices,
        initial=list(WebhookEndpoint.Event.values),
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_url(self) -> str:
        from .webhooks import address_problem

        url = self.cleaned_data["url"]
        problem = address_problem(url)
        if problem is not None:
            raise forms.ValidationError(_("This address cannot be used: %(problem)s.") % {"problem": problem})
        return url


class ProgrammeJoinForm(forms.Form):
    """The join code a programme gave the agency's admin; valid only if it names a programme."""

    code = forms.CharField(
        label=_("Programme join code"),
        max_length=40,
        help_text=_("Sixteen letters and digits, from the programme's staff. Dashes and spaces do not matter."),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        self.programme = programme_by_join_code(code)
        if self.programme is None:
            raise forms.ValidationError(_("This is not a programme's join code. Check it with the programme's staff."))
        return code

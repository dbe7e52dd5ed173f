"""Forms of the agency side: invitations, client codes, dashboard filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from assessments.models import Sector, SizeClass
from questionnaires.scoring import LEVEL_LABELS, LEVELS

from .selectors import DashboardFilters


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


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


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
        )

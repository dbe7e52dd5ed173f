from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from questionnaires.selectors import VersionContent

from ..models import Respondent


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Choose a role…"))] + [c for c in Respondent.Role.choices if c[0] != Respondent.Role.OWNER],
    )
    pillars = forms.MultipleChoiceField(
        label=_("Pages to answer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none for every page."),
    )

    def __init__(self, *args: Any, content: VersionContent, owner_email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner_email = owner_email.lower()
        self.fields["pillars"].choices = [(p.code, p.label()) for p in content.pillars]
        self.helper = FormHelper()
        self.helper.add_input(Submit("invite", _("Send the invitation"), css_class="btn-brand"))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email == self.owner_email:
            raise forms.ValidationError(_("You already answer in this round: invite a colleague's address."))
        return email

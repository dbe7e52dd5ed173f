"""What a firm agrees to when it shares with an agency: the words, and their version.

The invitation page and the "Sharing" page's renewal show exactly these sentences; the version
stored with each consent is derived from them (``assessments.consent_texts.text_version``).
A consent given to other words does not let the agency in until the firm agrees again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext_lazy as _

from assessments.consent_texts import text_version

# "%(agency)s" is the agency's name; the wording around it is what the version covers.
CONSENT_TERMS = (
    _(
        "The advisors of %(agency)s can see your firm's profile and your submitted assessments: answers, "
        "scores (also on the EU Digital Maturity Assessment's dimensions), comparisons and action plans, "
        "including past and future ones."
    ),
    _(
        "They can export these to spreadsheet files, and the agency's own systems can read them through its "
        "read-only API, with keys the agency controls."
    ),
    _(
        "They can mark which of your assessments came before and after their support, record the services "
        "they delivered to you, and mark the answers they verified with you during a visit; you see all of "
        "this under “Sharing” and with your results."
    ),
    _("They cannot change your answers, and they do not see assessments in progress."),
    _(
        "You can see each time an advisor opens your client page, your results or your action plan, and each "
        "export or API call that includes your firm."
    ),
    _("You can stop sharing at any time under “Sharing”; access ends at once, for exports and the API too."),
)
CONSENT_AGREEMENT = _("I agree, on behalf of %(firm)s, to share our assessments with %(agency)s as described above.")


@cache
def consent_version() -> str:
    return text_version("agency", [*CONSENT_TERMS, CONSENT_AGREEMENT])


def consent_terms(agency_name: str) -> list[str]:
    """The terms as shown, in the active language, with the agency's name."""
    return [str(term) % {"agency": agency_name} for term in CONSENT_TERMS]


@dataclass(frozen=True)
class ConsentWording:
    """The consent as a page shows it: its terms, the sentence a firm ticks, and the version."""

    terms: list[str]
    agreement: str
    version: str


def consent_wording(*, agency_name: str, firm_name: str) -> ConsentWording:
    return ConsentWording(
        terms=consent_terms(agency_name),
        agreement=str(CONSENT_AGREEMENT) % {"firm": firm_name, "agency": agency_name},
        version=consent_version(),
    )

"""Where apps above ``assessments`` plug into the firm's side without being imported by it.

Imports flow one way (agencies → assessments → questionnaires; ``tests/unit/test_import_graph``
keeps it so). Where the firm's side must show what another app keeps — an agency's consents and
its advisors' views in the firm's personal-data export, the way to a person's agency dashboards
from the firm's own — that app registers a provider here when it starts (``AppConfig.ready``).
Registering twice under one key replaces the first, so a reloaded app does not count twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assessments.models import Firm
from readiness.models import User


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class OtherHome:
    """Another part of the site a person belongs to besides their firm (an agency, say)."""

    start_url: str  # where a person with no firm of their own lands after signing in
    links: tuple[Link, ...]  # shown on the firm's dashboard


@dataclass(frozen=True)
class FirmDataSection:
    """Records another app keeps about a firm, for the firm's personal-data export.

    ``records`` returns JSON-ready dicts whose keys are ``columns``, in that order: the export
    holds them under ``key`` in the firm's record, and the CSV archive as ``<key>.csv`` with a
    first column naming the firm.
    """

    key: str
    columns: tuple[str, ...]
    records: Callable[[Firm], list[dict[str, Any]]]


@dataclass(frozen=True)
class AccountDataSection:
    """Records another app keeps about an account (its agency memberships), for the export."""

    key: str
    records: Callable[[User], list[dict[str, Any]]]


@dataclass(frozen=True)
class FirmNotice:
    """Something the firm must act on, shown at the top of its dashboard (consent to renew, say)."""

    text: str
    link: Link


_firm_sections: dict[str, FirmDataSection] = {}
_firm_notices: dict[str, Callable[[Firm], list[FirmNotice]]] = {}
_account_sections: dict[str, AccountDataSection] = {}
_other_homes: dict[str, Callable[[User], OtherHome | None]] = {}
_submitted_listeners: dict[str, Callable[[int], None]] = {}


def firm_data_section_register(section: FirmDataSection) -> None:
    _firm_sections[section.key] = section


def account_data_section_register(section: AccountDataSection) -> None:
    _account_sections[section.key] = section


def other_home_register(key: str, provider: Callable[[User], OtherHome | None]) -> None:
    """``provider(user)`` gives the person's other home, or None when they have none there."""
    _other_homes[key] = provider


def firm_notice_register(key: str, provider: Callable[[Firm], list[FirmNotice]]) -> None:
    """``provider(firm)`` gives what the firm must act on in that app (often nothing)."""
    _firm_notices[key] = provider


def firm_notices_of(firm: Firm) -> list[FirmNotice]:
    return [notice for provider in _firm_notices.values() for notice in provider(firm)]


def firm_data_sections() -> tuple[FirmDataSection, ...]:
    return tuple(_firm_sections.values())


def account_data_sections() -> tuple[AccountDataSection, ...]:
    return tuple(_account_sections.values())


def other_homes_of(user: User) -> list[OtherHome]:
    homes = (provider(user) for provider in _other_homes.values())
    return [home for home in homes if home is not None]


def submitted_listener_register(key: str, listener: Callable[[int], None]) -> None:
    """``listener(assessment_id)`` runs once a submission is committed (agencies' webhooks)."""
    _submitted_listeners[key] = listener


def submitted(assessment_id: int) -> None:
    for listener in _submitted_listeners.values():
        listener(assessment_id)

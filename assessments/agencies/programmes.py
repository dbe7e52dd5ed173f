"""National programmes: who may see a programme, joining and leaving, and what its page shows.

Reads (access and the page's figures) and writes (creating a programme, its join code, an agency
joining or leaving) in one module, apart from the agencies' own: a programme sees no firm, only
the snapshot ``programme_statistics`` publishes. Access follows the agencies' rule: a programme's
page is for its staff only; an agency joins or leaves by its admin's decision. Anyone else gets 404.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from assessments import disclosure
from assessments.models import Sector, SizeClass
from questionnaires.loader import KNOWN_PILLARS
from readiness.models import User

from . import selectors
from .models import Agency, AgencyMember, Programme, ProgrammeAgency, ProgrammeStaff, ProgrammeStatistic
from .services import CODE_ALPHABET, normalise_code, secret_hash
from .tasks import request_programme_statistics

# A join code: 16 characters of the client codes' alphabet (80 bits), shown in groups of four.
JOIN_CODE_LENGTH = 16
Dimension = ProgrammeStatistic.Dimension


# --- Access ----------------------------------------------------------------------------------------


def programmes_of(user: User) -> list[Programme]:
    """The programmes the person is staff of, by name."""
    if not user.is_authenticated:
        return []
    return list(Programme.objects.filter(staff_members__user=user).order_by("name", "id"))


def programme_for_staff(user: User, programme_id: int) -> Programme:
    """The programme, for one of its staff; 404 for anyone else (agency admins of member agencies too)."""
    programme = (
        Programme.objects.filter(pk=programme_id, staff_members__user=user).first() if user.is_authenticated else None
    )
    if programme is None:
        raise Http404("No such programme.")
    return programme


def programme_member_agency(programme: Programme, agency_id: int) -> ProgrammeAgency:
    membership = ProgrammeAgency.objects.filter(programme=programme, agency_id=agency_id).select_related("agency")
    found = membership.first()
    if found is None:
        raise Http404("No such member agency.")
    return found


def agency_programme_memberships(agency: Agency) -> list[ProgrammeAgency]:
    """The programmes the agency takes part in (its admin's page lists them)."""
    return list(
        ProgrammeAgency.objects.filter(agency=agency).select_related("programme", "joined_by").order_by("joined_at")
    )


def agency_programme_membership(user: User, agency_id: int, programme_id: int) -> tuple[AgencyMember, ProgrammeAgency]:
    """The agency's membership of a programme, for the agency's admin; else 404."""
    member = selectors.agency_admin(user, agency_id)
    membership = (
        ProgrammeAgency.objects.filter(agency=member.agency, programme_id=programme_id)
        .select_related("programme")
        .first()
    )
    if membership is None:
        raise Http404("Not a member of this programme.")
    return member, membership


def takes_part(agency: Agency, programme: Programme) -> bool:
    return ProgrammeAgency.objects.filter(agency=agency, programme=programme).exists()


def programme_by_join_code(code: str) -> Programme | None:
    """The programme whose join code this is (spaces, dashes and case ignored), or None."""
    normalised = normalise_code(code)
    if len(normalised) != JOIN_CODE_LENGTH or any(c not in CODE_ALPHABET for c in normalised):
        return None
    return Programme.objects.filter(join_code_hash=secret_hash(normalised)).first()


# --- Writes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewProgramme:
    programme: Programme
    join_code: str  # shown once; only its SHA-256 is stored


def join_code_new() -> tuple[str, str]:
    """A new join code, as shown (groups of four), and the hash to store."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
    return "-".join(code[i : i + 4] for i in range(0, JOIN_CODE_LENGTH, 4)), secret_hash(code)


def programme_figures_request(*, programme: Programme) -> None:
    """Ask the worker for the programme's figures once the transaction commits."""
    transaction.on_commit(lambda: request_programme_statistics(programme.pk))


def programme_create(*, name: str, staff: Iterable[User] = (), agencies: Iterable[Agency] = ()) -> NewProgramme:
    """A programme with its staff and (for the platform operator, the bench) member agencies, in
    bulk; returns it with its join code, shown once. Its first figures are asked of the worker."""
    code, code_hash = join_code_new()
    with transaction.atomic():
        programme = Programme.objects.create(name=name.strip(), join_code_hash=code_hash)
        ProgrammeStaff.objects.bulk_create(
            [ProgrammeStaff(programme=programme, user=user) for user in staff], ignore_conflicts=True, batch_size=1000
        )
        ProgrammeAgency.objects.bulk_create(
            [ProgrammeAgency(programme=programme, agency=agency) for agency in agencies],
            ignore_conflicts=True,
            batch_size=1000,
        )
        programme_figures_request(programme=programme)
    return NewProgramme(programme, code)


def programme_join_code_regenerate(*, programme: Programme) -> str:
    """A new join code for the programme (the old one stops working); returned once, never stored."""
    for _attempt in range(5):
        code, code_hash = join_code_new()
        try:
            with transaction.atomic():
                Programme.objects.filter(pk=programme.pk).update(join_code_hash=code_hash)
            return code
        except IntegrityError:  # pragma: no cover - 80 bits: a collision is all but impossible
            continue
    raise RuntimeError("could not draw a unique join code")  # pragma: no cover


class ProgrammeError(Exception):
    """The agency cannot join; the message says why, for its admin."""


def programme_join(*, programme: Programme, member: AgencyMember) -> ProgrammeAgency:
    """The agency of ``member`` (its admin) joins the programme; the programme's figures are rebuilt."""
    if member.role != AgencyMember.Role.ADMIN:
        raise ProgrammeError(_("Only the agency's admin can join a programme."))
    try:
        with transaction.atomic():
            membership = ProgrammeAgency.objects.create(
                programme=programme, agency=member.agency, joined_by=member.user
            )
            programme_figures_request(programme=programme)
    except IntegrityError:
        raise ProgrammeError(_("Your agency already takes part in this programme.")) from None
    return membership


def programme_agency_remove(*, membership: ProgrammeAgency) -> None:
    """The agency leaves the programme (its admin's choice, or the programme staff's).

    Its row disappears from the programme's page at once (the page shows member agencies only);
    its clients leave the totals with the rebuild asked for here.
    """
    with transaction.atomic():
        deleted, _rows = ProgrammeAgency.objects.filter(pk=membership.pk).delete()
        if deleted:
            programme_id = membership.programme_id
            transaction.on_commit(lambda: request_programme_statistics(programme_id))


# --- The programme's page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One group's published figures for one score; ``published`` False shows no number at all."""

    published: bool
    n: int | None = None  # only when published
    quartiles: tuple[int, int, int] | None = None  # lower quartile, median, upper quartile
    withheld_nested: bool = False  # at least K firms, but fewer than K outside the group


@dataclass(frozen=True)
class GroupRow:
    label: str
    overall: Figures
    pillars: list[Figures]  # in KNOWN_PILLARS order
    pending: bool = False  # a member agency that joined after the snapshot: no figures yet


@dataclass(frozen=True)
class ProgrammePage:
    computed_at: datetime | None  # None: no snapshot yet
    includes_demo: bool
    min_group: int
    everyone: GroupRow | None
    tables: list[tuple[str, str, list[GroupRow]]] = field(default_factory=list)  # (key, title, rows)
    withheld_regions: int = 0  # regions below K or withheld, shown only as a number of regions
    agencies: list[ProgrammeAgency] = field(default_factory=list)


def _figures(row: tuple[int, int, list[int]] | None, k: int, everyone_n: int | None) -> Figures:
    if row is None:
        return Figures(published=False)
    n, min_group, released = row
    # Published under a K at least today's (a snapshot from a laxer K is not shown), with figures.
    if n < k or min_group < k or len(released) != len(disclosure.RELEASED_PERCENTS):
        nested = n >= k and everyone_n is not None and 0 < everyone_n - n < k
        return Figures(published=False, withheld_nested=nested)
    by_percent = dict(zip(disclosure.RELEASED_PERCENTS, released, strict=True))
    return Figures(published=True, n=n, quartiles=(by_percent[25], by_percent[50], by_percent[75]))


def programme_page(programme: Programme) -> ProgrammePage:
    """Everything the programme's page shows, from two queries whatever the number of firms or
    agencies: the member agencies and the snapshot's rows.

    An agency's row shows only while it is a member: one that left disappears at once, before
    the rebuild that takes its clients out of the totals.
    """
    k = settings.BENCHMARK_MIN_GROUP
    memberships = list(
        ProgrammeAgency.objects.filter(programme=programme).select_related("agency").order_by("agency__name", "pk")
    )
    stored: dict[tuple[str, str, str], tuple[int, int, list[int]]] = {}
    computed_at = None
    includes_demo = False
    for dimension, value, series, n, min_group, released, at, demo in ProgrammeStatistic.objects.filter(
        programme=programme
    ).values_list("dimension", "value", "series", "n", "min_group", "percentiles", "computed_at", "includes_demo"):
        stored[(dimension, value, series)] = (n, min_group, released)
        computed_at = at if computed_at is None or at > computed_at else computed_at
        includes_demo = includes_demo or demo
    if computed_at is None:
        return ProgrammePage(None, False, k, None, agencies=memberships)
    totals = {series: stored.get((Dimension.ALL, "", series), (0, k, []))[0] for series in ("overall", *KNOWN_PILLARS)}

    def group(dimension: str, value: str, label: str, pending: bool = False) -> GroupRow:
        return GroupRow(
            label=label,
            overall=_figures(stored.get((dimension, value, "overall")), k, totals["overall"]),
            pillars=[_figures(stored.get((dimension, value, code)), k, totals[code]) for code in KNOWN_PILLARS],
            pending=pending,
        )

    agencies = [
        group(
            Dimension.AGENCY,
            str(m.agency_id),
            str(m.agency),
            pending=(Dimension.AGENCY, str(m.agency_id), "overall") not in stored and m.joined_at > computed_at,
        )
        for m in memberships
    ]
    region_values = sorted({value for dim, value, _s in stored if dim == Dimension.REGION}, key=str.casefold)
    regions, withheld_regions = [], 0
    for value in region_values:
        row = group(Dimension.REGION, value, value or _("No region given"))
        # A withheld region is not named: a region is typed by the firm and could name it.
        if row.overall.published:
            regions.append(row)
        else:
            withheld_regions += 1
    sectors = [
        group(Dimension.SECTOR, code, str(label))
        for code, label in Sector.choices
        if (Dimension.SECTOR, code, "overall") in stored
    ]
    sizes = [
        group(Dimension.SIZE_CLASS, code, str(label))
        for code, label in SizeClass.choices
        if (Dimension.SIZE_CLASS, code, "overall") in stored
    ]
    return ProgrammePage(
        computed_at=computed_at,
        includes_demo=includes_demo,
        min_group=k,
        everyone=group(Dimension.ALL, "", _("All firms")),
        tables=[
            ("agency", _("By agency"), agencies),
            ("region", _("By region"), regions),
            ("sector", _("By sector"), sectors),
            ("size", _("By size"), sizes),
        ],
        withheld_regions=withheld_regions,
        agencies=memberships,
    )

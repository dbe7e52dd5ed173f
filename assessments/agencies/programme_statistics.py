"""The published figures of a national programme, one snapshot per programme (issue 19).

Who counts: firms with a consent in force (``AgencyConsent.objects.in_force``) to at least one of
the programme's member agencies, a submitted assessment (a ``FirmSummary`` row) and an owner who
confirmed their e-mail address, with the scores of their latest one. Generated demo firms count
only in demo mode (``BENCHMARK_DEMO_MODE``, as in the peer figures), and the snapshot then says so.

Groups: all firms, each member agency (a firm sharing with two member agencies counts in both),
each region, sector and size class; for the overall score and each pillar. The disclosure rules
are the peer figures' (``assessments.disclosure``): no figure from fewer than K firms
(``BENCHMARK_MIN_GROUP``); every group lies inside "all", so a group is published only when it
differs from "all" by 0 or at least K firms (the nested-group rule, one level deep); quantiles are
released with differential privacy in whole points; a group whose contributions did not change
keeps its previous release.

Built for a programme of a million firms: one streaming query, counts of equal scores per group
(never a list of values), and the counted release and digest, whose cost does not grow with the
group. The page reads the stored rows only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import batched, compress
from operator import ne
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessments import disclosure
from assessments.peer_statistics import owner_confirmed
from assessments.snapshots import one_rebuild_at_a_time
from questionnaires.loader import KNOWN_PILLARS
from readiness.streamed_rows import streamed_values

from .models import AgencyConsent, Programme, ProgrammeAgency, ProgrammeStatistic

OVERALL = ProgrammeStatistic.OVERALL
SERIES: tuple[str, ...] = (OVERALL, *KNOWN_PILLARS)
Dimension = ProgrammeStatistic.Dimension
GroupKey = tuple[str, str, str]  # (dimension, value, series)
CHUNK = 5000  # rows per round trip, and per counting step

# Names this module's PostgreSQL advisory locks (any fixed number, not the peer figures' one).
_ADVISORY_LOCK_CLASS = 0x50524F47  # "PROG"


def programme_statistics_refresh(programme: Programme) -> int:
    """Publish a new snapshot of ``programme``'s figures; returns the number of firms counted.

    Replaces the programme's rows in one transaction, so the page reads either the old snapshot or
    the new one. Two rebuilds of one programme never overlap (an advisory lock on PostgreSQL; SQLite
    lets one writer in at a time anyway): the second waits, then reads the firms afresh.
    """
    includes_demo = settings.BENCHMARK_DEMO_MODE
    k = settings.BENCHMARK_MIN_GROUP
    epsilon = settings.BENCHMARK_EPSILON
    with transaction.atomic():
        one_rebuild_at_a_time(ProgrammeStatistic, _ADVISORY_LOCK_CLASS, programme.pk)
        previous = {
            (dimension, value, series): (digest, percentiles)
            for dimension, value, series, digest, percentiles in ProgrammeStatistic.objects.filter(
                programme=programme
            ).values_list("dimension", "value", "series", "digest", "percentiles")
        }
        groups, firms = programme_counts(programme.pk, includes_demo=includes_demo)
        now = timezone.now()
        rows = [
            ProgrammeStatistic(
                programme=programme,
                dimension=dimension,
                value=value,
                series=series,
                n=n,
                min_group=k,
                percentiles=released,
                digest=digest,
                includes_demo=includes_demo,
                computed_at=now,
            )
            for (dimension, value, series), n, released, digest in released_groups(
                groups, k=k, epsilon=epsilon, previous=previous
            )
        ]
        ProgrammeStatistic.objects.filter(programme=programme).delete()
        ProgrammeStatistic.objects.bulk_create(rows, batch_size=1000)
    return firms


def contributing_consents(programme_id: int, *, includes_demo: bool):  # type: ignore[no-untyped-def]
    """The consents that make a firm count: in force, to a member agency, from a firm with a
    submitted assessment and, as for the peer figures, an owner who confirmed their e-mail address
    (real firms only, unless ``includes_demo``: generated demo firms have no owner). One row per
    (firm, agency)."""
    consents = AgencyConsent.objects.in_force().filter(
        agency__in=ProgrammeAgency.objects.filter(programme_id=programme_id).values("agency_id"),
        firm__summary__isnull=False,
    )
    if not includes_demo:
        return consents.filter(owner_confirmed(), firm__is_demo=False)
    return consents.filter(owner_confirmed() | Q(firm__is_demo=True))


def programme_counts(programme_id: int, *, includes_demo: bool) -> tuple[dict[GroupKey, Counter[float]], int]:
    """Per group and series, how many firms have each score; and the number of firms counted.

    One query, streamed in chunks, ordered by firm so that a firm sharing with several member agencies
    comes as consecutive rows: each row counts in its agency's group, the firm's first row also in
    "all", its region, sector and size class. Every series of "all" is present, empty or not, so
    that a snapshot always has rows (the page tells "no firms yet" from "not computed yet").
    """
    rows = (
        contributing_consents(programme_id, includes_demo=includes_demo)
        .order_by("firm_id", "agency_id")
        .values_list(
            "firm_id",
            "agency_id",
            "firm__region",
            "firm__sector",
            "firm__size_class",
            "firm__summary__latest_score",
            *(f"firm__summary__latest_{code}" for code in KNOWN_PILLARS),
        )
    )
    return counted_groups(streamed_values(rows, CHUNK))


def counted_groups(rows: Iterable[tuple]) -> tuple[dict[GroupKey, Counter[float]], int]:
    """``programme_counts`` from its rows: (firm id, agency id, region, sector, size class, overall
    score, pillar scores...), ordered by firm. Plain data in, plain data out.

    Counted a chunk of rows at a time, column by column, with ``Counter.update`` over zipped
    columns: the counting loop runs in C, not once per firm and group in Python (a million firms
    in seconds). Only each firm's first row counts outside its agency's group.
    """
    width = len(SERIES)
    everyone: list[Counter[float | None]] = [Counter() for _ in range(width)]
    # Per dimension and series: (value, score) -> firms. A score of None (a pillar with too few
    # answers) is counted too, and dropped below: cheaper than filtering every row.
    pairs: dict[str, list[Counter[tuple[Any, float | None]]]] = {
        dimension: [Counter() for _ in range(width)]
        for dimension in (Dimension.AGENCY, Dimension.REGION, Dimension.SECTOR, Dimension.SIZE_CLASS)
    }
    spellings: Counter[str] = Counter()  # each region as typed, to name its group as most firms spell it
    region_keys = _RegionKeys()
    firms = 0
    last_firm = None
    for chunk in batched(rows, CHUNK):
        firm_ids, agencies, regions, sectors, sizes, *scores = zip(*chunk, strict=True)
        firsts = list(map(ne, firm_ids, (last_firm, *firm_ids[:-1])))  # a firm's first row
        last_firm = firm_ids[-1]
        firms += sum(firsts)
        firm_regions = list(compress(regions, firsts))
        spellings.update(firm_regions)
        by_firm = {
            Dimension.REGION: list(map(region_keys.__getitem__, firm_regions)),
            Dimension.SECTOR: list(compress(sectors, firsts)),
            Dimension.SIZE_CLASS: list(compress(sizes, firsts)),
        }
        for index, column in enumerate(scores):
            pairs[Dimension.AGENCY][index].update(zip(agencies, column, strict=True))
            firm_column = list(compress(column, firsts))
            everyone[index].update(firm_column)
            for dimension, values in by_firm.items():
                pairs[dimension][index].update(zip(values, firm_column, strict=True))
    names = {
        Dimension.AGENCY: str,
        Dimension.REGION: _region_names(spellings, region_keys).__getitem__,
        Dimension.SECTOR: str,
        Dimension.SIZE_CLASS: str,
    }
    groups: dict[GroupKey, Counter[float]] = {}
    for index, series in enumerate(SERIES):
        counts = everyone[index]
        counts.pop(None, None)
        groups[(str(Dimension.ALL), "", series)] = counts  # type: ignore[assignment]
        for dimension, counters in pairs.items():
            name = names[dimension]
            by_value: dict[Any, Counter[float]] = {}
            for (value, score), count in counters[index].items():
                if score is not None:
                    counts = by_value.get(value)
                    if counts is None:
                        counts = by_value[value] = Counter()
                    counts[score] = count
            groups.update(((str(dimension), name(value), series), counts) for value, counts in by_value.items())
    return groups, firms


class _RegionKeys(dict):
    """Region as typed -> its group: "Lombardy", "lombardy " and "LOMBARDY" are one region, as the
    agency filter finds them. Each spelling is normalised once."""

    def __missing__(self, region: str) -> str:
        key = self[region] = " ".join(region.split()).casefold()
        return key


def _region_names(spellings: Counter[str], region_key: dict[str, str]) -> dict[str, str]:
    """Each region group's name: its commonest spelling, spaces tidied (ties: the first alphabetically)."""
    best: dict[str, tuple[int, str]] = {}
    for spelling, count in spellings.items():
        key = region_key[spelling]
        name = " ".join(spelling.split())
        if key not in best or (-count, name) < (-best[key][0], best[key][1]):
            best[key] = (count, name)
    return {key: name for key, (_count, name) in best.items()}


def publishable(groups: dict[GroupKey, int], k: int) -> set[GroupKey]:
    """The groups whose figures may be published: at least ``k`` firms and, since every group lies
    inside "all", a difference from "all" of 0 or at least ``k`` firms (``disclosure.publishable_groups``'
    nested-group rule, for groups one level deep). Otherwise subtracting a group from "all" would
    describe fewer than ``k`` firms."""
    published = set()
    for (dimension, value, series), n in groups.items():
        if n < k:
            continue
        if dimension != Dimension.ALL:
            rest = groups.get((str(Dimension.ALL), "", series), 0) - n
            if 0 < rest < k:
                continue
        published.add((dimension, value, series))
    return published


def released_groups(
    groups: dict[GroupKey, Counter[float]],
    *,
    k: int,
    epsilon: float,
    previous: dict[GroupKey, tuple[str, list[int]]],
) -> Iterable[tuple[GroupKey, int, list[int], str]]:
    """(group, n, released quantiles or [], digest or "") for every group.

    A published group whose contributions are unchanged since the previous snapshot (same digest)
    keeps its released figures: reading the same group every day and averaging gains nothing.
    """
    sizes = {key: sum(counts.values()) for key, counts in groups.items()}
    published = publishable(sizes, k)
    for key, counts in groups.items():
        released: list[int] = []
        digest = ""
        if key in published:
            digest = disclosure.counted_digest(counts, epsilon=epsilon, k=k)
            before = previous.get(key)
            if before is not None and before[0] == digest and before[1]:
                released = before[1]
            else:
                released = disclosure.release_quantiles_counted(counts, epsilon)
        yield key, sizes[key], released, digest

"""The published peer figures behind every benchmark, one snapshot per group and pillar.

A snapshot is rebuilt from scratch from each contributing firm's summary row (its latest
submitted assessment) by the background worker on a schedule (``PEER_STATISTICS_INTERVAL``,
``tasks.publish_peer_statistics``), never after each submission: an attacker reading the figures
before and after one submission would otherwise see that one firm's effect. Withdrawing
benchmark consent, changing the profile or deleting the account takes the firm out of the next
snapshot and asks for one. ``manage.py refresh_peer_statistics`` rebuilds by hand.

Contributors: firms with benchmark consent (to the current wording), a submitted assessment and
an owner who confirmed their e-mail address. What is stored is what may be published (``disclosure``).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from questionnaires.dma import DIMENSIONS as DMA_DIMENSIONS
from questionnaires.loader import KNOWN_PILLARS
from readiness.streamed_rows import streamed_values

from . import disclosure
from .benchmarks import PEER_SCOPES
from .consent_texts import benchmark_consent_version
from .models import FirmSummary, Membership, PeerStatistic
from .snapshots import one_rebuild_at_a_time


def peer_statistics_refresh(*, includes_demo: bool) -> int:
    """Publish a new snapshot of the peer figures from the latest submitted assessment of each
    contributing firm.

    Demo firms count only in the demo-mode set (``includes_demo``). Returns the number of
    peer firms. One query, whatever the number of firms (each firm's summary row); the grouping
    and the released figures are computed here, once, not on every results page. A group whose
    contributions did not change since the last snapshot keeps its released figures.

    Two rebuilds of one set never overlap (``snapshots.one_rebuild_at_a_time``): the second
    waits, then reads the peers afresh and replaces the first's rows.
    """
    with transaction.atomic():
        one_rebuild_at_a_time(PeerStatistic, _ADVISORY_LOCK_CLASS, int(includes_demo))
        previous = {
            (row.scope, row.size_class, row.sector, row.country, row.pillar_code): row
            for row in PeerStatistic.objects.filter(includes_demo=includes_demo).only(
                "scope", "size_class", "sector", "country", "pillar_code", "digest", "percentiles"
            )
        }
        statistics, peer_count = _statistics(includes_demo, previous)
        PeerStatistic.objects.filter(includes_demo=includes_demo).delete()
        PeerStatistic.objects.bulk_create(statistics, batch_size=1000)
    return peer_count


# Names this module's PostgreSQL advisory locks (any fixed number, the same in every process).
_ADVISORY_LOCK_CLASS = 0x52454144  # "READ"


def owner_confirmed(firm: str = "firm") -> Exists:
    """Whether the firm (the outer query's ``firm`` field) has an owner who confirmed their e-mail
    address: a firm counts in any published figure only then, so that made-up firms cannot fill
    a group up to K around a real one."""
    return Exists(
        Membership.objects.filter(
            firm=OuterRef(firm), role=Membership.Role.OWNER, user__email_confirmed_at__isnull=False
        )
    )


def contributors(includes_demo: bool) -> QuerySet[FirmSummary]:
    """The firms whose latest submitted assessment counts in the peer figures, as summary rows."""
    confirmed_owner = owner_confirmed()
    # Consent given to the words the profile shows now: given to other words, it waits until the
    # firm confirms again (``consent_texts``).
    consenting = FirmSummary.objects.filter(
        firm__benchmark_consent=True, firm__benchmark_consent_version=benchmark_consent_version()
    )
    if settings.BENCHMARK_VERIFIED_ONLY:  # every answer of the latest assessment verified by an advisor
        consenting = consenting.filter(latest_verified__gt=0, latest_verified=F("latest_answered"))
    if not includes_demo:
        return consenting.filter(confirmed_owner, firm__is_demo=False)
    # Generated demo firms have no owner to confirm anything; no one can sign up as one, and they
    # count only in the demo-mode set.
    return consenting.filter(confirmed_owner | Q(firm__is_demo=True))


def _statistics(includes_demo: bool, previous: dict[tuple, PeerStatistic]) -> tuple[list[PeerStatistic], int]:
    """The rows of every group and pillar, unsaved, and the number of peer firms.

    Each firm's scores are counted once, in its narrowest group (size, sector, country), as
    value -> number of firms; every wider group is the sum of the narrow groups inside it. The
    released figures are drawn from those counts (``disclosure.release_quantiles_counted``), so a
    national platform of a million firms is rebuilt in seconds: no list of a million values per
    group, no per-firm work beyond one pass over the rows.
    """
    k = settings.BENCHMARK_MIN_GROUP
    epsilon = settings.BENCHMARK_EPSILON
    # (size, sector, country) -> series -> score -> firms: one dictionary lookup per firm.
    narrow: dict[tuple[str, str, str], dict[str, Counter[float]]] = defaultdict(lambda: defaultdict(Counter))
    peer_count = 0
    # A row's scores: overall, the pillars and the DMA dimensions latest, then the pillars and the
    # dimensions first; the series counted as scores are the first 1 + pillars of them.
    series = [*KNOWN_PILLARS, *DMA_DIMENSIONS]
    scored = [PeerStatistic.OVERALL, *KNOWN_PILLARS]
    change_codes = [PeerStatistic.change_code(code) for code in series]
    afters = slice(1, 1 + len(series))
    befores = slice(1 + len(series), 1 + 2 * len(series))
    for size, sector, country, submitted, first_at, latest_at, *scores in streamed_values(
        contributors(includes_demo).values_list(
            "firm__size_class",
            "firm__sector",
            "firm__country",
            "submitted_count",
            "first__submitted_at",
            "latest_submitted_at",
            "latest_score",
            *(FirmSummary.pillar_field("latest", code) for code in KNOWN_PILLARS),
            *(FirmSummary.dma_field("latest", code) for code in DMA_DIMENSIONS),
            *(FirmSummary.pillar_field("first", code) for code in KNOWN_PILLARS),
            *(FirmSummary.dma_field("first", code) for code in DMA_DIMENSIONS),
        ),
        chunk_size=5000,
    ):
        group = narrow[(size, sector, country)]
        if scores[0] is not None:
            peer_count += 1
        for code, score in zip(scored, scores, strict=False):  # the overall score and the pillars'
            if score is not None:
                group[code][score] += 1
        if submitted >= 2:  # re-assessed long enough apart: its change a year, as a score of its own
            days = (latest_at - first_at).total_seconds() / 86400
            for code, change in zip(
                change_codes, PeerStatistic.change_scores(scores[befores], scores[afters], days), strict=True
            ):
                if change is not None:
                    group[code][change] += 1
    groups: dict[str, dict[disclosure.GroupKey, Counter[float]]] = defaultdict(lambda: defaultdict(Counter))
    for (size, sector, country), series_counts in narrow.items():
        profile_values = {"size_class": size, "sector": sector, "country": country}
        for scope, fields in PEER_SCOPES:
            key = tuple(profile_values[f] if f in fields else "" for f in ("size_class", "sector", "country"))
            for pillar, counts in series_counts.items():
                groups[pillar][(scope, *key)].update(counts)
    now = timezone.now()
    statistics = []
    for pillar, series in groups.items():
        sizes = {key: counts.total() for key, counts in series.items()}
        published = disclosure.publishable_groups(sizes, k)
        for key, counts in series.items():
            released, digest = [], ""
            if key in published:
                digest = disclosure.counted_digest(counts, epsilon=epsilon, k=k)
                before = previous.get((*key, pillar))
                if before is not None and before.digest == digest and before.percentiles:
                    released = before.percentiles  # unchanged contributions: no fresh noise
                else:
                    released = disclosure.release_quantiles_counted(counts, epsilon)
            scope, size, sector, country = key
            statistics.append(
                PeerStatistic(
                    includes_demo=includes_demo,
                    scope=scope,
                    size_class=size,
                    sector=sector,
                    country=country,
                    pillar_code=pillar,
                    n=sizes[key],
                    min_group=k,
                    percentiles=released,
                    digest=digest,
                    computed_at=now,
                )
            )
    return statistics, peer_count

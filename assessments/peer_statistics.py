"""The peer distributions behind every benchmark figure, precomputed per group and pillar.

Rebuilt from scratch from each consenting firm's summary row (its latest submitted assessment):
after submissions (``services``, at most once a minute, or by the background worker on a large
platform: ``tasks.refresh_peer_statistics``), after an account is deleted, and by
``manage.py refresh_peer_statistics``.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from questionnaires.loader import KNOWN_PILLARS

from .benchmarks import PEER_SCOPES, quantile_table
from .models import FirmSummary, PeerStatistic


def peer_statistics_refresh(*, includes_demo: bool) -> int:
    """Rebuild the peer distributions from the latest submitted assessment of each consenting firm.

    Demo firms count only in the demo-mode set (``includes_demo``). Returns the number of
    peer firms. One query, whatever the number of firms (each firm's summary row); the grouping
    and the percentile tables are computed here, once, not on every results page.

    Two rebuilds of one set never overlap (``_one_rebuild_at_a_time``): the second waits, then
    reads the peers afresh and replaces the first's rows.
    """
    with transaction.atomic():
        _one_rebuild_at_a_time(includes_demo)
        statistics, peer_count = _statistics(includes_demo)
        PeerStatistic.objects.filter(includes_demo=includes_demo).delete()
        PeerStatistic.objects.bulk_create(statistics, batch_size=1000)
    return peer_count


# Any fixed number, the same in every process: names this module's PostgreSQL advisory locks.
_ADVISORY_LOCK_CLASS = 0x52454144  # "READ"


def _one_rebuild_at_a_time(includes_demo: bool) -> None:
    """Hold, until the transaction ends, the lock that serialises rebuilds of this set.

    Without it two rebuilds at once (a submission's and the worker's, say) on PostgreSQL each
    delete the old rows and insert their own: the second insert then breaks the unique
    constraint once the first commits (``IntegrityError``). SQLite lets one writer in at a time
    whatever happens, so it needs no lock of ours.
    """
    connection = connections[router.db_for_write(PeerStatistic)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ADVISORY_LOCK_CLASS, int(includes_demo)])


def _statistics(includes_demo: bool) -> tuple[list[PeerStatistic], int]:
    """The rows of every group and pillar, unsaved, and the number of peer firms."""
    k = settings.BENCHMARK_MIN_GROUP
    # Each firm's latest submitted assessment is its summary row (``FirmSummary``).
    peers = FirmSummary.objects.filter(firm__benchmark_consent=True)
    if not includes_demo:
        peers = peers.filter(firm__is_demo=False)
    rows = []
    for size, sector, country, overall, *pillar_scores in peers.values_list(
        "firm__size_class",
        "firm__sector",
        "firm__country",
        "latest_score",
        *(FirmSummary.pillar_field("latest", code) for code in KNOWN_PILLARS),
    ).iterator(chunk_size=5000):
        scores = ((PeerStatistic.OVERALL, overall), *zip(KNOWN_PILLARS, pillar_scores, strict=True))
        rows.extend((size, sector, country, pillar, score) for pillar, score in scores if score is not None)
    groups: dict[tuple[str, str, str, str, str], list[float]] = defaultdict(list)
    for size, sector, country, pillar, score in rows:
        profile_values = {"size_class": size, "sector": sector, "country": country}
        for scope, fields in PEER_SCOPES:
            key = tuple(profile_values[f] if f in fields else "" for f in ("size_class", "sector", "country"))
            groups[(scope, *key, pillar)].append(score)
    now = timezone.now()
    statistics = [
        PeerStatistic(
            includes_demo=includes_demo,
            scope=scope,
            size_class=size,
            sector=sector,
            country=country,
            pillar_code=pillar,
            n=len(values),
            min_group=k,
            percentiles=quantile_table(values, k) if len(values) >= k else [],
            computed_at=now,
        )
        for (scope, size, sector, country, pillar), values in groups.items()
    ]
    return statistics, sum(1 for row in rows if row[3] == PeerStatistic.OVERALL)

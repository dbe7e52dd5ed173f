"""Two rebuilds of the peer statistics at once (a submission's and the worker's) both succeed.

Each rebuild deletes the old rows and inserts its own under a unique constraint. On PostgreSQL,
without a lock, the second rebuild's delete waits for the first's transaction, then misses the
rows the first inserted, and its insert breaks the constraint (``IntegrityError``) after the
submission that started it was saved. SQLite lets one writer in at a time, so the race exists
only on PostgreSQL: this test runs in ``make test``'s second run, against a real server.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections

from assessments.models import PeerStatistic
from assessments.peer_statistics import peer_statistics_refresh
from questionnaires.models import QuestionnaireVersion
from tests.factories import FirmFactory
from tests.helpers import submitted_with_scores


@pytest.mark.django_db(transaction=True)
def test_two_rebuilds_at_once_both_succeed(version: QuestionnaireVersion, monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's concurrent writers; make test's second run has them")
    for i in range(12):
        submitted_with_scores(FirmFactory(), version, 40.0 + i)
    peer_statistics_refresh(includes_demo=False)
    expected = sorted(
        PeerStatistic.objects.filter(includes_demo=False).values_list(
            "scope", "size_class", "sector", "country", "pillar_code", "n", "percentiles"
        )
    )

    first_inserted, second_started = threading.Event(), threading.Event()
    real_bulk_create = PeerStatistic.objects.bulk_create

    def bulk_create_then_hold(*args: Any, **kwargs: Any) -> Any:
        rows = real_bulk_create(*args, **kwargs)
        if threading.current_thread().name == "first":
            # Still inside the first rebuild's transaction: let the second one start meanwhile.
            first_inserted.set()
            second_started.wait(5)
            time.sleep(0.5)
        return rows

    monkeypatch.setattr(PeerStatistic.objects, "bulk_create", bulk_create_then_hold)
    errors: list[BaseException] = []

    def rebuild(wait_for: threading.Event | None) -> None:
        try:
            if wait_for is not None:
                wait_for.wait(5)
                second_started.set()
            peer_statistics_refresh(includes_demo=False)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=rebuild, args=(None,), name="first"),
        threading.Thread(target=rebuild, args=(first_inserted,), name="second"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert first_inserted.is_set() and second_started.is_set()  # the two did overlap
    rows = sorted(
        PeerStatistic.objects.filter(includes_demo=False).values_list(
            "scope", "size_class", "sector", "country", "pillar_code", "n", "percentiles"
        )
    )
    assert rows == expected

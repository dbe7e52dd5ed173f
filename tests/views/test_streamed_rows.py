"""``streamed_values``: the rows of the exports and the snapshot rebuilds, read as a stream on
PostgreSQL, as the ORM reads them.

On PostgreSQL the rows come from psycopg's ``stream`` rather than a server-side cursor; these
tests run in both of ``make test``'s runs (SQLite, then PostgreSQL), the last one only where
there is a stream to hold (PostgreSQL).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, Firm
from questionnaires.models import QuestionnaireVersion
from readiness.streamed_rows import StreamBusy, streamed_values
from tests.factories import FirmFactory
from tests.helpers import submitted_with_scores

pytestmark = pytest.mark.django_db


def needs_a_stream() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads through iterator(): there is no stream to hold; make test's second run has one")


def test_rows_are_the_querysets_rows_converted_as_the_orm_converts_them(version: QuestionnaireVersion) -> None:
    for i in range(7):
        submitted_with_scores(FirmFactory(name=f"Firm {i}"), version, 30.0 + i)
    # A datetime, a float, a foreign key, an annotation, a None and a JSON document (which
    # PostgreSQL hands over as text: the ORM's converter decodes it).
    queryset = (
        Assessment.objects.annotate(label=Concat(F("firm__name"), Value(" / "), F("status")))
        .order_by("-pk")
        .values_list(
            "pk", "submitted_at", "overall_score", "firm_id", "label", "prefilled_from_id",
            "firm__latest_answers__answers",
        )
    )  # fmt: skip
    expected = list(queryset)
    assert len(expected) == 7 and all(row[1] is not None for row in expected)
    assert all(isinstance(row[-1], dict) for row in expected)

    with CaptureQueriesContext(connection) as queries:
        # Chunks of 2 rows: the rows of several chunks come out in order, none lost at their seams.
        streamed = list(streamed_values(queryset, chunk_size=2))

    assert streamed == expected
    assert [type(value) for value in streamed[0]] == [type(value) for value in expected[0]]
    assert len(queries) == 1, "the whole read is one query, counted as one"
    assert "%s" not in queries[0]["sql"], "logged with its parameters written in, as Django logs a query"


def test_an_empty_result_streams_nothing_and_the_connection_answers_again_once_a_stream_ends() -> None:
    FirmFactory(name="Only firm")
    assert list(streamed_values(Firm.objects.filter(pk=-1).values_list("pk", "name"), chunk_size=10)) == []
    assert Firm.objects.count() == 1, "the stream's refusal of other queries outlived the stream"


@pytest.mark.django_db(transaction=True)
def test_another_query_during_the_stream_is_refused_not_left_hanging_and_an_early_stop_frees_the_connection() -> None:
    needs_a_stream()
    for i in range(5):
        FirmFactory(name=f"Firm {i}")
    outcome: dict[str, Any] = {}

    def scenario() -> None:
        try:
            rows = streamed_values(Firm.objects.order_by("pk").values_list("pk", "name"), chunk_size=2)
            outcome["first"] = next(rows)
            try:
                Firm.objects.count()
            except StreamBusy:
                outcome["refused"] = True
            rows.close()  # the reader stops early (a client that hung up)
            outcome["count_after"] = Firm.objects.count()
        except BaseException as exc:  # handed to the test's thread
            outcome["error"] = exc
        finally:
            connection.close()

    # Its own thread and connection: were the query let through, psycopg would wait for ever
    # for the stream to end; the test then fails on the timeout instead of hanging.
    worker = threading.Thread(target=scenario, daemon=True)
    worker.start()
    worker.join(timeout=20)

    assert not worker.is_alive(), "a query during the stream hung the connection"
    assert "error" not in outcome, outcome.get("error")
    assert outcome["first"][1] == "Firm 0"
    assert outcome.get("refused"), "the query during the stream was not refused"
    assert outcome["count_after"] == 5, "the connection was not usable after the stream stopped early"

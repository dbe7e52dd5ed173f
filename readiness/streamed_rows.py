"""A values_list query read as a stream: the exports and the snapshot rebuilds, which read a
whole portfolio or platform in one pass.

``QuerySet.iterator()`` reads PostgreSQL through a server-side cursor (DECLARE … FETCH), which
has two costs on a large read: PostgreSQL never plans a cursor's query in parallel, and the
server and this process take turns (the server computes a chunk and waits while Python handles
it). Streamed instead (psycopg's ``stream``: the query is sent once and its rows arrive in
chunks as the server produces them), the server works on the next rows while Python handles the
last ones; memory stays flat all the same, libpq holding one chunk at a time. On a national
platform of a million firms this took a fifth to a third off the CSV export of 100,000 clients
and both snapshot rebuilds (bench/README.md).

Other databases keep ``iterator()``: SQLite's cursor already reads lazily in the process.

While a stream is open its connection can run nothing else (psycopg holds the connection's lock
until the last row: a query from the same thread would wait for ever). So any other query on
the connection meanwhile is refused with ``StreamBusy``, a clear error rather than a hang: the
loop over the rows must not query.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.db import connections
from django.db.models import QuerySet

# libpq 17 can hand rows over in chunks; older ones only one row at a time (slower, still flat).
CHUNKED_LIBPQ = 170000


class StreamBusy(RuntimeError):
    """A query was sent to a connection while it was streaming rows."""


def streamed_values(queryset: QuerySet[Any, tuple[Any, ...]], chunk_size: int) -> Iterator[tuple[Any, ...]]:
    """The rows of ``queryset`` (a ``values_list``, not flat), converted as the ORM converts
    them, read lazily: at most about ``chunk_size`` rows held at once."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    import psycopg

    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    width = compiler.col_count if compiler.has_extra_select else None
    size = chunk_size if psycopg.pq.version() >= CHUNKED_LIBPQ else 1

    def refuse(*_args: Any) -> None:
        raise StreamBusy("this connection is streaming rows: no other query on it until the stream ends")

    with connection.cursor() as cursor:
        raw = cursor.cursor.stream(sql, params, size=size)
        rows = raw if width is None else (row[:width] for row in raw)
        try:
            with connection.execute_wrapper(refuse), _logged(cursor, sql, params):
                yield from compiler.results_iter(results=[rows], tuple_expected=True)
        finally:
            raw.close()  # cancels the query if the reader stopped early; the connection is usable


def _logged(cursor: Any, sql: str, params: Any) -> AbstractContextManager[None]:
    """The query in ``connection.queries`` (tests and the bench count queries, the bench explains
    them: its parameters written in), timed to its last row."""
    debug_sql = getattr(cursor, "debug_sql", None)
    return debug_sql(sql, params, use_last_executed_query=True) if debug_sql else nullcontext()

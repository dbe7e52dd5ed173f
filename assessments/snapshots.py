"""What every published snapshot (the peer figures, a programme's figures) needs when rebuilt."""

from __future__ import annotations

from django.db import connections, router
from django.db.models import Model


def one_rebuild_at_a_time(model: type[Model], lock_class: int, key: int) -> None:
    """Hold, until the transaction ends, the lock that serialises rebuilds of one snapshot of
    ``model``'s rows (``lock_class``, a fixed number per kind of snapshot; ``key``, which one).

    A rebuild deletes the old rows and inserts its own. Without the lock two rebuilds at once on
    PostgreSQL (a submission's and the worker's, say) would each do so, and the second insert
    would break the unique constraint once the first commits (``IntegrityError``); with it, the
    second waits, then reads afresh and replaces the first's rows. SQLite lets one writer in at a
    time whatever happens, so it needs no lock of ours.
    """
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [lock_class, key])

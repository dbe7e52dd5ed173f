"""The statements of a save ("Save and continue"), as plain SQL built once per process.

A save runs a handful of small statements in one transaction. Built through the ORM, each
cost more CPU to compile than the database took to run it (``bench/profile_pages.py``: the
save page served a tenth of the trivial view's rate, most of it in query compilation). Here
they are written once per database, with the model's own table and column names, and run
with parameters; PostgreSQL and SQLite (3.24 and later) both take ``INSERT … ON CONFLICT``.
``services.assessment_save_answers`` says what a save means; this module only says it in SQL.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connections, router

from .models import Answer, Assessment, TeamRound


def _alias() -> str:
    return router.db_for_write(Answer)


@functools.cache
def _names(alias: str) -> dict[str, str]:
    quote = connections[alias].ops.quote_name
    return {
        "answer": quote(Answer._meta.db_table),
        "assessment": quote(Assessment._meta.db_table),
        "round": quote(TeamRound._meta.db_table),
    }


def claim_draft(assessment_id: int, now: datetime) -> bool:
    """Inside the save's transaction: mark the assessment changed now, if it is still a draft
    with no team round open; True if it is. The UPDATE takes the row's lock (a concurrent submit
    waits for the save, and the save for it), so the check and the write that follows are one."""
    alias = _alias()
    connection = connections[alias]
    names = _names(alias)
    sql = (
        f"UPDATE {names['assessment']} SET updated_at = %s "  # noqa: S608 - names from the models
        f"WHERE id = %s AND status = %s AND NOT EXISTS (SELECT 1 FROM {names['round']} r "
        f"WHERE r.assessment_id = {names['assessment']}.id AND r.closed_at IS NULL)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [connection.ops.adapt_datetimefield_value(now), assessment_id, Assessment.Status.DRAFT.value]
        )
        return cursor.rowcount == 1


def upsert_answers(assessment_id: int, answers: Mapping[int, Sequence[str]], now: datetime) -> None:
    """Write ``answers`` (question id -> choice codes) as confirmed answers, new or replacing.

    An advisor's verification goes with the answer it was made on: a replaced answer whose
    codes differ loses its mark (who, when, which agency); an unchanged one keeps it.
    """
    if not answers:
        return
    alias = _alias()
    connection = connections[alias]
    table = _names(alias)["answer"]
    codes_field = Answer._meta.get_field("choice_codes")
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = []
    params: list[Any] = []
    for question_id, codes in answers.items():
        rows.append("(%s, %s, %s, %s, %s, %s, %s)")
        params += [
            assessment_id,
            question_id,
            codes_field.get_db_prep_save(list(codes), connection),
            False,
            "",
            "",
            stamp,
        ]
    same = f"{table}.choice_codes = excluded.choice_codes"
    sql = (
        f"INSERT INTO {table} (assessment_id, question_id, choice_codes, is_prefilled, evidence, "  # noqa: S608
        f"verified_agency_name, updated_at) VALUES {', '.join(rows)} "
        "ON CONFLICT (assessment_id, question_id) DO UPDATE SET "
        "choice_codes = excluded.choice_codes, is_prefilled = excluded.is_prefilled, "
        "updated_at = excluded.updated_at, "
        f"verified_at = CASE WHEN {same} THEN {table}.verified_at END, "
        f"verified_by_id = CASE WHEN {same} THEN {table}.verified_by_id END, "
        f"verified_agency_id = CASE WHEN {same} THEN {table}.verified_agency_id END, "
        f"verified_agency_name = CASE WHEN {same} THEN {table}.verified_agency_name ELSE '' END"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def confirm_prefilled(assessment_id: int, question_ids: Collection[int]) -> None:
    """The pre-filled answers among ``question_ids`` were seen and saved as they were."""
    if not question_ids:
        return
    alias = _alias()
    table = _names(alias)["answer"]
    marks = ", ".join(["%s"] * len(question_ids))
    sql = (
        f"UPDATE {table} SET is_prefilled = %s "  # noqa: S608
        f"WHERE assessment_id = %s AND is_prefilled = %s AND question_id IN ({marks})"
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [False, assessment_id, True, *question_ids])


def stored_answers(assessment_id: int, question_ids: Collection[int]) -> dict[int, list[str]]:
    """Question id -> the stored choice codes, for those of ``question_ids`` that have an answer."""
    if not question_ids:
        return {}
    alias = _alias()
    table = _names(alias)["answer"]
    marks = ", ".join(["%s"] * len(question_ids))
    sql = f"SELECT question_id, choice_codes FROM {table} WHERE assessment_id = %s AND question_id IN ({marks})"  # noqa: S608
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [assessment_id, *question_ids])
        # SQLite hands JSON back as text, PostgreSQL's driver as Python objects.
        return {qid: json.loads(codes) if isinstance(codes, str) else list(codes) for qid, codes in cursor.fetchall()}

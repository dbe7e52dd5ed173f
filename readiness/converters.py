"""URL converters shared by the apps' URL patterns.

``<id:name>`` is a database id: digits that fit the 64-bit integer column every id lives in.
Django's ``<int:…>`` matches any run of digits, and a value beyond 2⁶³ − 1 then reaches the
database, which cannot hold it (``OverflowError`` on SQLite, ``DataError`` on PostgreSQL) and
the request ends in a 500. Here ``to_python`` refuses it, which Django treats as "no match":
a 404, like any other id that names nothing.
"""

from __future__ import annotations

from django.urls import register_converter

MAX_ID = 2**63 - 1  # the largest value of a signed 64-bit column (BigAutoField)


class DatabaseIdConverter:
    regex = "[0-9]{1,19}"  # 2⁶³ − 1 has 19 digits; longer never matches

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} does not fit a database id")
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)


register_converter(DatabaseIdConverter, "id")

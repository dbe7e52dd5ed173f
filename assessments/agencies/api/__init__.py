"""The agencies' read-only REST API, ``/api/v1/`` (Django REST framework, drf-spectacular).

An agency's admin makes keys (``ApiToken``) on the agency's API page. A key reads only the
agency's consenting clients, like every agency page (``selectors._clients``), within its
scopes; every call is recorded (``ApiCall``) and every client it reaches is told in the access
log, as for an export. Keys are rate-limited per minute across all processes (the limit counts
``ApiCall`` rows). Lists use cursor pagination, ordered by id, so a page costs the same at
10,000 clients as at 10.
"""

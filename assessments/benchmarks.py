"""Peer groups: which firms a firm is compared with. Pure functions over plain values.

The figures published for each group, and the rules that keep any one firm from being singled
out of them, are in ``disclosure``.
"""

from __future__ import annotations

from collections.abc import Sequence

# The peer groups, narrowest first; each names the profile fields that must match.
PEER_SCOPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("size_sector_country", ("size_class", "sector", "country")),
    ("size_country", ("size_class", "country")),
    ("size", ("size_class",)),
    ("all", ()),
)


def narrowest_group(counts: Sequence[tuple[str, int]], k: int) -> str | None:
    """The first scope (narrowest first) with at least ``k`` firms, or None if none has."""
    for scope, n in counts:
        if n >= k:
            return scope
    return None

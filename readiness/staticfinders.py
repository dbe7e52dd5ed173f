"""A static-files finder for plotly.js, straight from the installed ``plotly`` package.

The charts need plotly.js in the browser, served by us (no CDN: a strict Content Security
Policy and no third party learning who looks at results). Copying the 4.8 MB file into the
repository would let it drift from the ``plotly`` pin in pyproject.toml, so this finder
exposes the copy the package ships, ``plotly/package_data/plotly.min.js``, as
``vendor/plotly/plotly.min.js`` — and nothing else from the package.

It works wherever Django's finders do: ``collectstatic`` (then WhiteNoise serves the collected,
hashed copy when DEBUG is off), ``findstatic``, runserver, and WhiteNoise's finder mode.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders, utils
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

PLOTLY_PREFIX = "vendor/plotly"
PLOTLY_FILE = "plotly.min.js"
PLOTLY_STATIC_PATH = f"{PLOTLY_PREFIX}/{PLOTLY_FILE}"


def plotly_package_data() -> Path | None:
    """The ``package_data`` folder of the installed plotly package, or None without plotly.

    Found without importing plotly: importing it at startup would cost every process time
    and memory for a file we only serve.
    """
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "package_data"


class PlotlyFinder(finders.BaseFinder):
    """Finds ``vendor/plotly/plotly.min.js`` in the installed plotly package, and only that."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location = plotly_package_data()
        self.storage: FileSystemStorage | None = None
        if self.location is not None and (self.location / PLOTLY_FILE).is_file():
            self.storage = FileSystemStorage(location=self.location)
            # collectstatic and WhiteNoise put a storage's files under its prefix.
            self.storage.prefix = PLOTLY_PREFIX  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        if self.storage is None:
            return [
                Error(
                    f"plotly.js not found: the plotly package is missing or has no package_data/{PLOTLY_FILE}.",
                    hint="Install the locked requirements (pip install --require-hashes -r requirements.txt).",
                    obj=self,
                    id="readiness.E001",
                )
            ]
        return []

    def find(self, path: str, find_all: bool = False) -> str | list[str]:
        if self.storage is None or path.replace("\\", "/") != PLOTLY_STATIC_PATH:
            return []
        location = str(self.location)
        if location not in finders.searched_locations:
            finders.searched_locations.append(location)
        match = self.storage.path(PLOTLY_FILE)
        return [match] if find_all else match

    def list(self, ignore_patterns: list[str] | None) -> Iterator[tuple[str, FileSystemStorage]]:
        # The path is relative to the storage; its prefix places it under vendor/plotly/.
        if self.storage is not None and not utils.matches_patterns(PLOTLY_FILE, ignore_patterns or []):
            yield PLOTLY_FILE, self.storage

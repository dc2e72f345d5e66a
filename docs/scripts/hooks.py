"""MkDocs hook: pages written by other work streams appear in the nav only once their files exist.

``docs/ui.md``, ``docs/contours.md`` and ``docs/development.md`` are listed in ``mkdocs.yml``; while one of them is not in the
checkout its nav entry is dropped here (a missing nav file is a warning, and the build is strict).
"""

from __future__ import annotations

from pathlib import Path

OPTIONAL = {"ui.md", "contours.md", "development.md"}


def prune(items: list, docs: Path) -> list:
    """The nav without entries for optional pages that are not in ``docs``."""
    kept = []
    for item in items:
        if isinstance(item, dict):
            ((title, value),) = item.items()
            if isinstance(value, list):
                kept.append({title: prune(value, docs)})
            elif not (value in OPTIONAL and not (docs / value).exists()):
                kept.append(item)
        elif not (item in OPTIONAL and not (docs / item).exists()):
            kept.append(item)
    return kept


def on_config(config):
    """Drop the nav entries of optional pages that do not exist yet."""
    if config.nav:
        config.nav = prune(config.nav, Path(config.docs_dir))
    return config

"""Where the API reference documents each public name: shared by ``gen_api.py`` (which writes the pages) and
``hooks.py`` (which turns the docstrings' ``:func:`name``` roles into links to them)."""

from __future__ import annotations

import importlib

import chromagrid

#: Subpackage -> page title, in the order data flows through the stages.
SUBPACKAGES = {
    "io": "io: images in, files out",
    "scale": "scale: colour scales",
    "decode": "decode: colour to value",
    "heatmap": "heatmap: cell heat maps",
    "find": "find: what the figure holds",
    "geo": "geo: georeferencing",
    "reduce": "reduce: points and checks",
    "export": "export: NetCDF, GeoTIFF, points",
}


def where(module: str, name: str) -> str:
    """The dotted path of ``module.name`` under the module that defines it."""
    obj = getattr(importlib.import_module(module), name)
    home = getattr(obj, "__module__", module) or module
    return f"{home}.{name}" if hasattr(importlib.import_module(home), name) else f"{module}.{name}"


def documented_in_subpackages() -> dict[str, str]:
    """Dotted path -> the subpackage page that documents it."""
    pages: dict[str, str] = {}
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"chromagrid.{sub}")
        for name in module.__all__:
            pages.setdefault(where(f"chromagrid.{sub}", name), sub)
    return pages


def anchors() -> dict[str, str]:
    """Dotted path of every documented name -> its page and anchor (``api/scale.md#chromagrid.scale...``)."""
    found = {path: f"api/{sub}.md#{path}" for path, sub in documented_in_subpackages().items()}
    for name, module in chromagrid._PUBLIC.items():
        found.setdefault(where(module, name), f"api/chromagrid.md#{where(module, name)}")
    return found

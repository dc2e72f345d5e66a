"""The Examples sections of the package's docstrings, run as doctests; and every public name has one.

Each module of ``chromagrid`` is one test: its docstrings' ``>>>`` examples run from the project root (so
they may read the bundled figures in ``examples/``), with ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``.
The public names are the top-level ``chromagrid`` namespace and each stage subpackage's ``__all__``.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import chromagrid

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ("io", "scale", "decode", "heatmap", "find", "geo", "reduce", "export")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

MODULES = sorted(m.name for m in pkgutil.walk_packages(chromagrid.__path__, "chromagrid."))


def public_objects() -> dict[str, object]:
    """Every public name of the package, by the dotted path of the module that defines it."""
    found: dict[str, object] = {}
    for name, module in chromagrid._PUBLIC.items():
        obj = getattr(importlib.import_module(module), name)
        found.setdefault(f"{obj.__module__}.{name}", obj)
    for sub in SUBPACKAGES:
        package = importlib.import_module(f"chromagrid.{sub}")
        for name in package.__all__:
            obj = getattr(package, name)
            found.setdefault(f"{getattr(obj, '__module__', package.__name__)}.{name}", obj)
    return found


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    module = importlib.import_module(module_name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, module_name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {module_name}"


def test_the_doctests_are_found():
    """The runner above sees the examples: a fixed few of them, in modules known to hold them."""
    tests = doctest.DocTestFinder(exclude_empty=True).find(importlib.import_module("chromagrid.scale.identify"))
    assert sum(len(t.examples) for t in tests) >= 10


def test_every_public_name_has_an_examples_section():
    missing = [
        path for path, obj in public_objects().items() if "Examples\n--------" not in (inspect.getdoc(obj) or "")
    ]
    assert not missing, f"public names without an Examples section: {missing}"


def test_every_public_example_is_a_doctest():
    """An Examples section holds at least one ``>>>`` line, so the run above checks it."""
    empty = []
    for path, obj in public_objects().items():
        doc = inspect.getdoc(obj) or ""
        if "Examples\n--------" in doc and ">>>" not in doc.split("Examples\n--------", 1)[1]:
            empty.append(path)
    assert not empty, f"Examples sections without a doctest: {empty}"

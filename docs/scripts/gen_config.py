"""Append the config key tables to config.md at docs build time, from the pydantic models themselves.

Run by mkdocs-gen-files during ``mkdocs build``. Every key, its type, default, limits and description come
from ``chromagrid.config`` (``Config``, ``CellsConfig`` and their sections), ``chromagrid.reduce.settings``
and ``chromagrid.batch.BatchConfig``, so the reference cannot drift from what the code accepts.
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path

import mkdocs_gen_files
from pydantic import BaseModel

from chromagrid.batch import BatchConfig
from chromagrid.config import CellsConfig, Config

#: annotated_types constraint -> (its attribute, the words for it)
LIMITS = {
    "Ge": ("ge", ">="),
    "Gt": ("gt", ">"),
    "Le": ("le", "<="),
    "Lt": ("lt", "<"),
    "MultipleOf": ("multiple_of", "multiple of"),
}


def anchor(path: str) -> str:
    """The heading anchor of a section's table (what MkDocs' toc makes of its title)."""
    return path.replace(".", "").lower()


def type_text(annotation, links: dict[type, str]) -> str:
    """A type annotation in the words of a config file: ``int | null``, ``"fill" | "mask"``, a section link."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_text(args[0], links)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(type_text(a, links) for a in args)
    if origin is typing.Literal:
        return " \\| ".join(json.dumps(a) for a in args)
    if origin is list:
        return f"list of {type_text(args[0], links)}" if args else "list"
    if origin is tuple:
        return "[" + ", ".join(type_text(a, links) for a in args) + "]"
    if origin is dict:
        return "mapping"
    if annotation is type(None):
        return "null"
    if annotation is typing.Any:
        return "any"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        path = links.get(annotation)
        return f"[{path}](#{anchor(path)})" if path else annotation.__name__
    if annotation is Path:
        return "path"
    return getattr(annotation, "__name__", str(annotation))


def default_text(field) -> str:
    """A field's default as it would be written in YAML; required fields say so."""
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(the section's defaults)"
    if value is None:
        return "`null`"
    if isinstance(value, Path):
        value = str(value)
    try:
        return f"`{json.dumps(value)}`"
    except TypeError:
        return f"`{value}`"


def limits_text(field) -> str:
    """The numeric limits pydantic enforces on a field (``>= 2``), if any."""
    words = []
    for item in field.metadata:
        name = type(item).__name__
        if name in LIMITS:
            attribute, text = LIMITS[name]
            words.append(f"{text} {getattr(item, attribute)}")
    return ", ".join(words)


def description(field, annotation_links: dict[type, str]) -> str:
    """The field's own description, else the first line of its section model's docstring."""
    text = field.description
    if not text:
        for candidate in typing.get_args(field.annotation) or (field.annotation,):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel) and candidate.__doc__:
                text = candidate.__doc__.strip().splitlines()[0]
    text = (text or "").replace("|", "\\|")
    limits = limits_text(field)
    return f"{text} ({limits})" if limits else text


def sections(model: type[BaseModel], prefix: str = "") -> dict[type, str]:
    """Every nested section model under ``model``, by the dotted key it sits under."""
    found: dict[type, str] = {}
    for key, field in model.model_fields.items():
        for candidate in typing.get_args(field.annotation) or (field.annotation,):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel) and candidate not in found:
                path = f"{prefix}{key}"
                found[candidate] = path
                found.update({m: p for m, p in sections(candidate, path + ".").items() if m not in found})
    return found


def table(model: type[BaseModel], links: dict[type, str]) -> str:
    """One model's keys as a Markdown table."""
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for key, field in model.model_fields.items():
        rows.append(
            f"| `{key}` | {type_text(field.annotation, links)} | {default_text(field)} | {description(field, links)} |"
        )
    return "\n".join(rows)


def model_pages(title: str, model: type[BaseModel], intro: str, documented: dict[type, str]) -> str:
    """A top-level model's table, then one table per section it holds not already documented above."""
    links = {**sections(model), **documented}
    parts = [f"## {title}\n\n{intro}\n\n{table(model, links)}\n"]
    for section, path in sections(model).items():
        if section in documented:
            continue
        documented[section] = path
        doc = (section.__doc__ or "").strip().splitlines()
        lead = doc[0] if doc else ""
        parts.append(f"### {path}\n\n{lead}\n\n{table(section, links)}\n")
    return "\n".join(parts)


def main() -> None:
    """Append the generated tables to the hand-written introduction in config.md."""
    documented: dict[type, str] = {}
    text = [
        "\n## Every key\n",
        "The tables below are generated from the pydantic models when the documentation is built "
        "(`docs/scripts/gen_config.py`), so they list exactly what the code accepts.\n",
        model_pages(
            "Decode config",
            Config,
            "`chromagrid run CONFIG` and `chromagrid.run(...)`: one figure to a grid.",
            documented,
        ),
        model_pages(
            "Cells config",
            CellsConfig,
            "A config with `kind: cells`: one cell heat map to its matrix (`chromagrid run`, `chromagrid.run_cells`).",
            documented,
        ),
        model_pages(
            "Batch config",
            BatchConfig,
            "`chromagrid batch CONFIG`: many figures; `defaults` and `overrides` take any key of a decode config.",
            documented,
        ),
    ]
    with mkdocs_gen_files.open("config.md", "a") as f:
        f.write("\n".join(text))


main()

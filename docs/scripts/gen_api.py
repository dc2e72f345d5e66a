"""Write the API reference pages at docs build time: one page per subpackage, one entry per public name.

Run by mkdocs-gen-files during ``mkdocs build``. The public names are the subpackages' ``__all__`` and the
top-level ``chromagrid`` namespace (its lazy ``_PUBLIC`` table); each entry is rendered by mkdocstrings from
the object's docstring, found under the module that defines it.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import mkdocs_gen_files

import chromagrid

sys.path.insert(0, str(Path(__file__).parent))
from api_names import SUBPACKAGES, documented_in_subpackages, where  # noqa: E402


def entry(qualified: str) -> str:
    """A mkdocstrings block for one object."""
    return f"::: {qualified}\n    options:\n      heading_level: 2\n      show_root_full_path: false\n"


def top_level_page() -> str:
    """``chromagrid``: the names most users need; those a stage's page documents are linked, not repeated."""
    elsewhere = documented_in_subpackages()
    links, blocks = [], []
    for name, module in chromagrid._PUBLIC.items():
        path = where(module, name)
        if path in elsewhere:
            links.append(f"| [`chromagrid.{name}`]({elsewhere[path]}.md#{path}) | `{path}` |")
        else:
            blocks.append(entry(path))
    return "\n".join(
        [
            "# chromagrid\n",
            "The top-level namespace: `import chromagrid` is cheap, each name is imported on first use.\n",
            "These names are documented with their stage:\n",
            "| name | defined in |\n|---|---|\n" + "\n".join(links) + "\n",
            "The others, documented here:\n",
            *blocks,
        ]
    )


def subpackage_page(sub: str, title: str) -> str:
    """One subpackage: its module docstring, then every name of its ``__all__``."""
    module = importlib.import_module(f"chromagrid.{sub}")
    parts = [
        f"# {title}\n",
        f"::: chromagrid.{sub}\n    options:\n      members: false\n      show_root_heading: false\n"
        "      show_root_toc_entry: false\n",
    ]
    for name in module.__all__:
        parts.append(entry(where(f"chromagrid.{sub}", name)))
    return "\n".join(parts)


def index_page() -> str:
    """The API reference's front page."""
    rows = "\n".join(
        f"| [`chromagrid.{sub}`]({sub}.md) | {title.split(': ', 1)[1]} |" for sub, title in SUBPACKAGES.items()
    )
    return (
        "# API reference\n\n"
        "Generated from the docstrings (mkdocstrings). The [top-level namespace](chromagrid.md) holds what most "
        "users call (`digitize`, `run`, `cells`, `inspect_figure`, the config models, the colour scales); each "
        "stage's subpackage has a small public surface of its own, listed in its `__all__`:\n\n"
        f"| subpackage | what |\n|---|---|\n{rows}\n"
    )


with mkdocs_gen_files.open("api/index.md", "w") as f:
    f.write(index_page())
with mkdocs_gen_files.open("api/chromagrid.md", "w") as f:
    f.write(top_level_page())
for sub, title in SUBPACKAGES.items():
    with mkdocs_gen_files.open(f"api/{sub}.md", "w") as f:
        f.write(subpackage_page(sub, title))

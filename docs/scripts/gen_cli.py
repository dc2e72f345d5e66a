"""Write cli.md at docs build time: the help of ``chromagrid`` and of each subcommand, from the parser itself.

Run by mkdocs-gen-files during ``mkdocs build``. The text is ``chromagrid.cli.build_parser()``'s own
``format_help()`` output (at 100 columns), so the reference is exactly what ``chromagrid CMD --help`` prints.
"""

from __future__ import annotations

import argparse
import os

import mkdocs_gen_files

os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal's width: one width for every build

from chromagrid.cli import build_parser  # noqa: E402


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser's subcommands by name, in the order ``--help`` lists them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices.items())
    return {}


def page(parser: argparse.ArgumentParser) -> str:
    """The CLI reference page."""
    commands = subcommands(parser)
    parts = [
        "# Command line reference\n",
        "Generated from the argument parser (`chromagrid.cli.build_parser`) when the documentation is built, "
        "so it is what `chromagrid --help` and `chromagrid COMMAND --help` print. Every error a user can "
        "cause is one line on stderr and exit status 1; `decode` and `run` exit with 3 when a reduction's "
        "checks fail their tolerance. The [usage guide](usage.md) shows the commands at work.\n",
        "## chromagrid\n",
        f"```text\n{parser.format_help().rstrip()}\n```\n",
    ]
    for name, sub in commands.items():
        parts.append(f"## chromagrid {name}\n")
        parts.append(f"```text\n{sub.format_help().rstrip()}\n```\n")
    return "\n".join(parts)


with mkdocs_gen_files.open("cli.md", "w") as f:
    f.write(page(build_parser()))
mkdocs_gen_files.set_edit_path("cli.md", "scripts/gen_cli.py")

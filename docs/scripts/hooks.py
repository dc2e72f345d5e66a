"""MkDocs hook: the docstrings' Sphinx roles (``:func:`digitize```) become links into the API reference.

mkdocstrings renders numpydoc docstrings as Markdown, where a role shows as the literal text ``:func:`` before
the name. Each role whose name the API reference documents (a public name, or a member of one) is turned into a
link to its entry; any other keeps its name as code, without the role.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.utils import get_relative_url

sys.path.insert(0, str(Path(__file__).parent))
from api_names import anchors  # noqa: E402

ROLE = re.compile(r":(?:func|class|meth|attr|mod|data|exc|obj):<code>(~?)\.?([\w.]+?)(\(\))?</code>")

_ANCHORS: dict[str, str] = {}


def resolve(name: str, known: dict[str, str]) -> str | None:
    """The ``page#anchor`` of a role's target: a full dotted path, a unique short name, or a member of one."""
    if name in known:
        return known[name]
    head, _, member = name.rpartition(".")
    short = [path for path in known if path.endswith("." + name)]
    if len(short) == 1:
        return known[short[0]]
    owner = resolve(head, known) if head else None
    return f"{owner}.{member}" if owner else None


def on_page_content(html: str, page, config, files) -> str:
    """Replace every role in the page's HTML by a link (or plain code where the target is not documented)."""
    if not _ANCHORS:
        _ANCHORS.update(anchors())

    def link(match: re.Match) -> str:
        tilde, name, call = match.groups()
        shown = (name.rpartition(".")[2] if tilde else name) + (call or "")
        target = resolve(name, _ANCHORS)
        if target is None:
            return f"<code>{shown}</code>"
        path, _, anchor = target.partition("#")
        target_file = files.get_file_from_path(path)
        if target_file is None:
            return f"<code>{shown}</code>"
        url = get_relative_url(target_file.url, page.url) + "#" + anchor
        return f'<a href="{url}"><code>{shown}</code></a>'

    return ROLE.sub(link, html)

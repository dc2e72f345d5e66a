"""Which files the page may write: the working folder, and what was named on the command line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from chromagrid.errors import ConfigError


@dataclass
class PathPolicy:
    """Paths the server may write to.

    Attributes
    ----------
    root : Path
        The working folder; relative paths from the page resolve against it.
    folders : list of Path
        Further folders given on the command line (``--allow DIR``, the folder of ``--batch``).
    files : list of Path
        Single files given on the command line (``--config FILE``).
    written : set of Path
        Files this server wrote; only these are offered for download.
    """

    root: Path
    folders: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    written: set[Path] = field(default_factory=set)

    @classmethod
    def create(cls, root: str | os.PathLike, folders=(), files=()) -> PathPolicy:
        """A policy for ``root`` and the folders and files named on the command line (all resolved)."""
        return cls(
            Path(root).resolve(), [Path(f).resolve() for f in folders], [Path(f).resolve() for f in files], set()
        )

    def resolve(self, path: str | os.PathLike, what: str = "path") -> Path:
        """The absolute path to write ``path`` to, or a :class:`ConfigError` naming what to change.

        Symbolic links are resolved first, so a link inside the folder cannot point the write outside it.
        """
        text = str(path).strip()
        if not text:
            raise ConfigError(f"{what}: give a file name")
        p = Path(text).expanduser()
        p = (p if p.is_absolute() else self.root / p).resolve()
        if p in self.files or any(p.is_relative_to(f) for f in [self.root, *self.folders]):
            return p
        allowed = ", ".join(str(f) for f in [self.root, *self.folders])
        raise ConfigError(
            f"{what} {text}: outside the working folder ({allowed}); save inside it, or start "
            "`chromagrid ui` with --allow DIR to write there"
        )

    def downloadable(self, path: str | os.PathLike) -> Path:
        """A file this server wrote, to send back; anything else is refused."""
        p = Path(path).resolve()
        if p not in self.written or not p.is_file():
            raise ConfigError(f"{path}: not a file this page saved")
        return p

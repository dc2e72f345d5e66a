"""Writing files safely: a temporary file moved into place only on success, and names checked by suffix.

Every output of chromagrid goes through :func:`atomic_output`, so a failed run
never leaves a half-written file or clobbers an existing one.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import tempfile
from pathlib import Path

import numpy as np

from chromagrid.errors import ConfigError, OutputError


def format_from_suffix(path: str | os.PathLike, formats: dict[str, str], key: str) -> str:
    """The format a file name's suffix names in ``formats``; a ConfigError naming ``key`` otherwise.

    Parameters
    ----------
    path : path-like
        The file name; its suffix is compared case-insensitively.
    formats : dict of str to str
        Suffix (with its dot, lower case) -> format name.
    key : str
        The config key or option the name came from, for the error message.

    Returns
    -------
    str
        The format name.

    Raises
    ------
    ConfigError
        For a suffix not in ``formats``, listing the ones that are.

    Examples
    --------
    >>> formats = {".nc": "netcdf", ".tif": "geotiff"}
    >>> format_from_suffix("out/field.NC", formats, "output")
    'netcdf'
    >>> format_from_suffix("field.png", formats, "output")
    Traceback (most recent call last):
    ...
    chromagrid.errors.ConfigError: output field.png: unknown suffix '.png'; use one of .nc, .tif
    """
    suffix = Path(path).suffix.lower()
    if suffix not in formats:
        raise ConfigError(f"{key} {path}: unknown suffix '{suffix}'; use one of {', '.join(sorted(formats))}")
    return formats[suffix]


@functools.cache
def _new_file_mode() -> int:
    """The mode a new file gets here (0o666 less the umask); mkstemp's own 0o600 would hide outputs."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; move it into place only on success.

    The file gets the mode a newly created file would (or keeps the mode of
    the file it replaces). Any ``OSError`` while writing or moving (folder not
    writable, disk full, target is a folder) becomes an :class:`OutputError`
    naming ``path``; the temporary file is removed and an existing ``path``
    is left as it was.

    Parameters
    ----------
    path : path-like
        The file to write.

    Yields
    ------
    pathlib.Path
        A hidden temporary file in ``path``'s folder, to write to.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> target = Path(tempfile.mkdtemp()) / "grid.txt"
    >>> with atomic_output(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    >>> try:
    ...     with atomic_output(target) as tmp:
    ...         _ = tmp.write_text("half")
    ...         raise RuntimeError("the write failed")
    ... except RuntimeError:
    ...     pass
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['grid.txt'])
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as e:
        raise OutputError(
            f"{path}: cannot create the output file ({e.strerror or e}); "
            "check that its folder can be created and written"
        ) from e
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else _new_file_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as e:
        if isinstance(e, OutputError):
            raise
        raise OutputError(
            f"{path}: cannot write the output ({e.strerror or e}); nothing was written "
            "and an existing file is unchanged"
        ) from e
    finally:
        if tmp.exists():
            tmp.unlink()


def attr_safe(attrs: dict) -> dict:
    """NetCDF/TIFF attributes must be strings or numbers."""
    out = {}
    for k, v in attrs.items():
        if v is None:
            continue
        out[k] = v if isinstance(v, (str, int, float, np.number)) else str(v)
    return out

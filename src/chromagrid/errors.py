"""Errors a user can cause, each with a message that says what to change."""


class ChromagridError(Exception):
    """Base class: a problem with the user's input, reported in one line.

    Examples
    --------
    Every error a user can cause derives from it, so one ``except`` catches them all:

    >>> import chromagrid
    >>> try:
    ...     chromagrid.digitize("no/such/figure.png", cmap="viridis", vmin=0, vmax=1)
    ... except chromagrid.ChromagridError as error:
    ...     print(error)
    no/such/figure.png: file not found; check the path
    """


class ImageReadError(ChromagridError):
    """The image file is missing, empty, truncated, not an image, or too large.

    Examples
    --------
    >>> from chromagrid.io import read_image
    >>> try:
    ...     read_image("missing.png")
    ... except ImageReadError as error:
    ...     print(error)
    missing.png: file not found; check the path
    """


class ConfigError(ChromagridError):
    """A config value is wrong; the message names the key and what to change.

    Examples
    --------
    >>> from chromagrid.config import load_config
    >>> try:
    ...     load_config("missing.yaml")
    ... except ConfigError as error:
    ...     print(error)
    missing.yaml: config file not found
    """


class ColorScaleError(ChromagridError):
    """The colour scale cannot be built (unknown name, bad colours, bad colorbar box).

    Examples
    --------
    An unknown colormap name, with the nearest known names:

    >>> from chromagrid.scale import from_colormap
    >>> try:
    ...     from_colormap("viridiss", vmin=0, vmax=1)
    ... except ColorScaleError as error:
    ...     print(error)
    unknown colormap 'viridiss'; did you mean viridis, ...?...
    """


class OutputError(ChromagridError, OSError):
    """An output file cannot be written (folder not writable, disk full, ...); nothing was moved into place.

    Also an ``OSError``, so code that caught the underlying error still catches it.
    """


class NotFoundError(ChromagridError):
    """Something the run needs is neither given nor found in the figure; the message names the flag that gives it.

    Examples
    --------
    A picture of random colours: no colorbar, and no colormap fits its colours. The
    message names the flags that would give the scale.

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np, chromagrid
    >>> from PIL import Image
    >>> noise = np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    >>> path = Path(tempfile.mkdtemp()) / "noise.png"
    >>> Image.fromarray(noise).save(path)
    >>> try:
    ...     chromagrid.digitize(path)
    ... except NotFoundError as error:
    ...     print(error)
    no colorbar found and the figure's colours lie on no known colormap (...): give --cmap NAME, --colors, or --colorbar-box X0 Y0 X1 Y1
    """


class ChromagridWarning(UserWarning):
    """A result that may be wrong: a finding of low confidence, or something left out (the grid in pixels).

    Examples
    --------
    Warnings of this class can be turned into errors, or silenced, by category:

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always", ChromagridWarning)
    ...     warnings.warn("colormap found with low confidence (0.41)", ChromagridWarning)
    >>> caught[0].category.__name__, str(caught[0].message)
    ('ChromagridWarning', 'colormap found with low confidence (0.41)')
    """

"""Errors a user can cause, each with a message that says what to change."""


class ChromagridError(Exception):
    """Base class: a problem with the user's input, reported in one line."""


class ImageReadError(ChromagridError):
    """The image file is missing, empty, truncated, not an image, or too large."""


class ConfigError(ChromagridError):
    """A config value is wrong; the message names the key and what to change."""


class ColorScaleError(ChromagridError):
    """The colour scale cannot be built (unknown name, bad colours, bad colorbar box)."""


class OutputError(ChromagridError, OSError):
    """An output file cannot be written (folder not writable, disk full, ...); nothing was moved into place.

    Also an ``OSError``, so code that caught the underlying error still catches it.
    """


class NotFoundError(ChromagridError):
    """Something the run needs is neither given nor found in the figure; the message names the flag that gives it."""


class ChromagridWarning(UserWarning):
    """A result that may be wrong: a finding of low confidence, or something left out (the grid in pixels)."""

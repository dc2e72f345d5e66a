"""The installed package's version (``0+unknown`` in a source tree that was not installed)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chromagrid")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

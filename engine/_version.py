"""The installed Chainboard's version, from the package metadata (pyproject.toml is the one place it is written)."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chainboard")
except PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0+source"

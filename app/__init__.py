"""Golden Thread: performance management for UK councils."""

# The one version number: the package's (pyproject.toml reads it from here) and the API's.
__version__ = "1.0.0"

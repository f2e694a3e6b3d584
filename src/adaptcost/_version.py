"""The version: one place, read by the package and by the build (pyproject's tool.hatch.version)."""

__version__ = "0.3.0"

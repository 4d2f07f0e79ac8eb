"""Chalice entry point of the pipeline service (the code lives in the ``pipeline`` package)."""

from pipeline.api import app

__all__ = ["app"]

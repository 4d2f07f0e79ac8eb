"""Chalice entry point of the loyalty service (the code lives in the ``loyalty`` package)."""

from loyalty.api import app

__all__ = ["app"]

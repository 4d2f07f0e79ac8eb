"""Chalice entry point of the campaigns service (the code lives in the ``campaigns`` package)."""

from campaigns.api import app

__all__ = ["app"]

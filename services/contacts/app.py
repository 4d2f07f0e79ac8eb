"""Chalice entry point of the contacts service (the code lives in the ``contacts`` package)."""

from contacts.api import app

__all__ = ["app"]

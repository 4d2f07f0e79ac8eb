"""Chalice entry point of the service desk (the code lives in the ``service_desk`` package)."""

from service_desk.api import app

__all__ = ["app"]

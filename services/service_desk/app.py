"""Chalice entry point of the service_desk service (the code lives in the ``service_desk`` package)."""

from service_desk.api import app
from shared.functions import export_handlers

# Lambda looks up each function as app.<name> (e.g. app.on_event): bind them all here.
export_handlers(app, globals())

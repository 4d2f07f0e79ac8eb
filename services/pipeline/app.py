"""Chalice entry point of the pipeline service (the code lives in the ``pipeline`` package)."""

from pipeline.api import app
from shared.functions import export_handlers

# Lambda looks up each function as app.<name> (e.g. app.on_event): bind them all here.
export_handlers(app, globals())

"""Chalice entry point of the campaigns service (the code lives in the ``campaigns`` package)."""

from campaigns.api import app
from shared.functions import export_handlers

# Lambda looks up each function as app.<name> (e.g. app.on_event): bind them all here.
export_handlers(app, globals())

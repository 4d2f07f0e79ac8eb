"""Chalice entry point of the contacts service (the code lives in the ``contacts`` package)."""

from contacts.api import app
from shared.functions import export_handlers

# Lambda looks up each function as app.<name> (e.g. app.on_event): bind them all here.
export_handlers(app, globals())

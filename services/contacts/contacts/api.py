"""contacts: the Chalice app (Chalice's entry point is services/contacts/app.py), wired
explicitly: each feature's routes, the bus-event consumer, the outbox relay, and each
feature's worker and schedule functions bound by name."""

from __future__ import annotations

from chalice.app import Chalice

from contacts import SERVICE
from contacts.companies import routes as companies
from contacts.exports import routes as exports
from contacts.exports import workers as export_workers
from contacts.fields import routes as fields
from contacts.history import routes as history
from contacts.history import workers as history_workers
from contacts.imports import routes as imports
from contacts.imports import workers as import_workers
from contacts.privacy import routes as privacy
from contacts.records import routes as records
from contacts.segments import routes as segments
from contacts.segments import workers as segment_workers
from shared.functions import add_consumer, add_outbox_relay, add_schedule, add_worker
from shared.http import Api

__all__ = ["app"]

app = Chalice(app_name=f"crm-{SERVICE}")
api = Api(app, SERVICE)
for feature in (history, companies, privacy, exports, fields, imports, records, segments):
    api.include(feature.router)

# app.py binds each function under its name, where Lambda looks it up.
add_consumer(app, SERVICE, "contacts.subscriptions")
add_outbox_relay(app)

add_worker(app, "import_uploaded", import_workers.import_uploaded)
add_worker(app, "import_worker", import_workers.import_worker)
add_worker(app, "import_dead_letters", import_workers.import_dead_letters)
add_worker(app, "export_worker", export_workers.export_worker)
add_schedule(app, "rescore_recency", history_workers.rescore_recency)
add_schedule(app, "segments_due", segment_workers.segments_due)

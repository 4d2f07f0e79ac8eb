"""The exports feature's Lambda function (bound by name in contacts/api.py): the worker
that writes each export's CSV from the exports queue (an SQS job worker on shared.jobs)."""

from __future__ import annotations

from typing import Any

from contacts.bootstrap import contact_repository, export_repository
from shared.jobs import job_worker


def run_export(message: dict[str, Any]) -> None:
    """One export job; a failed export is retried (partial batch)."""
    from contacts.exports.usecases import run_export as run

    run(message, export_repository(), contact_repository())


def give_up_export(message: dict[str, Any], exc: BaseException) -> None:
    """An export that failed on its last delivery: the job is marked failed rather than left running."""
    from contacts.exports.usecases import give_up_export as give_up

    give_up(message, type(exc).__name__, export_repository())


# Gives up on the exports queue's last delivery (CRM_EXPORTS_MAX_RECEIVES, its maxReceiveCount).
export_worker = job_worker("export_worker", run_export, give_up=give_up_export, max_receives="exports")

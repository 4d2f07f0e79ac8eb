"""The Lambda functions of a service besides its routes, registered on its Chalice app:
the outbox relay, the bus-event consumer, and its own workers and schedules. Every one
runs inside ``observed``: log context and a metrics flush per invocation, in AWS exactly
as in the local stack (which adds nothing of its own). The routes get the same from
``shared.http.Api``.

Chalice deploys a pure function with the handler ``app.<function name>``: the service's
app.py must export what these return under the same names (a test checks it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalice.app import Chalice

    from shared.consumer import Consumer

Handler = Callable[[dict[str, Any], Any], Any]


def observed(name: str, handler: Handler) -> Handler:
    """``handler`` with the function's name and request id on every log line of the
    invocation, and the metrics it recorded flushed (EMF on stdout) when it ends. The name
    is Lambda's (``context.function_name``), ``name`` where there is no context."""

    @functools.wraps(handler)
    def invocation(event: dict[str, Any], context: Any) -> Any:
        from shared.observability import function_context

        function = getattr(context, "function_name", None) or name
        with function_context(function, getattr(context, "aws_request_id", None)):
            return handler(event, context)

    # Chalice's handler string is app.<__name__>: the function's name, even for a worker object.
    invocation.__name__ = invocation.__qualname__ = name
    return invocation


def add_function(app: Chalice, name: str, handler: Handler) -> Handler:
    """Register ``handler`` as the pure Lambda function ``name``, observed."""
    registered: Handler = app.lambda_function(name=name)(observed(name, handler))
    return registered


def add_worker(app: Chalice, name: str, handler: Handler) -> Handler:
    """An SQS-triggered job function (a ``shared.jobs.JobWorker``); the template wires its queue."""
    return add_function(app, name, handler)


def add_schedule(app: Chalice, name: str, handler: Handler) -> Handler:
    """A scheduled function (the template's ``Schedule`` event)."""
    return add_function(app, name, handler)


def add_outbox_relay(app: Chalice) -> Handler:
    """``outbox_relay``: the table's stream -> the bus (shared.outbox)."""

    def outbox_relay(event: dict[str, Any], context: Any) -> dict[str, Any]:
        from shared.outbox import relay

        return relay(event)

    return add_function(app, "outbox_relay", outbox_relay)


def add_consumer(app: Chalice, service: str, subscriptions: str) -> Handler:
    """``on_event``: the service's queue of bus events -> the ``SUBSCRIPTIONS`` of the module
    named ``subscriptions`` (shared.consumer). It is imported on the first event, so API
    cold starts never pay for the handlers."""

    @cache
    def consumer() -> Consumer:
        import importlib

        from shared.consumer import Consumer

        declared = importlib.import_module(subscriptions).SUBSCRIPTIONS
        return Consumer(service, f"{service}-on-event", declared)

    def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return consumer()(event, context)

    return add_function(app, "on_event", on_event)


def export_handlers(app: Chalice, namespace: dict[str, Any]) -> None:
    """Bind every pure function of ``app`` in app.py's namespace under the name in its
    handler string (``app.on_event`` -> ``on_event``), where Lambda will look it up."""
    for function in app.pure_lambda_functions:
        module, _, name = function.handler_string.partition(".")
        if module != "app":
            raise ValueError(f"{function.name}: handler {function.handler_string} is not in app.py")
        namespace[name] = function

"""The Lambda functions every service has besides its API: the outbox relay and the
bus-event consumer, registered on the service's Chalice app.

Chalice deploys a pure function with the handler ``app.<function name>``: the service's
app.py must export what these return under the same names (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalice.app import Chalice

    from shared.consumer import Consumer, Subscription

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def add_outbox_relay(app: Chalice) -> Handler:
    """``outbox_relay``: the table's stream -> the bus (shared.outbox)."""

    def outbox_relay(event: dict[str, Any], context: Any) -> dict[str, Any]:
        from shared.outbox import relay

        return relay(event)

    registered: Handler = app.lambda_function(name="outbox_relay")(outbox_relay)
    return registered


def add_consumer(app: Chalice, service: str, subscriptions: Callable[[], list[Subscription[Any]]]) -> Handler:
    """``on_event``: the service's queue of bus events -> its subscriptions (shared.consumer).
    The subscriptions are built on the first event, so API cold starts never pay for them."""

    @cache
    def consumer() -> Consumer:
        from shared.consumer import Consumer

        return Consumer(service, f"{service}-on-event", subscriptions())

    def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return consumer()(event, context)

    registered: Handler = app.lambda_function(name="on_event")(on_event)
    return registered


def export_handlers(app: Chalice, namespace: dict[str, Any]) -> None:
    """Bind every pure function of ``app`` in app.py's namespace under the name in its
    handler string (``app.on_event`` -> ``on_event``), where Lambda will look it up."""
    for function in app.pure_lambda_functions:
        module, _, name = function.handler_string.partition(".")
        if module != "app":
            raise ValueError(f"{function.name}: handler {function.handler_string} is not in app.py")
        namespace[name] = function

"""Powertools logger and metrics, created on first use (cold start is a feature).

One logger for the whole kernel; each invocation adds the function's name with
``function_context`` so that logs of every function are told apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics

METRICS_NAMESPACE = "CRM"


@lru_cache(maxsize=1)
def get_logger() -> Logger:
    from aws_lambda_powertools import Logger

    from shared.settings import get_settings

    return Logger(service="crm", level=get_settings().log_level)


@lru_cache(maxsize=1)
def get_metrics() -> Metrics:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=METRICS_NAMESPACE, service="crm")


class _Lazy:
    """Forwards attribute access to an object built on first use."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory

    def __getattr__(self, name: str) -> Any:
        return getattr(self._factory(), name)


logger: Logger = _Lazy(get_logger)  # type: ignore[assignment]
metrics: Metrics = _Lazy(get_metrics)  # type: ignore[assignment]


@contextmanager
def function_context(function_name: str, request_id: str | None = None) -> Iterator[None]:
    """Tag this thread's log lines with the function being invoked, then flush metrics."""
    log = get_logger()
    log.thread_safe_append_keys(function=function_name, request_id=request_id)
    try:
        yield
    finally:
        log.thread_safe_remove_keys(["function", "request_id"])
        m = get_metrics()
        if m.metric_set:
            m.flush_metrics()

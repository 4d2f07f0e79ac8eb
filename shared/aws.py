"""Lazily created, cached boto3 clients pointed at the configured endpoint."""

from __future__ import annotations

from functools import cache
from typing import Any

from shared.settings import get_settings


@cache
def client(service: str) -> Any:
    import boto3  # lazy: only functions that talk to AWS pay for it

    settings = get_settings()
    return boto3.session.Session().client(
        service,
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
    )

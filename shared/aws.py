"""Lazily created, cached AWS clients pointed at the configured endpoint.

Built with botocore directly: boto3's own import (s3transfer and friends) adds 50-75 ms
to a cold start and gives these clients nothing. They are the same client objects.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from shared.settings import get_settings


@cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@cache
def client(service: str, validate: bool = True) -> Any:
    """``validate=False``: no client-side parameter validation, for bulk writers whose
    requests are built by their own code (the service still validates them)."""
    from botocore.config import Config

    settings = get_settings()
    return _session().create_client(
        service,
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
        config=Config(parameter_validation=validate),
    )

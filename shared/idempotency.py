"""Where Powertools keeps idempotency records: the service's own table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer


def idempotency_store(service: str, function: str) -> DynamoDBPersistenceLayer:
    """Powertools idempotency records in the service's own table, one partition per function."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from shared.aws import client
    from shared.settings import get_settings
    from shared.table import TTL_ATTRIBUTE

    return DynamoDBPersistenceLayer(
        table_name=get_settings().table_name(service),
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=f"IDEMPOTENCY#{function}",
        expiry_attr=TTL_ATTRIBUTE,
        boto3_client=client("dynamodb"),
    )

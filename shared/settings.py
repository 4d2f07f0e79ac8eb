"""Runtime settings: one validated model, read once per process (cold start).

Nothing else in the code base reads ``os.environ``. A plain pydantic model with an
explicit variable map rather than pydantic-settings: importing pydantic-settings costs
35-55 ms of every cold start here (measured), for features (dotenv, secrets dirs, nested
delimiters) these few flat variables do not need.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

DEV_SIGNING_KEY = "crm-dev-signing-key-not-for-production-use"

# field -> environment variable
ENVIRONMENT = {
    "stage": "CRM_STAGE",
    "region": "AWS_DEFAULT_REGION",
    "endpoint_url": "AWS_ENDPOINT_URL",
    "account_id": "CRM_ACCOUNT_ID",
    "jwt_secret": "CRM_JWT_SECRET",
    "jwks_url": "CRM_JWKS_URL",
    "jwt_issuer": "CRM_JWT_ISSUER",
    "jwt_audience": "CRM_JWT_AUDIENCE",
    "sender_email": "CRM_SENDER_EMAIL",
    "log_level": "CRM_LOG_LEVEL",
}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str = Field(default="dev", pattern=r"^[a-z][a-z0-9-]{0,15}$")
    region: str = "us-east-1"
    # The emulator (moto server, or LocalStack on the same port); None means real AWS.
    endpoint_url: str | None = None
    account_id: str = Field(default="123456789012", pattern=r"^[0-9]{12}$")
    # Local/dev tokens are HS256 with this key; in the cloud set jwks_url (Cognito) instead.
    jwt_secret: str | None = None
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    sender_email: str = "hello@crm.example.com"
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")

    @classmethod
    def from_environment(cls) -> Settings:
        # Lambda sets AWS_REGION; AWS_DEFAULT_REGION wins where both are set (local tools).
        values = {field: os.environ[name] for field, name in ENVIRONMENT.items() if os.environ.get(name)}
        if "region" not in values and os.environ.get("AWS_REGION"):
            values["region"] = os.environ["AWS_REGION"]
        return cls.model_validate(values)

    @property
    def bus_name(self) -> str:
        return f"crm-{self.stage}"

    def table_name(self, service: str) -> str:
        return f"crm-{self.stage}-{service.replace('_', '-')}"

    @property
    def signing_key(self) -> str | None:
        """The HS256 key, only when no JWKS is configured (dev/local)."""
        if self.jwks_url:
            return None
        return self.jwt_secret or DEV_SIGNING_KEY


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environment()

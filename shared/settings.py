"""Runtime settings: one validated model, read once per process (cold start).

Nothing else in the code base reads ``os.environ``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SIGNING_KEY = "crm-dev-signing-key-not-for-production-use"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore", frozen=True)

    stage: str = Field(default="dev", pattern=r"^[a-z][a-z0-9-]{0,15}$")
    region: str = Field(default="us-east-1", validation_alias="AWS_DEFAULT_REGION")
    # The emulator (moto server, or LocalStack on the same port); None means real AWS.
    endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    account_id: str = "123456789012"
    # Local/dev tokens are HS256 with this key; in the cloud set jwks_url (Cognito) instead.
    jwt_secret: str | None = None
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    sender_email: str = "hello@crm.example.com"
    log_level: str = "INFO"

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
    return Settings()

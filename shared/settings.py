"""Runtime settings: one validated model, read once per process (cold start).

Nothing else in the code base reads ``os.environ``. A plain pydantic model with an
explicit variable map rather than pydantic-settings: importing pydantic-settings costs
35-55 ms of every cold start here (measured), for features (dotenv, secrets dirs, nested
delimiters) these few flat variables do not need.

Resource names reach a function through environment variables its template sets
(services/<svc>/resources.yaml, ``Globals: Function: Environment: Variables``), never
re-derived from a naming convention:

- ``CRM_TABLE``: the service's table (``!Ref Table``).
- a service's own resources, by a name of its choosing (lower case here, upper case in
  the variable): ``CRM_<NAME>_BUCKET`` (``!Ref`` of an S3 bucket), ``CRM_<NAME>_QUEUE_URL``
  (``!Ref`` of a queue is its URL) and ``CRM_<NAME>_MAX_RECEIVES`` (the queue's
  maxReceiveCount, from the template parameter its RedrivePolicy uses too). Read with
  ``bucket(name)``, ``queue_url(name)``, ``max_receive_count(name)``: typed, validated at
  cold start, and a missing one is an error naming its variable.

The local stack runs every service's functions in one process, so it cannot give each
its environment through ``os.environ``: it lays each function's template environment over
the process's for the length of one invocation (``function_environment``, a context
variable). In Lambda there is no overlay.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Annotated, NoReturn

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
    "table": "CRM_TABLE",
    "cursor_secret": "CRM_CURSOR_SECRET",
}
# field -> suffix of the variables that fill it: CRM_<NAME><suffix> -> field[name]
RESOURCE_SUFFIXES = {
    "buckets": "_BUCKET",
    "queues": "_QUEUE_URL",
    "max_receives": "_MAX_RECEIVES",
}
RESOURCE_PREFIX = "CRM_"

BucketName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
QueueUrl = Annotated[str, Field(pattern=r"^https?://\S+/[0-9]{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?$")]
ReceiveCount = Annotated[int, Field(ge=1, le=1000)]  # SQS's range for maxReceiveCount


class MissingResource(LookupError):
    """A resource the code asks for is not in this function's environment (its template)."""


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
    # The service's table (CRM_TABLE), and its own buckets, queues and their max receives.
    table: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    buckets: dict[str, BucketName] = Field(default_factory=dict)
    queues: dict[str, QueueUrl] = Field(default_factory=dict)
    max_receives: dict[str, ReceiveCount] = Field(default_factory=dict)
    # Signs pagination cursors (shared.pagination), one per stage; unset: a key derived
    # from the stage, for local stacks and tests only.
    cursor_secret: str | None = Field(default=None, min_length=32)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        # Lambda sets AWS_REGION; AWS_DEFAULT_REGION wins where both are set (local tools).
        values: dict[str, object] = {field: env[name] for field, name in ENVIRONMENT.items() if env.get(name)}
        if "region" not in values and env.get("AWS_REGION"):
            values["region"] = env["AWS_REGION"]
        for field, suffix in RESOURCE_SUFFIXES.items():
            values[field] = {
                name.removeprefix(RESOURCE_PREFIX).removesuffix(suffix).lower(): value
                for name, value in env.items()
                if name.startswith(RESOURCE_PREFIX) and name.endswith(suffix) and value
            }
        return cls.model_validate(values)

    @property
    def bus_name(self) -> str:
        return f"crm-{self.stage}"

    def table_name(self, service: str) -> str:
        """The service's table: ``CRM_TABLE``, which every function's template sets. Only a
        tool run outside any function (and no variable) gets the ``crm-<stage>-<service>``
        convention the templates follow."""
        return self.table or f"crm-{self.stage}-{service.replace('_', '-')}"

    def bucket(self, name: str) -> str:
        return self.buckets.get(name.lower()) or _missing("buckets", name)

    def queue_url(self, name: str) -> str:
        return self.queues.get(name.lower()) or _missing("queues", name)

    def max_receive_count(self, name: str) -> int:
        return self.max_receives.get(name.lower()) or _missing("max_receives", name)

    @property
    def signing_key(self) -> str | None:
        """The HS256 key, only when no JWKS is configured (dev/local)."""
        if self.jwks_url:
            return None
        return self.jwt_secret or DEV_SIGNING_KEY

    @property
    def cursor_key(self) -> bytes:
        """The HMAC key of pagination cursors: ``CRM_CURSOR_SECRET``, else a dev key of the stage."""
        return (self.cursor_secret or f"crm-dev-cursor-key-not-for-production-use:{self.stage}").encode()


def _missing(field: str, name: str) -> NoReturn:
    variable = f"{RESOURCE_PREFIX}{name.upper()}{RESOURCE_SUFFIXES[field]}"
    raise MissingResource(f"{variable} is not set: declare it in the service's resources.yaml Globals")


# The settings of the function being invoked, when the local stack runs several in one process.
_active: ContextVar[Settings | None] = ContextVar("crm_function_settings", default=None)


class _SettingsOnce:
    """``get_settings()``: the process's settings, read once (or, inside
    ``function_environment``, that function's); ``cache_clear()`` re-reads them."""

    def __call__(self) -> Settings:
        active = _active.get()
        return active if active is not None else _process_settings()

    @staticmethod
    def cache_clear() -> None:
        _process_settings.cache_clear()
        _overlaid.cache_clear()


@lru_cache(maxsize=1)
def _process_settings() -> Settings:
    return Settings.from_environment()


@lru_cache(maxsize=64)
def _overlaid(variables: frozenset[tuple[str, str]]) -> Settings:
    return Settings.from_environment({**os.environ, **dict(variables)})


get_settings = _SettingsOnce()


@contextmanager
def function_environment(variables: Mapping[str, str]) -> Iterator[Settings]:
    """Within this block (this thread/context only), settings read the process environment
    with ``variables`` laid over it: what one function's template gives it in Lambda."""
    token = _active.set(_overlaid(frozenset(variables.items())))
    try:
        yield get_settings()
    finally:
        _active.reset(token)

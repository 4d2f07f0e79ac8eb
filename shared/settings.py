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
- a provider's send rate, per second, shared by every sender of a channel
  (``CRM_<CHANNEL>_SEND_RATE``: ``CRM_EMAIL_SEND_RATE`` is the SES account's maximum send
  rate), read with ``send_rate(channel)``; the template sets it from a parameter.

Authentication fails closed. A deployed API verifies Cognito's RS256 tokens against its
JWKS and needs all three of ``CRM_JWKS_URL``, ``CRM_JWT_ISSUER`` and ``CRM_JWT_AUDIENCE``
(the packaged templates pass them from their Cognito parameters, infra/apigateway.py);
``CRM_JWT_MAX_LIFETIME`` bounds a token's ``exp - iat`` (seconds). The HS256 dev key
(``DEV_SIGNING_KEY``, or ``CRM_JWT_SECRET``) is honoured only where ``CRM_DEV_AUTH=1``
says so explicitly: the local stack (infra/local) and the test fixtures set it, nothing
that deploys does, and it is refused inside Lambda (``AWS_LAMBDA_FUNCTION_NAME`` set).
Without the flag and without the three variables, building a service's API raises
``ConfigurationError`` naming the missing variables (``require_authentication``): the
function fails at cold start instead of answering every request with an error. The stage
(``CRM_STAGE``) decides nothing here: a deployed "dev" stage is not the local stack.

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
# What the local stack and the test fixtures set, and only they: dev-key tokens are accepted.
DEV_AUTH_ENVIRONMENT = {"CRM_DEV_AUTH": "1"}
# Cognito's ID tokens live 1 h; `make token`'s default lifetime (12 h) stays within this.
DEFAULT_JWT_MAX_LIFETIME_SECONDS = 12 * 3600

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
    "jwt_max_lifetime": "CRM_JWT_MAX_LIFETIME",
    "dev_auth": "CRM_DEV_AUTH",
    # Set by the Lambda runtime itself: the dev flag is refused there.
    "lambda_function_name": "AWS_LAMBDA_FUNCTION_NAME",
    "sender_email": "CRM_SENDER_EMAIL",
    "public_url": "CRM_PUBLIC_URL",
    "log_level": "CRM_LOG_LEVEL",
    "table": "CRM_TABLE",
    "cursor_secret": "CRM_CURSOR_SECRET",
    "scheduler_role_arn": "CRM_SCHEDULER_ROLE_ARN",
    "schedule_group": "CRM_SCHEDULE_GROUP",
}
# field -> suffix of the variables that fill it: CRM_<NAME><suffix> -> field[name]
RESOURCE_SUFFIXES = {
    "buckets": "_BUCKET",
    "queues": "_QUEUE_URL",
    "max_receives": "_MAX_RECEIVES",
    "send_rates": "_SEND_RATE",
}
RESOURCE_PREFIX = "CRM_"

BucketName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
QueueUrl = Annotated[str, Field(pattern=r"^https?://\S+/[0-9]{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?$")]
ReceiveCount = Annotated[int, Field(ge=1, le=1000)]  # SQS's range for maxReceiveCount
SendRate = Annotated[float, Field(gt=0, le=1_000_000)]  # messages per second


class MissingResource(LookupError):
    """A resource the code asks for is not in this function's environment (its template)."""


class ConfigurationError(RuntimeError):
    """The function's environment cannot run it safely (raised at cold start)."""


# The fields a deployed API needs to verify tokens (errors name their variables).
VERIFICATION = ("jwks_url", "jwt_issuer", "jwt_audience")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str = Field(default="dev", pattern=r"^[a-z][a-z0-9-]{0,15}$")
    region: str = "us-east-1"
    # The emulator (moto server, or LocalStack on the same port); None means real AWS.
    endpoint_url: str | None = None
    account_id: str = Field(default="123456789012", pattern=r"^[0-9]{12}$")
    # Local tokens are HS256 with this key (DEV_SIGNING_KEY by default), only with dev_auth.
    jwt_secret: str | None = None
    # Deployed: Cognito's JWKS, its issuer and the app client id (the ID tokens' aud).
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    # A token whose exp - iat exceeds this is refused, however it was signed.
    jwt_max_lifetime: int = Field(default=DEFAULT_JWT_MAX_LIFETIME_SECONDS, ge=60, le=7 * 24 * 3600)
    dev_auth: bool = False
    lambda_function_name: str | None = None
    sender_email: str = "hello@crm.example.com"
    # Where the API is reached from outside (the links in emails: campaigns' tracking and
    # unsubscribe routes under it); the local stack sets its gateway's URL.
    public_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    # The service's table (CRM_TABLE), and its own buckets, queues and their max receives.
    table: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    buckets: dict[str, BucketName] = Field(default_factory=dict)
    queues: dict[str, QueueUrl] = Field(default_factory=dict)
    max_receives: dict[str, ReceiveCount] = Field(default_factory=dict)
    send_rates: dict[str, SendRate] = Field(default_factory=dict)
    # Signs pagination cursors (shared.pagination), one per stage; unset: a key derived
    # from the stage, for local stacks and tests only.
    cursor_secret: str | None = Field(default=None, min_length=32)
    # One-time schedules (shared.schedules): the role EventBridge Scheduler assumes to put
    # an event on the bus, and the service's schedule group (both set by its template).
    scheduler_role_arn: str | None = Field(default=None, pattern=r"^arn:[a-z-]+:iam::[0-9]{12}:role/.+$")
    schedule_group: str = Field(default="default", pattern=r"^[0-9A-Za-z_.-]{1,64}$")

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

    @property
    def bus_arn(self) -> str:
        return f"arn:aws:events:{self.region}:{self.account_id}:event-bus/{self.bus_name}"

    @property
    def scheduler_role(self) -> str:
        """The role schedules run as: ``CRM_SCHEDULER_ROLE_ARN``, a local placeholder only
        under the local flag (the emulator does not assume it)."""
        if self.scheduler_role_arn:
            return self.scheduler_role_arn
        if self.dev_auth and not self.lambda_function_name:
            return f"arn:aws:iam::{self.account_id}:role/crm-{self.stage}-scheduler"
        variable = ENVIRONMENT["scheduler_role_arn"]
        raise MissingResource(f"{variable} is not set: declare it in the service's resources.yaml")

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

    def send_rate(self, channel: str) -> float:
        return self.send_rates.get(channel.lower()) or _missing("send_rates", channel)

    @property
    def signing_key(self) -> str | None:
        """The HS256 key: only with the local flag, outside Lambda, and when no JWKS is
        configured (with one, only its RS256 tokens are accepted)."""
        if self.jwks_url or not self.dev_auth or self.lambda_function_name:
            return None
        return self.jwt_secret or DEV_SIGNING_KEY

    def require_authentication(self) -> None:
        """Raise ``ConfigurationError`` unless tokens can be verified: the JWKS, issuer and
        audience all set, or the local flag (outside Lambda). Called when an API is built."""
        if self.dev_auth and self.lambda_function_name:
            raise ConfigurationError(
                f"{ENVIRONMENT['dev_auth']} is set in Lambda function {self.lambda_function_name}: the dev signing"
                " key is for the local stack and tests only; remove it and set"
                f" {', '.join(ENVIRONMENT[f] for f in VERIFICATION)}"
            )
        if self.dev_auth and not self.jwks_url:
            return
        if missing := [ENVIRONMENT[f] for f in VERIFICATION if not getattr(self, f)]:
            raise ConfigurationError(
                f"refusing to start without token verification: {', '.join(missing)} not set (the Cognito user"
                f" pool's JWKS URL, issuer and app client id; {ENVIRONMENT['dev_auth']}=1 is for the local stack only)"
            )
        if not self.cursor_secret:
            raise ConfigurationError(_NO_CURSOR_SECRET)

    @property
    def cursor_key(self) -> bytes:
        """The HMAC key of pagination cursors: ``CRM_CURSOR_SECRET``; a dev key of the stage
        only under the local flag, outside Lambda (the same rule as the dev signing key: a
        key anyone can read would let anyone forge a cursor)."""
        if self.cursor_secret:
            return self.cursor_secret.encode()
        if self.dev_auth and not self.lambda_function_name:
            return f"crm-dev-cursor-key-not-for-production-use:{self.stage}".encode()
        raise ConfigurationError(_NO_CURSOR_SECRET)


_NO_CURSOR_SECRET = (
    f"refusing to sign cursors: {ENVIRONMENT['cursor_secret']} is not set (the template's CursorSecret parameter;"
    f" {ENVIRONMENT['dev_auth']}=1 is for the local stack only)"
)


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

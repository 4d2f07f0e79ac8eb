"""``python -m infra.local.token ROLE``: print a dev JWT for a role (``make token ROLE=sales``).

Signed with the dev key, which only the local stack accepts (it runs with
``CRM_DEV_AUTH=1``, shared/settings.py); a deployed API refuses it, whatever its stage:
there Cognito issues the tokens.
"""

from __future__ import annotations

import argparse
import sys

ROLES = ("admin", "manager", "sales", "agent", "marketer")
# Within the APIs' maximum lifetime (CRM_JWT_MAX_LIFETIME, 12 h by default).
DEFAULT_TTL_SECONDS = 12 * 3600


def local_token(role: str, subject: str | None = None, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str:
    """A token for the local stack, issued as its functions would verify it (with its
    local flag), from a process that has no flag of its own (make token, demo, bench)."""
    from shared.auth import issue_dev_token
    from shared.settings import DEV_AUTH_ENVIRONMENT, function_environment

    with function_environment(DEV_AUTH_ENVIRONMENT):
        return issue_dev_token(role, subject=subject, ttl_seconds=ttl_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.token", description=__doc__)
    parser.add_argument("role", nargs="?", default="admin", choices=ROLES)
    parser.add_argument("--subject", help="the token's sub claim (default dev-<role>)")
    parser.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS, help="seconds until it expires")
    args = parser.parse_args(argv)
    sys.stdout.write(local_token(args.role, subject=args.subject, ttl_seconds=args.ttl) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

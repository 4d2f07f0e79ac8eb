"""``python -m infra.local.token ROLE``: print a dev JWT for a role (``make token ROLE=sales``).

Signed with the dev key the local stack and dev stage accept; never valid in the cloud,
where Cognito issues the tokens.
"""

from __future__ import annotations

import argparse
import sys

ROLES = ("admin", "manager", "sales", "agent", "marketer")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.token", description=__doc__)
    parser.add_argument("role", nargs="?", default="admin", choices=ROLES)
    parser.add_argument("--subject", help="the token's sub claim (default dev-<role>)")
    parser.add_argument("--ttl", type=int, default=12 * 3600, help="seconds until it expires")
    args = parser.parse_args(argv)

    from shared.auth import issue_dev_token

    sys.stdout.write(issue_dev_token(args.role, subject=args.subject, ttl_seconds=args.ttl) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

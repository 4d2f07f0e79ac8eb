"""``python -m infra.local.demo [--url URL]``: load the demo data into a running stack."""

from __future__ import annotations

import argparse
import sys

import requests

from infra.local.demo.client import Api, ApiError
from infra.local.demo.data import build
from infra.local.demo.loader import Loader
from infra.local.demo.summary import facts, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.demo", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running stack's gateway")
    args = parser.parse_args(argv)
    api = Api(args.url.rstrip("/"))
    try:
        result = Loader(api, build()).run()
        print(render(api, result, facts(api, result)))
    except requests.ConnectionError:
        print(f"No CRM answers at {args.url}: start it first with `make run`.", file=sys.stderr)
        return 1
    except ApiError as error:
        print(f"The CRM refused a demo request: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

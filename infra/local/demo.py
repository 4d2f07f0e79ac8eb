"""`make demo`: a small, realistic data set loaded through the public API of a running stack.

Idempotent: contacts that exist already (409) are skipped, so it can be run twice.
"""

from __future__ import annotations

import argparse
import sys

import requests

from infra.local.token import local_token

REPS = [
    {"name": "Grace Hopper", "email": "grace.hopper@northwind.example", "territory": "EMEA", "capacity": 40},
    {"name": "Alan Turing", "email": "alan.turing@northwind.example", "territory": "EMEA", "capacity": 25},
    {"name": "Katherine Johnson", "email": "katherine.johnson@northwind.example", "territory": "AMER", "capacity": 30},
]

LEADS = [
    ("Ada", "Lovelace", "ada@analytical-engines.example", "Analytical Engines Ltd", "web", "+44 20 7946 0958"),
    ("Margaret", "Hamilton", "margaret@apollo-software.example", "Apollo Software", "referral", None),
    ("Linus", "Pauling", "linus@vitamin-c.example", "Vitamin C Co", "event", "+1 541 555 0100"),
    ("Hedy", "Lamarr", "hedy@frequency-hopping.example", "Frequency Hopping Inc", "web", None),
    ("Tim", "Berners-Lee", "tim@w3.example", "Web Consortium", "partner", None),
    ("Barbara", "Liskov", "barbara@substitution.example", "Substitution Labs", "web", "+1 617 555 0199"),
    ("Edsger", "Dijkstra", "edsger@shortest-path.example", "Shortest Path BV", "event", "+31 20 555 0101"),
    ("Frances", "Allen", "frances@optimizing.example", "Optimizing Compilers", "referral", None),
]


def load(url: str) -> int:
    session = requests.Session()
    manager = {"Authorization": f"Bearer {local_token('manager', subject='demo-manager')}"}
    sales = {"Authorization": f"Bearer {local_token('sales', subject='demo-sales')}"}
    existing = session.get(f"{url}/pipeline/reps?limit=100", headers=manager, timeout=10)
    existing.raise_for_status()
    known = {rep["email"] for rep in existing.json()["items"]}
    for rep in REPS:
        if rep["email"] in known:
            continue
        session.post(f"{url}/pipeline/reps", json=rep, headers=manager, timeout=10).raise_for_status()
        print(f"rep     {rep['name']}")
    for first, last, email, company, source, phone in LEADS:
        body = {"email": email, "first_name": first, "last_name": last, "company": company, "source": source}
        if phone:
            body["phone"] = phone
        response = session.post(f"{url}/contacts", json=body, headers=sales, timeout=10)
        if response.status_code == 409:
            continue
        response.raise_for_status()
        print(f"lead    {first} {last} -> {response.json()['id']}")
    print(f"\nDemo data loaded. Try: curl -H 'Authorization: Bearer <token>' {url}/pipeline/reps")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    try:
        return load(args.url.rstrip("/"))
    except requests.ConnectionError:
        print(f"No CRM answers at {args.url}: start it first with `make run`.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""The two small pages a person sees: the confirmation (its button POSTs the one-click
form to the same link) and the done page. Nothing of the contact in either."""

from __future__ import annotations

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}}
button{{font-size:1rem;padding:.6rem 1.2rem;cursor:pointer}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""

CONFIRM = _PAGE.format(
    title="Unsubscribe",
    body=(
        "<p>Stop receiving marketing email from us?</p>"
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    ),
)
DONE = _PAGE.format(title="You are unsubscribed", body="<p>You will receive no more marketing email from us.</p>")

"""Keys of the campaigns table, the one catalogue: every pk/sk is built here.

| item | pk | sk | owner |
|---|---|---|---|
| a message to a contact, once per template | CONTACT#<contact id> | MESSAGE#<template> | messages |
| the contact was erased (nothing more is sent) | CONTACT#<contact id> | ERASED | messages |
| contact's owner (reach) | CONTACT#<contact id> | OWNER | shared.owners |
| the recipient view of a contact | CONTACT#<contact id> | RECIPIENT | audience |
| a contact's membership of a segment | SEGMENT#<segment id> | CONTACT#<contact id> | audience |
| an address that is never mailed again | SUPPRESSED#<address digest> | SUPPRESSED | bounces |
| a contact's last click on a campaign (attribution) | CONTACT#<contact id> | CLICK#<campaign id> | tracking |
| an order counted to a campaign, once | ORDER#<order id> | CONVERSION | tracking |
| a first open (human or machine) of a source's email | TRACK#<source> | OPEN#<contact>#<human/machine> | tracking |
| a first click on a source's email | TRACK#<source> | CLICK#<contact> | tracking |
| an opt-out through a source's link | TRACK#<source> | UNSUB#<contact>#<channel> | unsubscribe |
| an SES bounce or complaint notification, handled once | FEEDBACK#<feedback id> | FEEDBACK | bounces |
| a contact's run of a journey (one at a time) | CONTACT#<contact id> | JOURNEY#<journey id> | journeys |
| a journey's definition | JOURNEYS | JOURNEY#<journey id> | journeys |
| the birthday a contact's greeting is planned on | CONTACT#<contact id> | BIRTHDAY | journeys |
| an email template | TEMPLATES | TEMPLATE#<id> | templates |
| a campaign | CAMPAIGNS | CAMPAIGN#<id> | campaigns |
| a campaign's counters (per A/B variant: STATS#<variant>) | CAMPAIGN#<id> | STATS / STATS#<variant> | table.stats |
| a frozen audience chunk (≤ 100 contacts) | CAMPAIGN#<id> | CHUNK#<run>#<n:05d> | campaigns |
| a run's progress: the chunks done | CAMPAIGN#<id> | RUN#<run> | campaigns |
| one send to a recipient, once per (source, channel) | SEND#<source>#<channel> | CONTACT#<contact id> | campaigns |
| sends per day: account / marketer quota | QUOTA#<yyyy-mm-dd> | ACCOUNT / MARKETER#<sub> | campaigns |
| the daily quotas an admin set | SETTINGS | SENDING_LIMITS | campaigns |
| the shared send-rate bucket | LIMITER#<name> | BUCKET | delivery |
| outbox, idempotency | OUTBOX#... / IDEMPOTENCY#... | ... | shared kernel |

A *source* is what sends: a campaign run (``campaign-<id>-<run>``) or a journey step
(``journey-<journey id>-<step>``); its sends are one partition, so a campaign's recipients are
claimed and settled without touching any contact's partition.
"""

from __future__ import annotations

import hashlib

CONTACT_PREFIX = "CONTACT#"
MESSAGE_PREFIX = "MESSAGE#"
ERASED_SK = "ERASED"


def contact_pk(contact_id: str) -> str:
    return CONTACT_PREFIX + contact_id


def message_key(contact_id: str, template: str) -> tuple[str, str]:
    return contact_pk(contact_id), MESSAGE_PREFIX + template


def erased_key(contact_id: str) -> tuple[str, str]:
    return contact_pk(contact_id), ERASED_SK


# --- audience ---------------------------------------------------------------------------
RECIPIENT_SK = "RECIPIENT"
SEGMENT_PREFIX = "SEGMENT#"


def recipient_key(contact_id: str) -> tuple[str, str]:
    return contact_pk(contact_id), RECIPIENT_SK


def member_key(segment_id: str, contact_id: str) -> tuple[str, str]:
    return SEGMENT_PREFIX + segment_id, CONTACT_PREFIX + contact_id


# --- suppression (bounces, complaints, operators) ---------------------------------------
SUPPRESSED_PREFIX = "SUPPRESSED#"
SUPPRESSED_SK = "SUPPRESSED"


def address_digest(address: str) -> str:
    """An address as a key: a digest of its normalised form, so no address is a key in
    plain text (keys are logged and copied where attributes are not)."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]


def suppressed_key(address: str) -> tuple[str, str]:
    return SUPPRESSED_PREFIX + address_digest(address), SUPPRESSED_SK


# --- tracking ---------------------------------------------------------------------------
CLICK_PREFIX = "CLICK#"


def click_key(contact_id: str, campaign_id: str) -> tuple[str, str]:
    return contact_pk(contact_id), CLICK_PREFIX + campaign_id


def conversion_key(order_id: str) -> tuple[str, str]:
    return "ORDER#" + order_id, "CONVERSION"


def opened_key(source: str, contact_id: str, machine: bool) -> tuple[str, str]:
    return "TRACK#" + source, f"OPEN#{contact_id}#{'machine' if machine else 'human'}"


def clicked_key(source: str, contact_id: str) -> tuple[str, str]:
    return "TRACK#" + source, "CLICK#" + contact_id


def unsubscribed_key(source: str, contact_id: str, channel: str) -> tuple[str, str]:
    return "TRACK#" + source, f"UNSUB#{contact_id}#{channel}"


def feedback_key(feedback_id: str) -> tuple[str, str]:
    return "FEEDBACK#" + feedback_id, "FEEDBACK"


def campaign_of(source: str) -> str | None:
    """The campaign a source is a run of (``campaign-<id>-<run>``: the id may hold dashes,
    the run never does); None for a journey step or anything else."""
    if not source.startswith("campaign-"):
        return None
    campaign_id, dash, run = source.removeprefix("campaign-").rpartition("-")
    return campaign_id if dash and campaign_id and run.isdigit() else None


# --- journeys ---------------------------------------------------------------------------
JOURNEYS = "JOURNEYS"
JOURNEY_PREFIX = "JOURNEY#"


def journey_key(journey_id: str) -> tuple[str, str]:
    return JOURNEYS, JOURNEY_PREFIX + journey_id


def journey_run_key(contact_id: str, journey_id: str) -> tuple[str, str]:
    return contact_pk(contact_id), JOURNEY_PREFIX + journey_id


def birthday_key(contact_id: str) -> tuple[str, str]:
    return contact_pk(contact_id), "BIRTHDAY"


# --- templates --------------------------------------------------------------------------
TEMPLATES = "TEMPLATES"
TEMPLATE_PREFIX = "TEMPLATE#"


def template_key(template_id: str) -> tuple[str, str]:
    return TEMPLATES, TEMPLATE_PREFIX + template_id


# --- campaigns, their chunks, sends and counters ----------------------------------------
CAMPAIGNS = "CAMPAIGNS"
CAMPAIGN_PREFIX = "CAMPAIGN#"
CHUNK_PREFIX = "CHUNK#"
STATS_SK = "STATS"


def campaign_key(campaign_id: str) -> tuple[str, str]:
    return CAMPAIGNS, CAMPAIGN_PREFIX + campaign_id


def campaign_pk(campaign_id: str) -> str:
    return CAMPAIGN_PREFIX + campaign_id


def chunk_key(campaign_id: str, run: int, number: int) -> tuple[str, str]:
    return campaign_pk(campaign_id), f"{CHUNK_PREFIX}{run}#{number:05d}"


def run_key(campaign_id: str, run: int) -> tuple[str, str]:
    return campaign_pk(campaign_id), f"RUN#{run}"


def stats_key(campaign_id: str, variant: str | None = None) -> tuple[str, str]:
    """The campaign's counters: all sends (``STATS``), or one A/B variant's (``STATS#A``)."""
    return campaign_pk(campaign_id), STATS_SK if variant is None else f"{STATS_SK}#{variant}"


def send_key(source: str, channel: str, contact_id: str) -> tuple[str, str]:
    return f"SEND#{source}#{channel}", CONTACT_PREFIX + contact_id


def quota_key(day: str, marketer: str | None = None) -> tuple[str, str]:
    return "QUOTA#" + day, "ACCOUNT" if marketer is None else "MARKETER#" + marketer


def limits_key() -> tuple[str, str]:
    return "SETTINGS", "SENDING_LIMITS"


def limiter_key(name: str) -> tuple[str, str]:
    return "LIMITER#" + name, "BUCKET"

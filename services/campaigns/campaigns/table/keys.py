"""Keys of the campaigns table, the one catalogue: every pk/sk is built here.

| item | pk | sk | owner |
|---|---|---|---|
| a message to a contact, once per template | CONTACT#<contact id> | MESSAGE#<template> | messages |
| the contact was erased (nothing more is sent) | CONTACT#<contact id> | ERASED | messages |
| an email template | TEMPLATES | TEMPLATE#<id> | templates |
| contact's owner (reach) | CONTACT#<contact id> | OWNER | shared.owners |
| outbox, idempotency | OUTBOX#... / IDEMPOTENCY#... | ... | shared kernel |
"""

from __future__ import annotations

CONTACT_PREFIX = "CONTACT#"
MESSAGE_PREFIX = "MESSAGE#"
ERASED_SK = "ERASED"


def contact_pk(contact_id: str) -> str:
    return CONTACT_PREFIX + contact_id


def message_key(contact_id: str, template: str) -> tuple[str, str]:
    return contact_pk(contact_id), MESSAGE_PREFIX + template


def erased_key(contact_id: str) -> tuple[str, str]:
    return contact_pk(contact_id), ERASED_SK


TEMPLATES = "TEMPLATES"
TEMPLATE_PREFIX = "TEMPLATE#"


def template_key(template_id: str) -> tuple[str, str]:
    return TEMPLATES, TEMPLATE_PREFIX + template_id

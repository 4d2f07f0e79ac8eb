"""Templates in the campaigns table (pynamodb): the only module that maps them. All live in
one partition (``TEMPLATES``), read by key or listed by one query."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute
from pynamodb.exceptions import DoesNotExist, PutError

from campaigns import SERVICE
from campaigns.table.keys import TEMPLATE_PREFIX, TEMPLATES, template_key
from campaigns.templates.models import Template
from shared.errors import StaleVersion
from shared.items import KeyedItem
from shared.table import is_conditional_failure, table_meta


class TemplateItem(KeyedItem):
    """pk ``TEMPLATES``, sk ``TEMPLATE#<id>``."""

    Meta = table_meta(SERVICE)
    body = JSONAttribute()
    version = NumberAttribute()


class TemplateRepository:
    def get(self, template_id: str) -> Template | None:
        try:
            item = TemplateItem.get(*template_key(template_id), consistent_read=True)
        except DoesNotExist:
            return None
        return Template.model_validate({**item.body, "version": int(item.version)})

    def page(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Template], dict[str, Any] | None]:
        results = TemplateItem.query(
            TEMPLATES, TemplateItem.sk.startswith(TEMPLATE_PREFIX), limit=limit, last_evaluated_key=start
        )
        return [
            Template.model_validate({**i.body, "version": int(i.version)}) for i in results
        ], results.last_evaluated_key

    def put(self, template: Template, read_version: int | None) -> None:
        """Store ``template``: new (``read_version`` None) or over the version read."""
        item = TemplateItem(
            *template_key(template.id),
            body=template.model_dump(mode="json", exclude={"version"}),
            version=template.version,
        )
        condition = TemplateItem.pk.does_not_exist() if read_version is None else TemplateItem.version == read_version
        try:
            item.save(condition=condition)
        except PutError as exc:
            if is_conditional_failure(exc):
                raise StaleVersion(f"template {template.id} changed meanwhile: read it again") from exc
            raise

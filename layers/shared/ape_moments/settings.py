"""Environment of the functions, validated once per execution environment (set by template.yaml)."""

from __future__ import annotations

import functools
import os

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    orders_table_name: str | None = Field(None, alias="ORDERS_TABLE_NAME")
    albums_table_name: str | None = Field(None, alias="ALBUMS_TABLE_NAME")
    collages_table_name: str | None = Field(None, alias="COLLAGES_TABLE_NAME")
    idempotency_table_name: str | None = Field(None, alias="IDEMPOTENCY_TABLE_NAME")
    order_queue_url: str | None = Field(None, alias="ORDER_QUEUE_URL")
    media_bucket_name: str | None = Field(None, alias="MEDIA_BUCKET_NAME")
    upload_url_expires_in: int = Field(3600, ge=60, le=3600, alias="UPLOAD_URL_EXPIRES_IN")

    def require(self, name: str) -> str:
        """A setting this function cannot work without; its absence is a deployment error."""
        value = getattr(self, name)
        if not value:
            raise RuntimeError(f"missing configuration: {self.model_fields[name].alias}")
        return str(value)


@functools.cache
def settings() -> Settings:
    return Settings.model_validate({k: v for k, v in os.environ.items() if k.isupper()})

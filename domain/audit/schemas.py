import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    actor_user_id: uuid.UUID | None
    actor_name: str | None = Field(
        description="The acting user's name; null for the system or a user since removed"
    )
    action: str
    entity_type: str
    entity_id: uuid.UUID | None
    target_name: str | None = Field(
        description="The changed record's name: its current one, else the one it had in the entry"
    )
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime

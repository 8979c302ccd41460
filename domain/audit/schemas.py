import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    actor_user_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None = Field(
        description="The API key whose request made the change (an integration's)"
    )
    actor_trigger_id: uuid.UUID | None = Field(
        description="The attribute trigger whose run made the change"
    )
    actor_name: str | None = Field(
        description="The acting user's name, the API key's (\"API key Sync\") or the attribute "
        'trigger\'s ("Attribute trigger Renewal window"); null for the system or what was since '
        "removed"
    )
    action: str
    entity_type: str
    entity_id: uuid.UUID | None
    target_name: str | None = Field(
        description="The changed record's name: its current one, else the one it had in the entry"
    )
    before: dict[str, Any] | None = Field(
        description="The record before the change: for an update, the fields it concerns (an "
        "account's update, churn or reactivation: those it changed); the whole record when it "
        "was deleted; null when it was created"
    )
    after: dict[str, Any] | None = Field(
        description="The record after the change, as `before` holds it: the whole record when "
        "it was created or restored; null when it was deleted"
    )
    created_at: datetime

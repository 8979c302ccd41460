import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.common.schemas import RequestModel
from domain.notifications.models import EmailDigest, NotificationKind


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: NotificationKind
    title: str = Field(examples=["New task: Call the sponsor"])
    body: str = Field(examples=["Ana Lima gave you a task on Acme Corp, due Mar 4, 2026"])
    task_id: uuid.UUID | None = Field(description="The task it is about, if any")
    alert_id: uuid.UUID | None = Field(description="The alert it is about, if any")
    account_id: uuid.UUID
    account_name: str
    created_at: datetime
    read_at: datetime | None = Field(description="Null: unread")


class UnreadCount(BaseModel):
    unread: int = Field(description="Your unread notifications", examples=[3])


class MarkedRead(BaseModel):
    marked: int = Field(description="Notifications marked read by this call", examples=[3])


class KindChoice(RequestModel):
    in_app: bool = Field(description="Shown under the bell")
    email: bool = Field(description="Sent by email (one by one, or in the daily digest)")


class NotificationPreferencesWrite(RequestModel):
    """Your choices; a kind left out keeps its default."""

    kinds: dict[NotificationKind, KindChoice] = Field(
        default_factory=dict,
        examples=[{"task_updated": {"in_app": True, "email": True}}],
    )
    email_digest: EmailDigest = Field(
        EmailDigest.IMMEDIATE,
        description="immediate: one email per notification; daily: one digest email a day "
        "(07:00 in the organisation's time zone) of what is still unread then",
    )


class NotificationPreferencesChange(RequestModel):
    """Only what you send changes: each kind sent takes its new choice, the others and the
    digest (unless sent) stay as they are."""

    kinds: dict[NotificationKind, KindChoice] = Field(
        default_factory=dict,
        examples=[{"task_updated": {"in_app": True, "email": True}}],
    )
    email_digest: EmailDigest | None = Field(
        None, description="Left out or null: unchanged", examples=["daily"]
    )


class NotificationPreferencesRead(BaseModel):
    kinds: dict[NotificationKind, KindChoice] = Field(description="Every kind, with your choice")
    email_digest: EmailDigest

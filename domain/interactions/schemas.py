import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.common.schemas import RequestModel
from domain.common.types import Instant
from domain.interactions.models import InteractionType, TicketPriority, TicketStatus

Subject = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Outcome = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=100_000)]
ContactName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Source = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"^\S+$")
]
NoteBody = Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
TicketSubject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]

MAX_PARTICIPANTS = 50


class InteractionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    type: InteractionType
    occurred_at: datetime
    subject: str | None = Field(examples=["Quarterly business review"])
    body: str | None
    outcome: str | None = Field(examples=["Agreed on a renewal plan"])
    author_id: uuid.UUID | None
    participant_user_ids: list[uuid.UUID]
    participant_contacts: list[str] = Field(examples=[["Jane Doe (VP Ops)"]])
    external_id: str | None
    source: str = Field(examples=["manual", "salesforce"])
    created_at: datetime
    updated_at: datetime


class AccountInteractionRead(InteractionRead):
    """An interaction in an account's list, with the name of the account it is on: a child
    account's, when the list rolls up the hierarchy."""

    account_name: str


class InteractionCreate(RequestModel):
    type: InteractionType
    occurred_at: Instant = Field(description="When it happened, with a time zone")
    subject: Subject | None = None
    body: LongText | None = None
    outcome: Outcome | None = None
    participant_user_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_PARTICIPANTS,
        description="Team users who took part (users of this organisation)",
    )
    participant_contacts: list[ContactName] = Field(
        default_factory=list,
        max_length=MAX_PARTICIPANTS,
        description="The customer's people who took part, by name",
    )
    external_id: ExternalId | None = Field(None, description="The id in the source system")
    source: Source = Field("manual", description="Where it was logged: manual, a CRM, ...")


class InteractionUpdate(RequestModel):
    type: InteractionType | None = None
    occurred_at: Instant | None = None
    subject: Subject | None = None
    body: LongText | None = None
    outcome: Outcome | None = None
    participant_user_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_PARTICIPANTS)
    participant_contacts: list[ContactName] | None = Field(None, max_length=MAX_PARTICIPANTS)


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    author_id: uuid.UUID | None
    body: str = Field(description="Sanitised HTML", examples=["<p>Champion is <b>leaving</b></p>"])
    is_pinned: bool
    created_at: datetime
    updated_at: datetime


class AccountNoteRead(NoteRead):
    """A note in an account's list, with the name of the account it is on."""

    account_name: str


class NoteCreate(RequestModel):
    body: NoteBody = Field(description="Rich text as HTML; unsafe markup is removed")
    is_pinned: bool = False


class NoteUpdate(RequestModel):
    body: NoteBody | None = None
    is_pinned: bool | None = None


class TicketRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    external_id: str | None
    source: str = Field(examples=["manual", "zendesk"])
    subject: str
    status: TicketStatus
    priority: TicketPriority
    opened_at: datetime
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AccountTicketRead(TicketRead):
    """A ticket in an account's list, with the name of the account it is on."""

    account_name: str


class TicketCreate(RequestModel):
    subject: TicketSubject
    status: TicketStatus = TicketStatus.OPEN
    priority: TicketPriority = TicketPriority.NORMAL
    opened_at: Instant
    closed_at: Instant | None = Field(
        None, description="For a solved or closed ticket; defaults to now when it is closed"
    )
    external_id: ExternalId | None = Field(
        None, description="The help desk's id: unique per source in the organisation"
    )
    source: Source = Field("manual", examples=["manual", "zendesk"])


class TicketUpdate(RequestModel):
    subject: TicketSubject | None = None
    status: TicketStatus | None = Field(
        None, description="Solving or closing sets closed_at; reopening clears it"
    )
    priority: TicketPriority | None = None
    opened_at: Instant | None = None
    closed_at: Instant | None = None


class SearchKind(StrEnum):
    INTERACTION = "interaction"
    NOTE = "note"


class SearchResult(BaseModel):
    kind: SearchKind
    id: uuid.UUID
    account_id: uuid.UUID
    account_name: str
    type: InteractionType = Field(description="The interaction's type; `note` for notes")
    occurred_at: datetime = Field(description="When it happened (notes: when written)")
    author_id: uuid.UUID | None
    author_name: str | None
    subject: str | None
    headline: str = Field(
        description="A snippet of the text, HTML-escaped, with matches wrapped in <mark>"
    )
    rank: float = Field(description="Text relevance; 0 when listing without a query")


class SearchPage(BaseModel):
    """One page of search results. A search with words ranks and counts every match. A
    listing without words shows and counts the newest 1,000 interactions and the newest 1,000
    notes; `total_capped` says the real number may be larger."""

    items: list[SearchResult]
    total: int
    total_capped: bool
    limit: int
    offset: int


class TimelineKind(StrEnum):
    INTERACTION = "interaction"
    NOTE = "note"
    TICKET = "ticket"
    TICKET_CLOSED = "ticket_closed"
    STATUS_UPDATE = "status_update"
    STAGE_CHANGE = "stage_change"
    CSM_ASSIGNED = "csm_assigned"
    CSM_UNASSIGNED = "csm_unassigned"
    CSM_SCORE = "csm_score"
    NPS_RESPONSE = "nps_response"
    CHURN = "churn"
    REACTIVATION = "reactivation"
    ALERT = "alert"
    ALERT_DISMISSED = "alert_dismissed"
    TASK = "task"
    TASK_CLOSED = "task_closed"


class TimelineItem(BaseModel):
    """One event in an account's history, whatever its source."""

    model_config = ConfigDict(from_attributes=True)

    kind: TimelineKind
    id: uuid.UUID = Field(description="The id of the underlying record (interaction, note, ...)")
    occurred_at: datetime
    title: str
    detail: str | None = Field(description="More text; for notes, their sanitised HTML")
    author_id: uuid.UUID | None
    account_id: uuid.UUID = Field(
        description="The account it happened on: a child account, when the timeline rolls up"
    )
    account_name: str

"""What every request schema shares, and the answer of every batch."""

import uuid

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from domain.common.errors import DomainError


class RequestModel(BaseModel):
    """A request body, or a part of one: an unknown field is refused with a 422 instead of
    being silently ignored (a misspelled `ends_at` would otherwise change nothing)."""

    model_config = ConfigDict(extra="forbid")


class ChangeNumbered(BaseModel):
    """The answer of a write that may change what figures are computed from."""

    change: int | None = Field(
        None,
        description="The number of the change this call made to the inputs of the accounts' "
        "figures: `GET /freshness/changes/{change}` says when the figures reflect it. Null "
        "when the call changed no figure's input.",
        examples=[48213],
    )


class BatchError(BaseModel):
    """A record a batch refused, and why."""

    index: int = Field(description="Position of the record in the batch")
    id: str | None = Field(
        None, description="The record's external id (an event's message id), if it had one"
    )
    message: str = Field(examples=["occurred_at: Field required"])


class StoredRecord(BaseModel):
    """A record a batch stored, and the id Tenure knows it by."""

    index: int = Field(description="Position of the record in the batch")
    external_id: str = Field(description="The record's external id, as sent")
    id: uuid.UUID = Field(description="Tenure's id of the record")


class BatchResult(ChangeNumbered):
    """What a batch did with its records: each is stored or refused on its own."""

    accepted: int = Field(description="Records stored (a repeat of a stored one counts)")
    rejected: int = Field(description="Records refused, each listed in `errors`")
    errors: list[BatchError] = Field(description="The refused records, in batch order")
    records: list[StoredRecord] = Field(
        description="The stored records with Tenure's ids, in batch order (none for events, "
        "whose message id is their id)"
    )
    # The domain errors behind refusals, by record (`BatchOutcome.causes`); not answered.
    _causes: dict[int, DomainError] = PrivateAttr(default_factory=dict)

    @property
    def causes(self) -> dict[int, DomainError]:
        return self._causes

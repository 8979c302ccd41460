"""What every request schema shares."""

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """A request body, or a part of one: an unknown field is refused with a 422 instead of
    being silently ignored (a misspelled `ends_at` would otherwise change nothing)."""

    model_config = ConfigDict(extra="forbid")

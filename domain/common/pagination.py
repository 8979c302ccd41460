from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

MAX_LIMIT = 200


class PageParams(BaseModel):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


@dataclass(frozen=True)
class Paged(Generic[T]):
    """What a service returns for a list: one page of rows and the total the caller may see."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total number of items the caller may see."""

    model_config = ConfigDict(from_attributes=True)

    items: list[T]
    total: int
    limit: int
    offset: int


def page_json(paged: Paged[str]) -> bytes:
    """`Page`'s JSON for items that are JSON already (written by PostgreSQL: `json_object`)."""
    items = ",".join(paged.items).encode()
    return b'{"items":[%b],"total":%d,"limit":%d,"offset":%d}' % (
        items,
        paged.total,
        paged.limit,
        paged.offset,
    )

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, TypeAdapter
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

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


# asyncpg reads ids as a subclass of `uuid.UUID`, which pydantic-core writes through a slower
# path than the class itself; its own `str` is as fast and writes the same text (a third of a
# 50-row account page's writing).
_Id = Annotated[uuid.UUID, PlainSerializer(str, return_type=str)]
_IDS = {uuid.UUID: _Id, uuid.UUID | None: _Id | None, list[uuid.UUID]: list[_Id]}


class PageJson:
    """A page of plain dict rows written as `Page[model]`'s JSON in one pydantic-core pass,
    without first validating each row into a model: for lists whose rows come straight from the
    database, where validating 50 rows cost more than writing them. Only the model's fields are
    written, each by its type, in the row's key order (tests hold them to `Page[model]`'s)."""

    def __init__(self, model: type[BaseModel]) -> None:
        fields = {
            name: _IDS.get(f.annotation, f.annotation)  # type: ignore[arg-type]
            for name, f in model.model_fields.items()
        }
        row = TypedDict(f"{model.__name__}Row", fields)  # type: ignore[misc]

        class _Page(TypedDict):
            items: list[row]
            total: int
            limit: int
            offset: int

        self._adapter: TypeAdapter[Any] = TypeAdapter(_Page)

    def dump(self, paged: Paged[dict[str, Any]]) -> bytes:
        return self._adapter.dump_json(vars(paged))

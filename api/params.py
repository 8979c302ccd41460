"""Query parameters that several routers take alike."""

from typing import Annotated

from fastapi import Query

from domain.common.pagination import MAX_LIMIT

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]

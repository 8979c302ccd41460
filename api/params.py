"""Query parameters that several routers take alike."""

import uuid
from typing import Annotated, Literal

from fastapi import Query

from domain.common.pagination import MAX_LIMIT

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
ViewOwner = Annotated[
    uuid.UUID | Literal["all"] | None,
    Query(
        description="Whose saved views: `all` (every user's), or one user's id; left out: "
        "yours and the shared ones"
    ),
]

"""What saved lists (the account list's views, the task list's) share: a name no one sees
twice, and who may list whose. A view's name is unique, whatever the case, among its owner's
views, and a shared view's among the organisation's shared views (found by
`domain.common.repository.view_named`)."""

import uuid
from typing import Literal

# Asked for instead of one owner's id: every user's views (for those who look after them).
EVERY_OWNER = "all"
# Whose views a list shows: every user's, one user's, or (None) the caller's and the shared.
Owner = uuid.UUID | Literal["all"] | None


def name_taken(
    what: str, name: str, *, holder_id: uuid.UUID, owner_id: uuid.UUID, actor_id: uuid.UUID | None
) -> str:
    """Why the name is refused, as the caller reads it: whose view holds it (`holder_id`'s) for
    a view of `owner_id`'s that `actor_id` saves."""
    if holder_id != owner_id:
        return f"A shared {what} is already named {name!r}"
    if owner_id == actor_id:
        return f"You already have a {what} named {name!r}"
    return f"The view's owner already has a {what} named {name!r}"

from typing import Any

from domain.users import auth
from workers import queue
from workers.context import transaction


@queue.job(auth.SEND_PASSWORD_RESET_JOB, max_tries=3)
async def send_password_reset(ctx: dict[str, Any], email: str) -> None:
    """Look the address up and email its reset link, if it is an active user's (done here, not
    in the request, so the request takes the same time for every address)."""
    async with transaction(ctx) as session:
        await auth.send_password_reset_to(session, auth.auth_config(ctx["settings"]), email=email)

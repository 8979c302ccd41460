"""argon2 password hashes."""

import asyncio
from collections.abc import Awaitable

from domain.users.passwords import (
    hash_password,
    hash_password_in_thread,
    verify_password,
    verify_password_in_thread,
)

PASSWORD = "correct-horse-battery"


class TestHashPassword:
    def test_is_salted_argon2id(self) -> None:
        first, second = hash_password(PASSWORD), hash_password(PASSWORD)

        assert first.startswith("$argon2id$")
        assert first != second
        assert PASSWORD not in first


class TestVerifyPassword:
    def test_accepts_the_password(self) -> None:
        assert verify_password(hash_password(PASSWORD), PASSWORD) is True

    def test_refuses_another_password(self) -> None:
        stored = hash_password(PASSWORD)

        assert verify_password(stored, PASSWORD.upper()) is False
        assert verify_password(stored, "") is False

    def test_no_hash_never_matches(self) -> None:
        # An unknown user or a pending invitation: checked against a dummy hash, then refused.
        assert verify_password(None, PASSWORD) is False
        assert verify_password(None, "tenure-timing-equaliser") is False

    def test_a_corrupt_hash_is_a_refusal_not_an_error(self) -> None:
        assert verify_password("not-a-hash", PASSWORD) is False
        assert verify_password("$argon2id$v=19$m=1,t=1,p=1$AAAA$BBBB", PASSWORD) is False


async def _loop_turns_during(work: Awaitable[object]) -> int:
    """How often another task ran on the event loop while `work` was awaited."""
    turns = 0
    done = False

    async def other_task() -> None:
        nonlocal turns
        while not done:
            turns += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(other_task())
    await work
    done = True
    await task
    return turns


class TestOffTheEventLoop:
    """argon2 costs tens of milliseconds of CPU: the event loop keeps serving other requests."""

    async def test_hashing_leaves_the_loop_free(self) -> None:
        assert await _loop_turns_during(hash_password_in_thread(PASSWORD)) > 0

    async def test_verifying_leaves_the_loop_free(self) -> None:
        stored = hash_password(PASSWORD)
        assert await _loop_turns_during(verify_password_in_thread(stored, PASSWORD)) > 0
        assert await verify_password_in_thread(stored, PASSWORD) is True
        assert await verify_password_in_thread(stored, "wrong") is False

    async def test_a_synchronous_hash_would_hold_the_loop(self) -> None:
        # The measure itself: work done on the loop lets no other task run.
        async def on_the_loop() -> None:
            hash_password(PASSWORD)

        assert await _loop_turns_during(on_the_loop()) == 0

"""Sign-in throttling in Redis fixed windows: attempts are counted before the password check."""

import asyncio

import pytest
from redis.asyncio import Redis

from domain.users.errors import LoginThrottled
from domain.users.throttle import LoginThrottle


@pytest.fixture
def throttle(redis: Redis) -> LoginThrottle:
    return LoginThrottle(redis, per_email=3, per_ip=5, window_seconds=60)


class TestAttempt:
    async def test_passes_up_to_the_limit(self, throttle: LoginThrottle) -> None:
        for _ in range(3):
            await throttle.attempt("ada@example.com", "10.0.0.1")

    async def test_refuses_past_the_email_limit_with_retry_after(
        self, throttle: LoginThrottle
    ) -> None:
        for _ in range(3):
            await throttle.attempt("ada@example.com", "10.0.0.1")

        with pytest.raises(LoginThrottled) as refused:
            await throttle.attempt("ADA@example.com", "10.0.0.2")

        assert 0 < refused.value.retry_after <= 60
        assert (refused.value.status, refused.value.code) == (429, "login_throttled")

    async def test_refuses_past_the_ip_limit_for_any_email(self, throttle: LoginThrottle) -> None:
        for n in range(5):
            await throttle.attempt(f"user{n}@example.com", "10.0.0.1")

        with pytest.raises(LoginThrottled):
            await throttle.attempt("someone.else@example.com", "10.0.0.1")
        await throttle.attempt("someone.else@example.com", "10.0.0.2")

    async def test_attempts_sent_at_once_pass_only_up_to_the_limit(
        self, throttle: LoginThrottle
    ) -> None:
        outcomes = await asyncio.gather(
            *(throttle.attempt("ada@example.com", "10.0.0.1") for _ in range(10)),
            return_exceptions=True,
        )

        passed = [o for o in outcomes if o is None]
        assert len(passed) == 3
        assert all(isinstance(o, LoginThrottled) for o in outcomes if o is not None)

    async def test_the_window_starts_at_the_first_attempt(
        self, throttle: LoginThrottle, redis: Redis
    ) -> None:
        await throttle.attempt("ada@example.com", "10.0.0.1")
        await redis.expire("throttle:login:email:ada@example.com", 10)

        await throttle.attempt("Ada@Example.com", "10.0.0.1")

        # Later attempts count without extending the window.
        assert await redis.get("throttle:login:email:ada@example.com") == b"2"
        assert 0 < await redis.ttl("throttle:login:email:ada@example.com") <= 10
        assert 50 < await redis.ttl("throttle:login:ip:10.0.0.1") <= 60

    async def test_an_expired_window_starts_over(
        self, throttle: LoginThrottle, redis: Redis
    ) -> None:
        for _ in range(3):
            await throttle.attempt("ada@example.com", "10.0.0.1")
        await redis.delete("throttle:login:email:ada@example.com", "throttle:login:ip:10.0.0.1")

        await throttle.attempt("ada@example.com", "10.0.0.1")

        assert await redis.get("throttle:login:email:ada@example.com") == b"1"


class TestForgive:
    async def test_a_sign_in_clears_the_email_and_takes_back_its_ip_attempt(
        self, throttle: LoginThrottle, redis: Redis
    ) -> None:
        for _ in range(3):
            await throttle.attempt("ada@example.com", "10.0.0.1")

        await throttle.forgive("ADA@example.com", "10.0.0.1", signed_in=True)

        assert await redis.get("throttle:login:email:ada@example.com") is None
        assert await redis.get("throttle:login:ip:10.0.0.1") == b"2"
        await throttle.attempt("ada@example.com", "10.0.0.2")

    async def test_a_right_password_awaiting_its_second_factor_only_stops_counting(
        self, throttle: LoginThrottle, redis: Redis
    ) -> None:
        for _ in range(2):
            await throttle.attempt("ada@example.com", "10.0.0.1")

        await throttle.forgive("ada@example.com", "10.0.0.1", signed_in=False)

        assert await redis.get("throttle:login:email:ada@example.com") == b"1"
        assert await redis.get("throttle:login:ip:10.0.0.1") == b"1"

    async def test_an_expired_window_is_not_decremented_below_zero(
        self, throttle: LoginThrottle, redis: Redis
    ) -> None:
        await throttle.forgive("ada@example.com", "10.0.0.1", signed_in=False)

        assert await redis.exists("throttle:login:email:ada@example.com") == 0
        assert await redis.exists("throttle:login:ip:10.0.0.1") == 0

"""Failed-login throttling in Redis fixed windows."""

import pytest
from redis.asyncio import Redis

from domain.users.throttle import LoginThrottle, LoginThrottled


@pytest.fixture
def throttle(redis: Redis) -> LoginThrottle:
    return LoginThrottle(redis, per_email=3, per_ip=5, window_seconds=60)


class TestCheck:
    async def test_passes_under_the_limit(self, throttle: LoginThrottle) -> None:
        for _ in range(2):
            await throttle.record_failure("ada@example.com", "10.0.0.1")

        await throttle.check("ada@example.com", "10.0.0.1")

    async def test_refuses_at_the_email_limit_with_retry_after(
        self, throttle: LoginThrottle
    ) -> None:
        for _ in range(3):
            await throttle.record_failure("ada@example.com", "10.0.0.1")

        with pytest.raises(LoginThrottled) as refused:
            await throttle.check("ADA@example.com", "10.0.0.2")

        assert 0 < refused.value.retry_after <= 60
        assert (refused.value.status, refused.value.code) == (429, "login_throttled")

    async def test_refuses_at_the_ip_limit_for_any_email(self, throttle: LoginThrottle) -> None:
        for n in range(5):
            await throttle.record_failure(f"user{n}@example.com", "10.0.0.1")

        with pytest.raises(LoginThrottled):
            await throttle.check("someone.else@example.com", "10.0.0.1")
        await throttle.check("someone.else@example.com", "10.0.0.2")


class TestRecordFailure:
    async def test_the_window_starts_at_the_first_failure(
        self, throttle: LoginThrottle, redis: Redis
    ) -> None:
        await throttle.record_failure("ada@example.com", "10.0.0.1")
        await redis.expire("throttle:login:email:ada@example.com", 10)

        await throttle.record_failure("Ada@Example.com", "10.0.0.1")

        # Later failures count without extending the window.
        assert await redis.get("throttle:login:email:ada@example.com") == b"2"
        assert 0 < await redis.ttl("throttle:login:email:ada@example.com") <= 10
        assert 50 < await redis.ttl("throttle:login:ip:10.0.0.1") <= 60

    async def test_an_expired_window_starts_over(
        self, throttle: LoginThrottle, redis: Redis
    ) -> None:
        for _ in range(3):
            await throttle.record_failure("ada@example.com", "10.0.0.1")
        await redis.delete("throttle:login:email:ada@example.com", "throttle:login:ip:10.0.0.1")

        await throttle.record_failure("ada@example.com", "10.0.0.1")

        assert await redis.get("throttle:login:email:ada@example.com") == b"1"
        await throttle.check("ada@example.com", "10.0.0.1")


class TestReset:
    async def test_clears_the_email_but_not_the_ip(
        self, throttle: LoginThrottle, redis: Redis
    ) -> None:
        for _ in range(3):
            await throttle.record_failure("ada@example.com", "10.0.0.1")

        await throttle.reset("ADA@example.com")

        await throttle.check("ada@example.com", "10.0.0.2")
        assert await redis.get("throttle:login:ip:10.0.0.1") == b"3"

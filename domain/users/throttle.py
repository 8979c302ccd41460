"""Failed-login throttling per email and per client IP, in Redis fixed windows."""

from datetime import datetime

from redis.asyncio import Redis

from domain.common.errors import TooManyRequests


class LoginThrottled(TooManyRequests):
    code = "login_throttled"
    title = "Too many failed attempts"


class LoginThrottle:
    def __init__(self, redis: Redis, *, per_email: int, per_ip: int, window_seconds: int) -> None:
        self.redis = redis
        self.per_email = per_email
        self.per_ip = per_ip
        self.window = window_seconds

    def _keys(self, email: str, ip: str) -> list[tuple[str, int]]:
        return [
            (f"throttle:login:email:{email.lower()}", self.per_email),
            (f"throttle:login:ip:{ip}", self.per_ip),
        ]

    async def check(self, email: str, ip: str) -> None:
        for key, limit in self._keys(email, ip):
            count = await self.redis.get(key)
            if count is not None and int(count) >= limit:
                ttl = await self.redis.ttl(key)
                raise LoginThrottled(
                    "Too many failed sign-in attempts. Try again later.",
                    retry_after=max(int(ttl), 1),
                )

    async def record_failure(self, email: str, ip: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for key, _ in self._keys(email, ip):
                # The first failure starts the window; INCR keeps the TTL. (Not EXPIRE NX:
                # that needs Redis 7, and the embedded Redis is 6.2.)
                pipe.set(key, 0, ex=self.window, nx=True)
                pipe.incr(key)
            await pipe.execute()

    async def reset(self, email: str) -> None:
        await self.redis.delete(f"throttle:login:email:{email.lower()}")


class PasswordResetThrottle:
    """Reset emails per address and per client IP, in Redis fixed windows. Every request is
    counted, whether or not its address exists, so the count itself reveals nothing."""

    def __init__(self, redis: Redis, *, per_email: int, per_ip: int, window_seconds: int) -> None:
        self.redis = redis
        self.per_email = per_email
        self.per_ip = per_ip
        self.window = window_seconds

    async def allow(self, email: str, ip: str) -> bool:
        """Count this request; whether it is within both limits."""
        limits = [
            (f"throttle:reset:email:{email.lower()}", self.per_email),
            (f"throttle:reset:ip:{ip}", self.per_ip),
        ]
        async with self.redis.pipeline(transaction=True) as pipe:
            for key, _ in limits:
                pipe.set(key, 0, ex=self.window, nx=True)
                pipe.incr(key)
            counts = (await pipe.execute())[1::2]
        return all(int(count) <= limit for count, (_, limit) in zip(counts, limits, strict=True))


class SingleUse:
    """Marks in Redis that make a signed token usable once (a sign-in challenge). SET NX is
    atomic: of two concurrent uses exactly one wins."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def use(self, key: str, *, until: datetime, now: datetime) -> bool:
        """Whether this is the first use of `key`; it is remembered until the token expires."""
        seconds = max(int((until - now).total_seconds()) + 1, 1)
        return bool(await self.redis.set(f"used:{key}", 1, ex=seconds, nx=True))

"""Failed-login throttling per email and per client IP, in Redis fixed windows."""

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

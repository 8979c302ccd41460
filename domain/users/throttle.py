"""Sign-in throttling per email and per client IP, in Redis fixed windows: every attempt is
counted before its password is checked, and one that succeeds is forgiven. A signed-in user
asked for their password again (a new password, turning 2FA off) counts in the same windows."""

from datetime import datetime

from redis.asyncio import Redis

from domain.users.errors import LoginThrottled

_DECR_IF_PRESENT = """
for _, key in ipairs(KEYS) do
    if redis.call('exists', key) == 1 then redis.call('decr', key) end
end
return 0
"""


async def _count(redis: Redis, keys: list[str], *, window: int) -> list[int]:
    """Count one more in each key's fixed window; the counts after it."""
    async with redis.pipeline(transaction=True) as pipe:
        for key in keys:
            # The first count starts the window; INCR keeps the TTL. (Not EXPIRE NX: that
            # needs Redis 7, and the embedded Redis is 6.2.)
            pipe.set(key, 0, ex=window, nx=True)
            pipe.incr(key)
        return [int(count) for count in (await pipe.execute())[1::2]]


class LoginThrottle:
    def __init__(self, redis: Redis, *, per_email: int, per_ip: int, window_seconds: int) -> None:
        self.redis = redis
        self.per_email = per_email
        self.per_ip = per_ip
        self.window = window_seconds
        self._decr_if_present = redis.register_script(_DECR_IF_PRESENT)

    @staticmethod
    def _email_key(email: str) -> str:
        return f"throttle:login:email:{email.lower()}"

    def _keys(self, email: str, ip: str) -> list[tuple[str, int]]:
        return [
            (self._email_key(email), self.per_email),
            (f"throttle:login:ip:{ip}", self.per_ip),
        ]

    async def attempt(self, email: str, ip: str) -> None:
        """Count this sign-in attempt, then refuse it when it is past either limit. Counting
        comes first so that guesses sent at once cannot all pass a check made before any of
        them failed: of N parallel attempts at most the limit's worth reach the password."""
        keys = self._keys(email, ip)
        counts = await _count(self.redis, [key for key, _ in keys], window=self.window)
        for (key, limit), count in zip(keys, counts, strict=True):
            if count > limit:
                ttl = await self.redis.ttl(key)
                raise LoginThrottled(
                    "Too many wrong passwords or codes. Try again later.",
                    retry_after=max(int(ttl), 1),
                )

    async def forgive(self, email: str, ip: str, *, signed_in: bool) -> None:
        """Take back an attempt that turned out right. A finished sign-in (`signed_in`) also
        clears the address's count; a right password still waiting for its second factor
        only stops counting against it."""
        email_key, ip_key = (key for key, _ in self._keys(email, ip))
        if signed_in:
            await self.redis.delete(email_key)
            await self._uncount(keys=[ip_key])
        else:
            await self._uncount(keys=[email_key, ip_key])

    async def pardon(self, email: str) -> None:
        """Clear the address's count: its owner proved themselves another way (a password
        reset through its mailbox), so the guesses before do not keep them out."""
        await self.redis.delete(self._email_key(email))

    async def _uncount(self, *, keys: list[str]) -> None:
        # Only a window still open is decremented: DECR on an expired key would start a
        # count of -1 that never expires.
        await self._decr_if_present(keys=keys)


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
        counts = await _count(self.redis, [key for key, _ in limits], window=self.window)
        return all(count <= limit for count, (_, limit) in zip(counts, limits, strict=True))


class SingleUse:
    """Marks in Redis that make a signed token usable once (a sign-in challenge). SET NX is
    atomic: of two concurrent uses exactly one wins."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def use(self, key: str, *, until: datetime, now: datetime) -> bool:
        """Whether this is the first use of `key`; it is remembered until the token expires."""
        seconds = max(int((until - now).total_seconds()) + 1, 1)
        return bool(await self.redis.set(f"used:{key}", 1, ex=seconds, nx=True))

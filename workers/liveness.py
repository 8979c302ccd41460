"""A worker's mark in Redis that it is alive, and the check its container runs on it. Apart from
`workers.queue`, which loads arq and the database layer: the check runs every half minute."""

import socket

import redis

from workers import redis_urls

# Seconds between a worker's marks; each mark lasts one second more.
INTERVAL = 30


def key() -> str:
    """One per host (a container is one host), so that a worker alive elsewhere does not hide a
    dead one here."""
    return f"tenure:worker-alive:{socket.gethostname()}"


def check(redis_url: str) -> int:
    """0 when this host's worker has marked itself alive within its interval, else 1."""
    unix = redis_urls.unix_socket(redis_url)
    try:
        with (
            redis.Redis(unix_socket_path=unix[0], db=unix[1], socket_timeout=5)
            if unix is not None
            else redis.Redis.from_url(redis_url, socket_timeout=5)
        ) as client:
            alive = bool(client.exists(key()))
    except redis.RedisError as error:
        print(f"Redis unreachable: {error}")
        return 1
    print("worker alive" if alive else f"no mark from this host's worker ({key()})")
    return 0 if alive else 1

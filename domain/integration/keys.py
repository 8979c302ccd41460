"""API key format: `tnr_<prefix>_<secret>`. The prefix finds the key's row; only a SHA-256 of
the whole key is stored (the secret is 256 random bits, so a slow hash would add nothing)."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_MARKER = "tnr_"
PREFIX_BYTES = 6
SECRET_BYTES = 32


@dataclass(frozen=True)
class NewKey:
    prefix: str
    secret_hash: str
    key: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate() -> NewKey:
    prefix = secrets.token_hex(PREFIX_BYTES)
    key = f"{KEY_MARKER}{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return NewKey(prefix=prefix, secret_hash=hash_key(key), key=key)


def looks_like_key(credential: str) -> bool:
    return credential.startswith(KEY_MARKER)


def prefix_of(key: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    body = key.removeprefix(KEY_MARKER)
    prefix, sep, secret = body.partition("_")
    if not sep or len(prefix) != PREFIX_BYTES * 2 or not secret or len(key) > 200:
        return None
    return prefix


def matches(key: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), secret_hash)

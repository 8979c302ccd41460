"""Every JWT operation lives here, so python-jose can be swapped for PyJWT in one file.

HS256 only, and decode always names the accepted algorithm: python-jose has an
algorithm-confusion advisory when decoding without an explicit list.
"""

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from jose import JWTError, jwt

from domain.users.errors import InvalidToken as InvalidToken

ALGORITHM = "HS256"
TokenPurpose = Literal["access", "mfa"]


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    org_id: uuid.UUID
    purpose: TokenPurpose
    # The user's token version when the token was issued (see User.token_version).
    version: int = 0
    # The sign-in (its refresh tokens' family) an access token was issued to: a new password
    # ends every other sign-in and keeps this one.
    sign_in: uuid.UUID | None = None


@dataclass(frozen=True)
class DecodedToken:
    claims: TokenClaims
    # The token's own id and expiry, for callers that must let a token be used only once.
    token_id: str
    expires_at: datetime


def encode(claims: TokenClaims, *, secret: str, now: datetime, ttl: timedelta) -> str:
    payload = {
        "sub": str(claims.user_id),
        "org": str(claims.org_id),
        "pur": claims.purpose,
        "ver": claims.version,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": secrets.token_hex(16),
    }
    if claims.sign_in is not None:
        payload["sid"] = str(claims.sign_in)
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_token(token: str, *, secret: str, purpose: TokenPurpose) -> DecodedToken:
    decoded = _verified(token, secret)
    # A verified token is remembered, so its expiry is checked here on every use, as
    # python-jose does: expired once `exp` is before the current second.
    if decoded.expires_at < datetime.now(UTC).replace(microsecond=0):
        raise InvalidToken()
    if decoded.claims.purpose != purpose:
        raise InvalidToken()
    return decoded


# The signature check and claim parsing of the same token, sent with every request of a
# signed-in burst, cost a tenth of `GET /me`. What a token says never changes, so its verified
# claims are kept (by token and secret, only for valid tokens); whether its user is still active
# and its version current is read from the database on every request (auth.load_principal).
@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> DecodedToken:
    try:
        # python-jose checks `exp` only when present: a token without one would never expire.
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require_exp": True, "require_iat": True, "require_jti": True},
        )
        version = payload["ver"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise TypeError("ver")
        purpose = payload["pur"]
        if purpose not in ("access", "mfa"):
            raise ValueError("pur")
        return DecodedToken(
            claims=TokenClaims(
                user_id=uuid.UUID(payload["sub"]),
                org_id=uuid.UUID(payload["org"]),
                purpose=purpose,
                version=version,
                sign_in=uuid.UUID(payload["sid"]) if "sid" in payload else None,
            ),
            token_id=str(payload["jti"]),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except (JWTError, KeyError, ValueError, TypeError, AttributeError, OverflowError) as exc:
        raise InvalidToken() from exc


def decode(token: str, *, secret: str, purpose: TokenPurpose) -> TokenClaims:
    return decode_token(token, secret=secret, purpose=purpose).claims


def new_opaque_token() -> str:
    """A random secret for refresh tokens and emailed links; only its hash is stored."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

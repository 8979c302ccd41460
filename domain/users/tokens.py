"""Every JWT operation lives here, so python-jose can be swapped for PyJWT in one file.

HS256 only, and decode always names the accepted algorithm: python-jose has an
algorithm-confusion advisory when decoding without an explicit list.
"""

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
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_token(token: str, *, secret: str, purpose: TokenPurpose) -> DecodedToken:
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
        decoded = DecodedToken(
            claims=TokenClaims(
                user_id=uuid.UUID(payload["sub"]),
                org_id=uuid.UUID(payload["org"]),
                purpose=payload["pur"],
                version=version,
            ),
            token_id=str(payload["jti"]),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except (JWTError, KeyError, ValueError, TypeError, AttributeError, OverflowError) as exc:
        raise InvalidToken() from exc
    if decoded.claims.purpose != purpose:
        raise InvalidToken()
    return decoded


def decode(token: str, *, secret: str, purpose: TokenPurpose) -> TokenClaims:
    return decode_token(token, secret=secret, purpose=purpose).claims


def new_opaque_token() -> str:
    """A random secret for refresh tokens and emailed links; only its hash is stored."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

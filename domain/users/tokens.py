"""Every JWT operation lives here, so python-jose can be swapped for PyJWT in one file.

HS256 only, and decode always names the accepted algorithm: python-jose has an
algorithm-confusion advisory when decoding without an explicit list.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from jose import JWTError, jwt

from domain.common.errors import Unauthorized

ALGORITHM = "HS256"
TokenPurpose = Literal["access", "mfa"]


class InvalidToken(Unauthorized):
    code = "invalid_token"
    title = "Invalid or expired token"


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    org_id: uuid.UUID
    purpose: TokenPurpose


def encode(claims: TokenClaims, *, secret: str, now: datetime, ttl: timedelta) -> str:
    payload = {
        "sub": str(claims.user_id),
        "org": str(claims.org_id),
        "pur": claims.purpose,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode(token: str, *, secret: str, purpose: TokenPurpose) -> TokenClaims:
    try:
        payload = jwt.decode(token, secret, algorithms=[ALGORITHM])
        claims = TokenClaims(
            user_id=uuid.UUID(payload["sub"]),
            org_id=uuid.UUID(payload["org"]),
            purpose=payload["pur"],
        )
    except (JWTError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidToken() from exc
    if claims.purpose != purpose:
        raise InvalidToken()
    return claims


def new_opaque_token() -> str:
    """A random secret for refresh tokens and emailed links; only its hash is stored."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

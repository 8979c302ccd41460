"""The one JWT module: HS256 only, an explicit algorithm list, and a purpose in every token."""

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta, tzinfo

import pytest
from jose import jwt

from domain.common import clock
from domain.users import tokens
from domain.users.tokens import InvalidToken, TokenClaims

SECRET = "unit-test-secret"
CLAIMS = TokenClaims(user_id=uuid.uuid4(), org_id=uuid.uuid4(), purpose="access")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _encode(claims: TokenClaims = CLAIMS, **kwargs: object) -> str:
    options: dict[str, object] = {
        "secret": SECRET,
        "now": clock.now(),
        "ttl": timedelta(minutes=5),
        **kwargs,
    }
    return tokens.encode(claims, **options)  # type: ignore[arg-type]


class TestEncodeDecode:
    def test_round_trip(self) -> None:
        assert tokens.decode(_encode(), secret=SECRET, purpose="access") == CLAIMS

    def test_signs_with_hs256(self) -> None:
        header = jwt.get_unverified_header(_encode())

        assert header["alg"] == "HS256"

    def test_carries_expiry_and_a_unique_id(self) -> None:
        now = datetime(2030, 1, 1, tzinfo=UTC)
        first = jwt.get_unverified_claims(_encode(now=now, ttl=timedelta(minutes=15)))
        second = jwt.get_unverified_claims(_encode(now=now, ttl=timedelta(minutes=15)))

        assert first["exp"] - first["iat"] == 15 * 60
        assert first["jti"] != second["jti"]
        assert (first["sub"], first["org"], first["pur"]) == (
            str(CLAIMS.user_id),
            str(CLAIMS.org_id),
            "access",
        )

    def test_wrong_secret_is_refused(self) -> None:
        with pytest.raises(InvalidToken):
            tokens.decode(_encode(), secret="another-secret", purpose="access")

    def test_wrong_purpose_is_refused(self) -> None:
        with pytest.raises(InvalidToken):
            tokens.decode(_encode(), secret=SECRET, purpose="mfa")

    def test_expired_is_refused(self) -> None:
        stale = _encode(now=clock.now() - timedelta(minutes=10), ttl=timedelta(minutes=5))

        with pytest.raises(InvalidToken):
            tokens.decode(stale, secret=SECRET, purpose="access")

    def test_a_token_verified_before_is_refused_once_it_expires(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        token = _encode()
        assert tokens.decode(token, secret=SECRET, purpose="access") == CLAIMS  # remembered

        class TenMinutesLater(datetime):
            @classmethod
            def now(cls, tz: tzinfo | None = None) -> "TenMinutesLater":
                return cls.fromtimestamp(time.time() + 600, tz)

        monkeypatch.setattr(tokens, "datetime", TenMinutesLater)

        with pytest.raises(InvalidToken):
            tokens.decode(token, secret=SECRET, purpose="access")

    def test_a_token_verified_before_is_still_checked_against_the_secret(self) -> None:
        token = _encode()
        assert tokens.decode(token, secret=SECRET, purpose="access") == CLAIMS

        with pytest.raises(InvalidToken):
            tokens.decode(token, secret="another-secret", purpose="access")
        with pytest.raises(InvalidToken):
            tokens.decode(token, secret=SECRET, purpose="mfa")

    def test_alg_none_is_refused(self) -> None:
        payload = jwt.get_unverified_claims(_encode())
        unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."

        with pytest.raises(InvalidToken):
            tokens.decode(unsigned, secret=SECRET, purpose="access")

    def test_another_hmac_algorithm_is_refused(self) -> None:
        payload = jwt.get_unverified_claims(_encode())
        hs512 = jwt.encode(payload, SECRET, algorithm="HS512")

        with pytest.raises(InvalidToken):
            tokens.decode(hs512, secret=SECRET, purpose="access")

    def test_tampered_payload_is_refused(self) -> None:
        header, _, signature = _encode().split(".")
        payload = jwt.get_unverified_claims(_encode())
        forged = f"{header}.{_b64({**payload, 'sub': str(uuid.uuid4())})}.{signature}"

        with pytest.raises(InvalidToken):
            tokens.decode(forged, secret=SECRET, purpose="access")

    @pytest.mark.parametrize(
        "payload",
        [
            {"org": str(uuid.uuid4()), "pur": "access"},
            {"sub": "not-a-uuid", "org": str(uuid.uuid4()), "pur": "access"},
            {"sub": str(uuid.uuid4()), "org": 42, "pur": "access"},
        ],
    )
    def test_malformed_claims_are_refused(self, payload: dict[str, object]) -> None:
        token = jwt.encode(payload, SECRET, algorithm="HS256")

        with pytest.raises(InvalidToken):
            tokens.decode(token, secret=SECRET, purpose="access")

    @pytest.mark.parametrize("garbage", ["", "x", "a.b.c", "....", "ü.ü.ü"])
    def test_garbage_is_refused(self, garbage: str) -> None:
        with pytest.raises(InvalidToken):
            tokens.decode(garbage, secret=SECRET, purpose="access")

    def test_the_refusal_is_a_401(self) -> None:
        assert (InvalidToken.status, InvalidToken.code) == (401, "invalid_token")


class TestOpaqueTokens:
    def test_are_random_and_url_safe(self) -> None:
        made = {tokens.new_opaque_token() for _ in range(50)}

        assert len(made) == 50
        assert all(len(t) >= 40 and t.replace("-", "").replace("_", "").isalnum() for t in made)

    def test_hash_is_a_stable_sha256(self) -> None:
        digest = tokens.hash_opaque_token("abc")

        assert digest == tokens.hash_opaque_token("abc")
        assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        assert tokens.hash_opaque_token("abd") != digest

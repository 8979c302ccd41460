"""TOTP codes and recovery codes."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from domain.users import mfa


@pytest.fixture
def secret() -> str:
    return mfa.new_secret()


class TestNewSecret:
    def test_is_base32_of_160_bits(self, secret: str) -> None:
        assert len(secret) == 32
        assert set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        assert mfa.new_secret() != secret


class TestProvisioningUri:
    def test_names_the_issuer_and_the_account(self, secret: str) -> None:
        uri = urlsplit(mfa.provisioning_uri(secret, email="ada@example.com"))

        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert unquote(uri.path) == "/Tenure:ada@example.com"
        assert parse_qs(uri.query) == {"secret": [secret], "issuer": ["Tenure"]}


NOW = datetime(2026, 12, 4, 21, 0, 10, tzinfo=UTC)


def _code(secret: str, seconds: int = 0) -> str:
    return pyotp.TOTP(secret).at(NOW + timedelta(seconds=seconds))


def _step(seconds: int = 0) -> int:
    return pyotp.TOTP(mfa.new_secret()).timecode(NOW + timedelta(seconds=seconds))


class TestAcceptedStep:
    def test_accepts_the_current_code(self, secret: str) -> None:
        assert mfa.accepted_step(secret, _code(secret), now=NOW, after=None) == _step()

    def test_tolerates_spaces(self, secret: str) -> None:
        code = _code(secret)

        assert mfa.accepted_step(secret, f" {code[:3]} {code[3:]} ", now=NOW, after=None)

    @pytest.mark.parametrize("offset", [-30, 30])
    def test_accepts_one_step_of_clock_drift(self, secret: str, offset: int) -> None:
        step = mfa.accepted_step(secret, _code(secret, offset), now=NOW, after=None)

        assert step == _step(offset)

    @pytest.mark.parametrize("offset", [-120, 120])
    def test_refuses_codes_further_away(self, secret: str, offset: int) -> None:
        code = _code(secret, offset)

        # The shifted code could coincide with a valid one once in ~300,000 runs.
        valid = {_code(secret, s) for s in (-30, 0, 30)}
        assert (mfa.accepted_step(secret, code, now=NOW, after=None) is not None) is (code in valid)

    def test_refuses_another_secrets_code(self, secret: str) -> None:
        other = _code(mfa.new_secret())
        valid = {_code(secret, s) for s in (-30, 0, 30)}

        assert (mfa.accepted_step(secret, other, now=NOW, after=None) is not None) is (
            other in valid
        )

    @pytest.mark.parametrize("garbage", ["", "12345", "1234567", "abcdef", "12 34 5", "١٢٣٤٥٦"])
    def test_refuses_garbage(self, secret: str, garbage: str) -> None:
        assert mfa.accepted_step(secret, garbage, now=NOW, after=None) is None

    def test_refuses_the_step_accepted_last_and_older_ones(self, secret: str) -> None:
        # A code works once (RFC 6238 section 5.2), and never after a newer one.
        for seconds in (-30, 0):
            assert mfa.accepted_step(secret, _code(secret, seconds), now=NOW, after=_step()) is None
        assert mfa.accepted_step(secret, _code(secret, 30), now=NOW, after=_step()) == _step(30)


class TestRecoveryCodes:
    def test_ten_distinct_codes(self) -> None:
        codes = mfa.new_recovery_codes()

        assert len(codes) == mfa.RECOVERY_CODE_COUNT == 10
        assert len(set(codes)) == 10
        assert all(len(c) == 13 and c[6] == "-" for c in codes)

    def test_normalising_ignores_case_and_spaces(self) -> None:
        assert mfa.normalise_recovery_code("  AB12 CD-ef34 56 ") == "ab12cd-ef3456"

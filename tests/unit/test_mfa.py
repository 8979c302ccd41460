"""TOTP codes and recovery codes."""

import time
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


class TestVerify:
    def test_accepts_the_current_code(self, secret: str) -> None:
        assert mfa.verify(secret, pyotp.TOTP(secret).now())

    def test_tolerates_spaces(self, secret: str) -> None:
        code = pyotp.TOTP(secret).now()

        assert mfa.verify(secret, f" {code[:3]} {code[3:]} ")

    @pytest.mark.parametrize("offset", [-30, 30])
    def test_accepts_one_step_of_clock_drift(self, secret: str, offset: int) -> None:
        code = pyotp.TOTP(secret).at(time.time() + offset)

        assert mfa.verify(secret, code)

    @pytest.mark.parametrize("offset", [-120, 120])
    def test_refuses_codes_further_away(self, secret: str, offset: int) -> None:
        code = pyotp.TOTP(secret).at(time.time() + offset)

        # The shifted code could coincide with a valid one once in ~300,000 runs.
        valid = {pyotp.TOTP(secret).at(time.time() + s) for s in (-30, 0, 30)}
        assert mfa.verify(secret, code) is (code in valid)

    def test_refuses_another_secrets_code(self, secret: str) -> None:
        other = pyotp.TOTP(mfa.new_secret()).now()
        valid = {pyotp.TOTP(secret).at(time.time() + s) for s in (-30, 0, 30)}

        assert mfa.verify(secret, other) is (other in valid)

    @pytest.mark.parametrize("garbage", ["", "12345", "1234567", "abcdef", "12 34 5", "١٢٣٤٥٦"])
    def test_refuses_garbage(self, secret: str, garbage: str) -> None:
        assert mfa.verify(secret, garbage) is False


class TestRecoveryCodes:
    def test_ten_distinct_codes(self) -> None:
        codes = mfa.new_recovery_codes()

        assert len(codes) == mfa.RECOVERY_CODE_COUNT == 10
        assert len(set(codes)) == 10
        assert all(len(c) == 13 and c[6] == "-" for c in codes)

    def test_normalising_ignores_case_and_spaces(self) -> None:
        assert mfa.normalise_recovery_code("  AB12 CD-ef34 56 ") == "ab12cd-ef3456"

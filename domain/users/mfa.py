"""TOTP second factor (pyotp) and single-use recovery codes."""

import secrets

import pyotp

ISSUER = "Tenure"
RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    # pyotp 2.12 rejects secrets under 112 bits; random_base32() gives 160.
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def verify(secret: str, code: str) -> bool:
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    return pyotp.TOTP(secret).verify(code, valid_window=1)


def new_recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]


def normalise_recovery_code(code: str) -> str:
    return code.strip().lower().replace(" ", "")

"""TOTP second factor (pyotp) and single-use recovery codes."""

import hmac
import secrets
from datetime import datetime

import pyotp

ISSUER = "Tenure"
RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    # pyotp 2.12 rejects secrets under 112 bits; random_base32() gives 160.
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, *, now: datetime, after: int | None) -> int | None:
    """The time step whose code `code` is (this one, the one before or the one after, for
    clock drift: pyotp's valid_window=1), if that step is newer than `after`, else None.

    Remembering the step accepted last and passing it as `after` makes each code single-use
    (RFC 6238 section 5.2): a code seen over a shoulder or phished cannot be replayed while
    it is still current."""
    code = code.strip().replace(" ", "")
    # ASCII digits only: isdigit() admits other scripts' digits, which compare_digest refuses.
    if len(code) != 6 or not all("0" <= c <= "9" for c in code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]


def normalise_recovery_code(code: str) -> str:
    return code.strip().lower().replace(" ", "")

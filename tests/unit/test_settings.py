"""Production refuses to start without a real secret; the README's one line makes one that it
accepts; production defaults are safe (Secure cookie, proxies believed only when listed)."""

import re
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.serve import uvicorn_options
from domain.common.settings import PLACEHOLDER_SECRET, AuthSettings, Settings

ROOT = Path(__file__).resolve().parents[2]


def _production(secret: str, **overrides: object) -> Settings:
    return Settings(
        _env_file=None,
        environment="production",
        auth=AuthSettings(secret_key=secret),
        **overrides,
    )


@pytest.mark.parametrize("secret", [PLACEHOLDER_SECRET, "short-but-not-placeholder"])
def test_production_refuses_a_placeholder_or_short_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match=r"TENURE_AUTH__SECRET_KEY must be set"):
        _production(secret)


def test_the_readmes_line_writes_a_secret_production_accepts(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    line = re.search(r"^python3 -c .*secrets\.token_urlsafe.*>> \.env$", readme, re.M)
    assert line, "the README's secret line"
    subprocess.run(line.group(0), shell=True, cwd=tmp_path, check=True)
    key, _, value = (tmp_path / ".env").read_text().strip().partition("=")
    assert key == "TENURE_AUTH__SECRET_KEY"
    settings = _production(value)
    assert settings.auth.secret_key.get_secret_value() == value
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "TENURE_AUTH__SECRET_KEY: ${TENURE_AUTH__SECRET_KEY:?" in compose


def test_production_defaults() -> None:
    settings = _production("x" * 48)
    assert settings.secure_refresh_cookie is True
    options = uvicorn_options(settings, cpu_count=4)
    assert (options["workers"], options["forwarded_allow_ips"]) == (4, "127.0.0.1")
    assert options["proxy_headers"] is True


def test_overrides() -> None:
    settings = _production(
        "x" * 48,
        web_concurrency=3,
        trusted_proxies="10.0.0.2,10.0.0.3",
    )
    assert uvicorn_options(settings, cpu_count=8)["workers"] == 3
    assert uvicorn_options(settings)["forwarded_allow_ips"] == "10.0.0.2,10.0.0.3"
    development = Settings(_env_file=None)
    assert development.secure_refresh_cookie is False
    assert Settings(
        _env_file=None,
        auth=AuthSettings(refresh_cookie_secure=True),
    ).secure_refresh_cookie

"""`python -m api.serve`: the production server (the container's command after migrating).

One uvicorn process per core unless TENURE_WEB_CONCURRENCY says otherwise; forwarded client
addresses are believed only from TENURE_TRUSTED_PROXIES."""

import os
from typing import Any

import uvicorn

from domain.common.settings import Settings, get_settings


def uvicorn_options(settings: Settings, *, cpu_count: int | None = None) -> dict[str, Any]:
    return {
        "factory": True,
        "host": "0.0.0.0",
        "port": int(os.environ.get("PORT", "8000")),
        "workers": settings.web_concurrency or cpu_count or os.cpu_count() or 1,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
        # The app logs one JSON line per request itself (api/middleware.py).
        "access_log": False,
    }


def main() -> None:
    # Reading the settings here refuses a production start without a real secret, with a
    # message saying how to make one, before any worker process starts.
    uvicorn.run("api.app:create_app", **uvicorn_options(get_settings()))


if __name__ == "__main__":
    main()

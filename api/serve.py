"""`python -m api.serve`: the production server (the container's command after migrating).

One uvicorn process per core unless TENURE_WEB_CONCURRENCY says otherwise; forwarded client
addresses are believed only from TENURE_TRUSTED_PROXIES."""

import contextlib
import logging
import os
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from domain.common.settings import Settings, get_settings

log = logging.getLogger("uvicorn.error")


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


def listen_on_own_socket(host: str, port: int) -> socket.socket:
    """A socket bound to the shared port with SO_REUSEPORT, for one process alone: the kernel
    spreads new connections evenly over the processes' sockets."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class OwnSocketPerProcess(socket.socket):
    """Handed to uvicorn's process supervisor in place of its one shared listening socket:
    each worker process it starts (or restarts) unpickles this as a socket of its own (see
    `listen_on_own_socket`). On one shared socket, whichever process wakes first accepts a
    burst of connections and kept-alive clients stay there: 38 and 10 of 50 clients were
    measured here, and the busier process set every endpoint's p99."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__()  # never bound: only the workers' sockets listen
        self.address = (host, port)

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return listen_on_own_socket, self.address


def main() -> None:
    # Reading the settings here refuses a production start without a real secret, with a
    # message saying how to make one, before any worker process starts.
    options = uvicorn_options(get_settings())
    if options["workers"] == 1:
        uvicorn.run("api.app:create_app", **options)
        return
    config = uvicorn.Config("api.app:create_app", **options)
    log.info("Serving on http://%s:%d with %d processes", config.host, config.port, config.workers)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: the supervisor stops the workers
        Multiprocess(config, sockets=[OwnSocketPerProcess(config.host, config.port)]).run()


if __name__ == "__main__":
    main()

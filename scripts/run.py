"""`make run`: the API, one worker and the built SPA on one port, with the demo organisation."""

import os
import signal
import sys
import time
from types import FrameType

from scripts import demo
from scripts.services import DATA
from scripts.stack import free_port, running


def _where_emails_go() -> str:
    """Where `stack.running` sends the emails: to the local sink unless an SMTP server is set."""
    if host := os.environ.get("TENURE_EMAIL__SMTP_HOST"):
        return f"  Emails go to the SMTP server {host}; warnings and errors are printed here.\n"
    return (
        f"  Emails are saved under {DATA / 'mail'}/; their links, warnings and errors\n"
        f"  are printed here.\n"
    )


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    # Once: stopping the servers must not be cut short by the next signal (a second Ctrl-C,
    # or make passing on the SIGTERM that a kill of its process group sent everyone already),
    # which left the embedded PostgreSQL and Redis running.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise _Stop()


def main() -> None:
    port = int(os.environ.get("PORT", "8000"))
    if free_port(port) != port:
        sys.exit(f"port {port} is in use; set PORT=... to use another")
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    # The terminal keeps the banner, warnings, errors and email links; one line per request and
    # the worker's line per job go to files.
    os.environ.setdefault("TENURE_ACCESS_LOG_FILE", str(DATA / "access.log"))
    worker_log = DATA / "worker.log"
    # Started by `make run`: when make is stopped on its own (a signal to make only), stop too.
    parent = os.getppid()
    try:
        with running(database="tenure", port=port, worker_log=worker_log) as (url, procs):
            print(
                f"\n  Tenure is running at {url}\n"
                f"  Admin:       {demo.ADMIN_EMAIL} / {demo.ADMIN_PASSWORD}\n"
                f"  CSM (2FA):   {demo.CSM_EMAIL} / {demo.CSM_PASSWORD}"
                f"  (TOTP secret {demo.CSM_TOTP_SECRET})\n"
                f"  Manager:     {demo.MANAGER_EMAIL} / {demo.MANAGER_PASSWORD}\n"
                f"  API docs:    {url}/api/docs\n"
                f"  Logs:        requests in {os.environ['TENURE_ACCESS_LOG_FILE']}\n"
                f"               the worker's jobs in {worker_log}\n"
                f"{_where_emails_go()}"
                f"  Press Ctrl-C to stop.\n",
                flush=True,
            )
            while not procs.any_exited():
                if os.getppid() != parent:
                    raise _Stop()
                time.sleep(0.5)
            print("A Tenure process exited; stopping the rest.", flush=True)
    except _Stop:
        print("\nStopping Tenure...", flush=True)
    print("Stopped.", flush=True)


if __name__ == "__main__":
    main()

"""`make run`'s worker: `python -m workers` with its routine lines (each job started and done)
in a file, so the terminal keeps the banner, warnings, errors and email links."""

import argparse
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from workers import queue
from workers.settings import WorkerSettings, startup


def log_routine_lines_to(path: str) -> None:
    """Every line also goes to `path`; the console keeps warnings and errors only. Run after
    `configure_logging`, whose formatter the file shares."""
    root = logging.getLogger()
    to_file = logging.FileHandler(path)
    for console in root.handlers:
        console.setLevel(logging.WARNING)
        to_file.setFormatter(console.formatter)
    root.addHandler(to_file)


def _startup_logging_to(path: str) -> Callable[[dict[str, Any]], Awaitable[None]]:
    async def startup_logging_to_file(ctx: dict[str, Any]) -> None:
        await startup(ctx)
        log_routine_lines_to(path)

    return startup_logging_to_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log-file", required=True, help="where the routine lines go")
    args = parser.parse_args()
    queue.run_worker(WorkerSettings, on_startup=_startup_logging_to(args.log_file))


if __name__ == "__main__":
    main()

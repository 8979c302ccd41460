"""Structured logs: JSON lines in production, readable lines in a terminal; request and job ids
are bound as context variables and appear on every line logged while handling them."""

import logging
import sys

import structlog


def configure_logging(
    level: str = "INFO", *, as_json: bool = True, access_log_file: str | None = None
) -> None:
    """With `access_log_file`, the one-line-per-request access log goes to that file instead
    of the console (`make run` keeps the terminal for the banner, errors and email links)."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    access = logging.getLogger("tenure.access")
    for previous in access.handlers:
        previous.close()
    access.handlers[:] = []
    access.propagate = True
    if access_log_file:
        to_file = logging.FileHandler(access_log_file)
        to_file.setFormatter(formatter)
        access.handlers[:] = [to_file]
        access.propagate = False
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).handlers[:] = []
        logging.getLogger(noisy).propagate = False

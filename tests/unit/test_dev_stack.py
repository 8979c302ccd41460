"""The development stack's small promises: a stopped `make run` can start again at once, and
its access log and the worker's routine lines go to files instead of the terminal."""

import logging
import socket
from pathlib import Path

import pytest

from domain.common.logging import configure_logging
from scripts.stack import free_port
from scripts.worker import log_routine_lines_to


def test_a_port_left_in_time_wait_is_free_again() -> None:
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = server.accept()
            # The side that closes first keeps the port in TIME_WAIT.
            accepted.close()
    assert free_port(port) == port


def test_the_access_log_can_go_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "access.log"
    try:
        configure_logging("INFO", as_json=True, access_log_file=str(path))
        logging.getLogger("tenure.access").info("request", extra={"path": "/healthz"})
        logging.getLogger("tenure.other").warning("kept on the console")
        for handler in logging.getLogger("tenure.access").handlers:
            handler.flush()
        assert '"path": "/healthz"' in path.read_text()
        console = capsys.readouterr().out
        assert "kept on the console" in console and "/healthz" not in console
    finally:
        _console_logging_after(capsys)


def test_the_worker_keeps_only_warnings_and_errors_on_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "worker.log"
    try:
        configure_logging("INFO", as_json=True)
        log_routine_lines_to(str(path))
        logging.getLogger("arq.worker").info("0.01s ← jobs.sweep_outbox ● 0")
        logging.getLogger("arq.worker").error("0.02s ! emails.send failed")
        for handler in logging.getLogger().handlers:
            handler.flush()
        logged = path.read_text()
        assert "jobs.sweep_outbox" in logged and "emails.send failed" in logged
        console = capsys.readouterr().out
        assert "emails.send failed" in console and "jobs.sweep_outbox" not in console
    finally:
        for handler in logging.getLogger().handlers:
            handler.close()
        _console_logging_after(capsys)


def _console_logging_after(capsys: pytest.CaptureFixture[str]) -> None:
    """Logging as the suite had it, its console handler on the run's output: bound to this
    test's captured output, closed when the test ends, the next line another thread logs (the
    SMTP test server's) would fail to write."""
    with capsys.disabled():
        configure_logging("INFO", as_json=False)

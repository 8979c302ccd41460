"""The development stack's small promises: a stopped `make run` can start again at once, and
its access log goes to a file instead of the terminal."""

import logging
import socket
from pathlib import Path

import pytest

from domain.common.logging import configure_logging
from scripts.stack import free_port


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
        configure_logging("INFO", as_json=False)

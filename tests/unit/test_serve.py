"""With several processes, each listens on a socket of its own on the shared port
(SO_REUSEPORT), so the kernel spreads connections over them: what uvicorn's supervisor hands
every worker it starts unpickles there as a socket bound for that worker alone."""

import pickle
import socket
from multiprocessing.reduction import ForkingPickler

from api.serve import OwnSocketPerProcess
from scripts.stack import free_port


def _accepted(listener: socket.socket) -> int:
    listener.setblocking(False)
    count = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def test_each_worker_gets_its_own_socket_and_connections_are_spread_over_them() -> None:
    port = free_port()
    handed = OwnSocketPerProcess("127.0.0.1", port)
    # As multiprocessing sends it to a spawned worker, once per worker.
    sent = bytes(ForkingPickler.dumps(handed))
    workers = [pickle.loads(sent), pickle.loads(sent)]
    clients: list[socket.socket] = []
    try:
        assert handed.getsockname()[1] == 0  # the supervisor's own is never bound
        assert workers[0].fileno() != workers[1].fileno()
        for sock in workers:
            assert sock.getsockname() == ("127.0.0.1", port)
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            sock.listen()
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
        accepted = [_accepted(sock) for sock in workers]
        assert sum(accepted) == 40
        assert min(accepted) > 0, accepted
    finally:
        for sock in [handed, *workers, *clients]:
            sock.close()

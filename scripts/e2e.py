"""`make e2e`: the browser tests in Chromium against a real API, worker and fresh database."""

import os
import subprocess
import sys

from scripts.services import ROOT
from scripts.stack import free_port, running


def main() -> None:
    # Its own database name lets several runs share one server at once.
    database = os.environ.get("TENURE_E2E_DATABASE", "tenure_e2e")
    # And its own Redis databases (this one and the next), or another run's worker takes its jobs.
    redis_db = int(os.environ.get("TENURE_E2E_REDIS_DB", "2"))
    # A second Tenure on an empty database, for the first-run setup.
    empty = running(
        database=f"{database}_first_run",
        port=free_port(8100),
        fresh=True,
        demo=False,
        redis_db=redis_db + 1,
    )
    with (
        # Redis databases of their own: a `make run` beside it (database 0) keeps its jobs.
        running(database=database, port=free_port(), fresh=True, redis_db=redis_db) as (url, _),
        empty as (first_run_url, _),
    ):
        result = subprocess.run(
            ["npm", "run", "test:e2e", "--", *sys.argv[1:]],
            cwd=ROOT / "frontend",
            env={**os.environ, "E2E_BASE_URL": url, "E2E_FIRST_RUN_URL": first_run_url},
            check=False,
        )
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()

"""`python -m workers`: run one worker (its own logging, no arq CLI log setup).
`python -m workers --check`: exit 0 when this host's worker has marked itself alive in its last
interval, else 1 (the worker container's health check)."""

import argparse
import sys

from domain.common.settings import get_settings
from workers import liveness

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("--check", action="store_true", help="check this host's worker's health")
    if parser.parse_args().check:
        sys.exit(liveness.check(get_settings().redis_url))
    # Only here: the queue and the jobs take seconds to import, and the check runs every half
    # minute.
    from workers import queue
    from workers.settings import WorkerSettings

    queue.run_worker(WorkerSettings)

"""`python -m workers`: run one worker (its own logging, no arq CLI log setup)."""

from workers import queue
from workers.settings import WorkerSettings

if __name__ == "__main__":
    queue.run_worker(WorkerSettings)

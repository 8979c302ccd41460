"""`make migration name=...`: autogenerate a revision against a scratch database at head."""

import os
import subprocess
import sys

from scripts import services, stack


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if not name:
        sys.exit("usage: make migration name=add_things")
    svc = services.up()
    try:
        url = stack.database_url(svc.database_url, "tenure_migration_scratch")
        stack.ensure_database(url, fresh=True)
        stack.migrate(url)
        subprocess.run(
            [sys.executable, "-m", "alembic", "revision", "--autogenerate", "-m", name],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
        )
    finally:
        services.down(svc)


if __name__ == "__main__":
    main()
